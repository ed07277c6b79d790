"""Parsers for the value spellings of CONTRACT.md. Each takes the cell text and returns the value, or raises
``BadValue`` with a message an operator can act on. Empty text means "not given" (None)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from rules.clauses import CLAUSES, SupportKind


class BadValue(ValueError):
    """A cell whose text is not a value of its column's type."""


def normalise_text(text: str) -> str:
    """Full-width to half-width (NFKC) and surrounding white space removed."""
    if text.isascii():  # NFKC leaves ASCII as it is
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


QUOTE_LIMIT = 100


def quoted(text: str) -> str:
    """``text`` as a message quotes it: its repr (control characters escaped), cut after ``QUOTE_LIMIT``
    characters with the length said, so a megabyte cell gives a message of a line."""
    if len(text) <= QUOTE_LIMIT:
        return repr(text)
    return f"{text[:QUOTE_LIMIT]!r}… ({len(text):,} characters)"


def shown(value: object) -> str:
    """A value as a message shows it unquoted: control and format characters escaped (``\\x00``, ``\\u202e``),
    cut after ``QUOTE_LIMIT`` characters with the length said."""
    text = str(value)
    cut = text[:QUOTE_LIMIT]
    if not cut.isprintable():
        cut = "".join(c if c.isprintable() else repr(c)[1:-1] for c in cut)
    return cut if len(text) <= QUOTE_LIMIT else f"{cut}… ({len(text):,} characters)"


NUL = "\x00"
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""What no cell may hold, as no database stores it in a text: a NUL, and half of a surrogate pair (JSON's
``"\\ud800"`` decodes to one; it is not text and cannot be written as UTF-8)."""


def storable(text: str) -> bool:
    """No ``UNSTORABLE`` character in ``text``: checked in C at the speed of a copy (a whole column joined)."""
    if NUL in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")  # fails on half a surrogate pair, and only on that
    except UnicodeEncodeError:
        return False
    return True


def unstorable(text: str) -> BadValue | None:
    """The error for a text holding an ``UNSTORABLE`` character, None for any other text."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    if found[0] == NUL:
        return BadValue(f"{quoted(text)} holds a NUL character (\\x00), which no cell may hold")
    return BadValue(f"{quoted(text)} holds {found[0]!r}, half of a surrogate pair, which is not text")


_FULL_WIDTH_DIGITS = frozenset("０１２３４５６７８９")


def _foreign_digit(text: str) -> str | None:
    """The first character of ``text`` that is a digit, or becomes one under NFKC, without being 0-9 or
    full-width ０-９ (circled ①, superscript ², Arabic-Indic ٣, fractions ½ ...); None when there is none."""
    if text.isascii():
        return None
    foreign = [
        c
        for c in set(text) - _FULL_WIDTH_DIGITS  # each distinct character once, however long the text
        if not c.isascii() and (c.isdigit() or any(d.isdigit() for d in unicodedata.normalize("NFKC", c)))
    ]
    return min(foreign, key=text.index) if foreign else None


def normalise_value(text: str, what: str) -> str:
    """``normalise_text`` of the text of a typed value (``what``: ``an amount``), refusing digits other than
    ASCII and full-width ones (CONTRACT.md 'Input files'): NFKC would read ``①⓪⓪`` as 100. A NUL (or half a
    surrogate pair) is refused in any cell."""
    error = unstorable(text)
    if error is not None:
        raise error
    foreign = _foreign_digit(text)
    if foreign is not None:
        raise BadValue(f"{quoted(text)} is not {what}: {foreign!r} is not a digit 0-9 (or full-width ０-９)")
    return normalise_text(text)


_AMOUNT_NOISE = re.compile(r"[\s¥]|RMB|CNY", re.IGNORECASE)
_DIGIT_SPACE_DIGIT = re.compile(r"(?<=[0-9])\s+(?=[0-9])")
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_GROUPED_AMOUNT = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?([eE][+-]?[0-9]+)?")
"""An amount written with thousands separators: every group after the first has three digits."""


def parse_amount(text: str) -> Decimal:
    """``1234567.89``, ``1,234,567.89``, ``¥1,234,567``, ``123.4万`` / ``123.4万元``, full-width digits.

    Exact: the ×10,000 of 万 moves the exponent instead of multiplying (decimal arithmetic rounds to 28 digits
    and overflows on huge exponents), and ``-0`` is 0."""
    if len(text) <= 15 and text.isdigit() and text.isascii():  # 1234567: already exact and in range
        return Decimal(text)
    if _COMMON_AMOUNT_CHARS.issuperset(text):
        number = _common_amount(text)
        if number is not None:
            return number
    return _parse_any_amount(text)


# The spellings that fill a batch (``1234567``, ``1,234,567.89``, ``¥1,234``, ``123.4万元``) use only these
# characters: none changes under NFKC or is white space, and no sign or exponent can occur.
_COMMON_AMOUNT_CHARS = frozenset("0123456789.,¥万元")


def _common_amount(text: str) -> Decimal | None:
    """``parse_amount`` of a text made of ``_COMMON_AMOUNT_CHARS`` with the steps that cannot apply to it left
    out (normalising, noise words, signs); None sends the text through ``_parse_any_amount``, which also words
    every error."""
    s, shift = _split_wan(text)
    s = s.replace("¥", "")
    if "," in s:
        if _GROUPED_AMOUNT.fullmatch(s) is None:
            return None
        s = s.replace(",", "")
    if not s or "万" in s or "元" in s:
        return None
    try:
        number = Decimal(s)  # digits and at most one point: exactly what _PLAIN_NUMBER accepts here
    except InvalidOperation:
        return None
    if abs(number.adjusted() + shift) > 15:
        return None
    if shift == 0:  # no sign, no exponent: already the written-out, non-negative value
        return number
    # ×10^4 by moving the point four places right in the text: the digits and exponent _exact would give
    whole, _, fraction = s.partition(".")
    return Decimal(whole + fraction[:4].ljust(4, "0") + ("." + fraction[4:] if len(fraction) > 4 else ""))


def _split_wan(s: str) -> tuple[str, int]:
    """The number part of an amount and the power of ten its unit (万 or 万元 = 10^4, 元 = 1) adds."""
    if s.endswith("万元"):
        return s[:-2], 4
    if s.endswith("万"):
        return s[:-1], 4
    if s.endswith("元"):
        return s[:-1], 0
    return s, 0


def _parse_any_amount(text: str) -> Decimal:
    s, shift = _split_wan(normalise_value(text, "an amount"))
    s = _AMOUNT_NOISE.sub("", _DIGIT_SPACE_DIGIT.sub(",", s))  # a space between digits separates thousands
    if "," in s:
        if _GROUPED_AMOUNT.fullmatch(s) is None:
            raise BadValue(
                f"{quoted(text)} is not an amount: thousands separators must group the digits by three (1,234,567.89)"
            )
        s = s.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(s):
        raise BadValue(f"{quoted(text)} is not an amount (e.g. 1234567.89, ¥1,234,567 or 123.4万)")
    try:
        number = Decimal(s)
    except InvalidOperation:
        raise BadValue(f"{quoted(text)} is not an amount") from None
    exact = _exact(number, shift)
    if exact is None:
        raise BadValue(f"{quoted(text)} is out of range for an amount")
    return exact


def _exact(number: Decimal, shift: int) -> Decimal | None:
    """``number`` × 10^``shift`` written out (no positive exponent, no negative zero); None when out of range."""
    if abs(number.adjusted() + shift) > 15:
        return None
    sign, digits, exponent = number.as_tuple()
    exponent = int(exponent) + shift
    if exponent > 0:  # 1.234E+6 written out as 1234000
        digits, exponent = digits + (0,) * exponent, 0
    return Decimal((sign if any(digits) else 0, digits, exponent))


_WHOLE = re.compile(r"[+-]?[0-9]+(\.0*)?")
_GROUPED_WHOLE = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.0*)?")


def parse_int(text: str) -> int:
    """``1000000``, ``1,000,000`` (thousands separators group by three), ``12.0``, full-width digits."""
    s = normalise_value(text, "a whole number")
    if "," in s:
        if _GROUPED_WHOLE.fullmatch(s) is None:
            raise BadValue(
                f"{quoted(text)} is not a whole number: thousands separators must group the digits by three (1,000,000)"
            )
        s = s.replace(",", "")
    if _WHOLE.fullmatch(s) is None:
        raise BadValue(f"{quoted(text)} is not a whole number")
    whole = s.split(".")[0]
    sign, digits = ("-", whole[1:]) if whole.startswith("-") else ("", whole.lstrip("+"))
    digits = digits.lstrip("0") or "0"
    if len(digits) > 18:  # int() refuses texts past 4300 digits; no count or year comes near 18
        raise BadValue(f"{quoted(text)} is out of range for a whole number")
    return int(sign + digits)


_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f"}


def parse_bool(text: str) -> bool:
    s = normalise_value(text, "yes/no").lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise BadValue(f"{quoted(text)} is not yes/no (true/false, 1/0, yes/no, y/n, 是/否)")


_DATE_PATTERNS = (
    re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"),
    re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})"),
    re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日"),
)


def parse_date(text: str) -> date:
    """``2024-03-01``, ``2024/3/1``, ``2024年3月1日`` and nothing else in the cell (no time of day: an Excel date
    cell arrives from the reader as its day, ``cell_text``)."""
    s = normalise_value(text, "a date")
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(s)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise BadValue(f"{quoted(text)} is not a real calendar day") from None
    raise BadValue(f"{quoted(text)} is not a date (2024-03-01, 2024/3/1 or 2024年3月1日)")


def parse_uscc(text: str) -> str:
    """Normalised only (upper case, no spaces); the GB 32100 check digit is a schema rule."""
    if text.isascii() and text.isalnum():  # nothing to normalise, strip or remove
        return text.upper()
    return normalise_value(text, "a unified social credit code").replace(" ", "").replace("-", "").upper()


def enum_parser(words: dict[str, str], what: str) -> Callable[[str], str]:
    """A parser for an enumerated column: the English word or its Chinese (``process`` or ``流程级``); ``what``
    names one value with its article (``an entity type``)."""
    lookup = {**{k.lower(): k for k in words}, **{zh: k for k, zh in words.items()}}

    def parse(text: str) -> str:
        s = normalise_text(text)
        value = lookup.get(s.lower()) or lookup.get(s)
        if value is None:
            raise BadValue(f"{quoted(text)} is not {what} (one of {', '.join(words)})")
        return value

    return parse


FIELDS = {
    "ai": "人工智能",
    "intelligent_manufacturing": "智能制造",
    "industrial_internet": "工业互联网",
    "other": "其他",
}
ENTITY_TYPES = {
    "enterprise": "企业",
    "public_institution": "区级财政全额拨款事业单位",
    "cloud_provider": "上云上平台服务商",
}
TITLE_LEVELS = {"municipal": "市级", "national": "国家级"}
CERT_LEVELS = {"completed": "完成贯标", "process": "流程级", "network": "网络级", "ecosystem": "生态级"}


def parse_clause(text: str) -> str:
    s = normalise_value(text, "a clause of the policy").upper()
    if s not in CLAUSES:
        raise BadValue(f"{quoted(text)} is not a clause of the policy ({', '.join(CLAUSES)})")
    return s


def parse_text(text: str) -> str:
    """The text without surrounding white space; a NUL or half a surrogate pair is bad data in any cell (no
    database stores it as text). Its length and, in ids, its control characters are schema rules
    (``validations.schemas``)."""
    error = unstorable(text)
    if error is not None:
        raise error
    return text.strip()


PARSERS: dict[str, Callable[[str], Any]] = {
    "text": parse_text,
    "clause": parse_clause,
    "uscc": parse_uscc,
    "date": parse_date,
    "bool": parse_bool,
    "amount": parse_amount,
    "headcount": parse_int,
    "claim_year": parse_int,
    "onboarded_count": parse_int,
    "field": enum_parser(FIELDS, "a field"),
    "entity_type": enum_parser(ENTITY_TYPES, "an entity type"),
    "title_level": enum_parser(TITLE_LEVELS, "a title level"),
    "cert_level": enum_parser(CERT_LEVELS, "a certification level"),
    "kind": enum_parser({k.value: k.value for k in SupportKind}, "a kind of support"),
}


def cell_text(value: Any) -> str | None:
    """A cell as the text a person typed, from any reader; None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):  # an Excel date cell, with or without a time of day: its day
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value != value:  # NaN from a reader means an empty cell
            return None
        return repr(value) if not value.is_integer() else str(int(value))
    text = str(value)
    return text if text.strip() else None
