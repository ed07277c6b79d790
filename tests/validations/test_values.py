"""Value spellings of CONTRACT.md."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validations.values import PARSERS, BadValue, parse_amount, parse_bool, parse_date


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234567.89", Decimal("1234567.89")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("¥1,234,567", Decimal("1234567")),
        ("123.4万", Decimal("1234000")),
        ("123.4万元", Decimal("1234000")),
        ("１２３", Decimal("123")),
        ("￥１，２３４", Decimal("1234")),
        (" 0 ", Decimal("0")),
    ],
)
def test_amount_spellings(text: str, value: Decimal) -> None:
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["inf", "NaN", "abc", "1e400", "12,3.4.5", "万", ""])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(BadValue):
        parse_amount(text)


# L4: digits are ASCII or full-width only, thousands separators group by three, dates are the contract's
# spellings with nothing else in the cell; integers as strict as amounts.
@pytest.mark.parametrize(
    ("parser", "text", "phrase"),
    [
        ("amount", "①⓪⓪⓪⓪⓪⓪", "is not an amount: '①' is not a digit 0-9 (or full-width ０-９)"),
        ("amount", "²⁰", "is not an amount: '²' is not a digit"),
        ("amount", "٣٠٠", "is not an amount: '٣' is not a digit"),
        ("amount", "½万", "is not an amount: '½' is not a digit"),
        ("amount", "6,0,0,0,0,0", "thousands separators must group the digits by three"),
        ("amount", "1,23,456", "thousands separators must group the digits by three"),
        ("amount", "1,234.5,6", "thousands separators must group the digits by three"),
        ("amount", "6 0 0 0", "thousands separators must group the digits by three"),
        ("amount", "¥6,0万", "thousands separators must group the digits by three"),
        ("headcount", "6,0,0,0", "is not a whole number: thousands separators must group the digits by three"),
        ("claim_year", "②⓪②④", "is not a whole number: '②' is not a digit"),
        ("onboarded_count", "1,00", "thousands separators must group the digits by three"),
        ("date", "2024/3/1 x", "'2024/3/1 x' is not a date (2024-03-01, 2024/3/1 or 2024年3月1日)"),
        ("date", "2024-03-01T25:00", "'2024-03-01T25:00' is not a date"),
        ("date", "2024-03-01T00:00:00", "is not a date"),
        ("date", "2024-03-01 10:00", "is not a date"),
        ("date", "2024.3.1", "is not a date"),
        ("date", "②⓪②④-③-①", "is not a date: '②' is not a digit"),
        ("bool", "①", "is not yes/no: '①' is not a digit"),
        ("clause", "A①", "is not a clause of the policy: '①' is not a digit"),
        ("uscc", "⑨1310112MA1GBQ0Z5X", "is not a unified social credit code: '⑨' is not a digit"),
        ("amount", "12\x003", "'12\\x003' holds a NUL character (\\x00), which no cell may hold"),
        ("text", "名\x00", "holds a NUL character"),
        ("text", "a\ud800b", "'a\\ud800b' holds '\\ud800', half of a surrogate pair, which is not text"),
        ("amount", "1\udfff", "holds '\\udfff', half of a surrogate pair"),
    ],
)
def test_strict_digits_separators_and_dates(parser: str, text: str, phrase: str) -> None:
    with pytest.raises(BadValue) as info:
        PARSERS[parser](text)
    assert phrase in str(info.value)


@pytest.mark.parametrize(
    ("parser", "text", "value"),
    [
        ("amount", "1,000,000", Decimal("1000000")),
        ("amount", "１，０００，０００", Decimal("1000000")),
        ("amount", "1 000 000", Decimal("1000000")),
        ("amount", "¥ 1,234 万", Decimal("12340000")),
        ("headcount", "1,000,000", 1_000_000),
        ("headcount", "１２", 12),
        ("claim_year", "２０２４", 2024),
        ("date", "２０２４年３月１日", date(2024, 3, 1)),
        ("date", " 2024-3-1 ", date(2024, 3, 1)),
    ],
)
def test_ascii_and_full_width_digits_grouped_by_three_are_read(parser: str, text: str, value: object) -> None:
    assert PARSERS[parser](text) == value


def test_a_long_bad_value_is_quoted_cut_in_its_message() -> None:
    with pytest.raises(BadValue) as info:
        parse_amount("x" * 1_000_000)
    assert len(str(info.value)) < 300 and "(1,000,000 characters)" in str(info.value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("1", True),
        ("yes", True),
        ("Y", True),
        ("是", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("n", False),
        ("否", False),
    ],
)
def test_booleans(text: str, value: bool) -> None:
    assert parse_bool(text) is value


@pytest.mark.parametrize("text", ["2024-03-01", "2024/3/1", "2024年3月1日", "２０２４-０３-０１"])
def test_dates(text: str) -> None:
    assert parse_date(text) == date(2024, 3, 1)


def test_a_day_that_does_not_exist_is_bad() -> None:
    with pytest.raises(BadValue, match="not a real calendar day"):
        parse_date("2024-02-30")


def test_enumerations_in_english_or_chinese() -> None:
    assert PARSERS["cert_level"]("流程级") == "process"
    assert PARSERS["cert_level"]("Process") == "process"
    assert PARSERS["field"]("工业互联网") == "industrial_internet"
    assert PARSERS["clause"](" a4-pilot ") == "A4-PILOT"
    with pytest.raises(BadValue):
        PARSERS["title_level"]("provincial")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYZIOSV-a ", min_size=16, max_size=19))
def test_the_batch_uscc_check_agrees_with_python_stdnum(text: str) -> None:
    from stdnum.cn import uscc

    from validations.schemas import _uscc_check

    assert _uscc_check(text) is uscc.is_valid(text) or (uscc.compact(text) != text and not _uscc_check(text))


def test_the_batch_uscc_check_accepts_generated_codes() -> None:
    import random

    from subsidy.sample import make_uscc
    from validations.schemas import _uscc_check

    rng = random.Random(1)
    assert all(_uscc_check(make_uscc(rng)) for _ in range(1000))
