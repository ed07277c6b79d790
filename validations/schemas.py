"""pandera row and column rules for every input kind, applied lazily so one run reports every failure.

The frames validated here hold parsed values (Decimal, date, bool, int, str) in object columns; the value
parsers have already turned the text into values, these rules check what the values must satisfy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera import extensions
from pandera.typing import Series
from stdnum.cn import uscc as stdnum_uscc

from rules.clauses import CLAUSES

MAX_AMOUNT = Decimal(1_000_000_000_000)
# The longest texts CONTRACT.md allows ('texts'), in characters: ids (application_id, project_id, report_id),
# the name, any other text. Longer values are bad data for their row on every database alike.
MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 200
MAX_TEXT_LENGTH = 1000
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Control and format characters (NUL, line breaks, bidi overrides, zero-width characters): never in an id."""

# The inputs each clause needs to be decided (CONTRACT.md, 'used by').
CLAUSE_REQUIRED: dict[str, tuple[str, ...]] = {
    "A1": ("fixed_asset_investment", "rd_expense", "equipment_investment"),
    "A2": ("paid_in_capital", "headcount", "financing", "annual_rent", "lease_start"),
    "A3-INV": ("investment",),
    "A3-TITLE": ("title_level",),
    "A4-CERT": ("cert_level",),
    "A4-PILOT": (),
    "A5": ("claim_year", "onboarded_count"),
    "A6-INV": ("investment",),
    "A6-TITLE": ("title_level",),
    "A7-START": (),
    "A7-SITE": ("annual_rent", "lease_start"),
    "A7-ALLIANCE": ("claim_year", "activity_cost"),
    "A8": ("claim_year", "provider_uscc", "provider_in_minhang"),
}


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _uscc_check(value: Any) -> bool:
    """GB 32100-2015 as python-stdnum checks it (length, 8 leading digits, alphabet, check digit), written out
    so a batch of a million costs a few microseconds per distinct code (tests compare it with stdnum)."""
    if not isinstance(value, str) or len(value) != 18 or not value[:8].isdigit() or not value[:8].isascii():
        return False
    try:
        total = sum(_USCC_VALUE[c] * w for c, w in zip(value, _USCC_WEIGHTS, strict=False))
        return _USCC_VALUE[value[17]] == (31 - total) % 31
    except KeyError:
        return False


_USCC_NUMBER = np.full(256, -1, dtype=np.int64)  # the value of each ASCII byte in the alphabet, -1 outside it
_USCC_NUMBER[[ord(c) for c in USCC_ALPHABET]] = range(len(USCC_ALPHABET))


def uscc_checks(values: list[Any]) -> np.ndarray:
    """``_uscc_check`` of every value, computed for all of them at once (tests compare the two)."""
    passed = np.zeros(len(values), dtype=bool)
    candidates = [i for i, v in enumerate(values) if isinstance(v, str) and len(v) == 18 and v.isascii()]
    if candidates:
        codes = "".join(values[i] for i in candidates).encode("ascii")
        numbers = _USCC_NUMBER[np.frombuffer(codes, dtype=np.uint8).reshape(-1, 18)]
        total = numbers[:, :17] @ np.array(_USCC_WEIGHTS)
        passed[candidates] = (
            (numbers >= 0).all(axis=1)
            & (numbers[:, :8] < 10).all(axis=1)  # eight leading digits
            & (numbers[:, 17] == (31 - total) % 31)
        )
    return passed


def uscc_valid_mask(values: pd.Series) -> pd.Series:
    """The check digit of every code in a column, each distinct code checked once (an empty cell passes)."""
    return _distinct_mask(values, lambda vs: uscc_checks(vs) | _is_none(vs))


def id_is_clean(value: Any) -> bool:
    """An id without control or format characters (an empty cell passes)."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    return value.isprintable() or not any(unicodedata.category(c) in _CONTROL_CATEGORIES for c in value)


@extensions.register_check_method(statistics=["limit"])
def max_chars(values: pd.Series, *, limit: int) -> pd.Series:
    """Texts of at most ``limit`` characters (pandera leaves empty cells out): one ``len`` per cell, no more."""
    lengths = np.fromiter(map(len, values.tolist()), dtype=np.int64, count=len(values))
    return pd.Series(lengths <= limit, index=values.index)


@extensions.register_check_method()
def id_characters(values: pd.Series) -> pd.Series:
    """Ids without control or format characters; one look at all of them when none holds anything unprintable
    (str.isprintable is False for every character of ``_CONTROL_CATEGORIES``)."""
    texts = values.tolist()
    try:
        printable = "".join(texts).isprintable()
    except TypeError:  # a value that is not text: each is looked at
        printable = False
    if printable:
        return pd.Series(True, index=values.index)
    return pd.Series(_each(id_is_clean)(texts), index=values.index)


def _id(nullable: bool) -> Any:
    """An id column: at most ``MAX_ID_LENGTH`` characters, no control characters."""
    return pa.Field(nullable=nullable, max_chars=MAX_ID_LENGTH, id_characters=())


def _text(nullable: bool, limit: int = MAX_TEXT_LENGTH) -> Any:
    """A text column: at most ``limit`` characters."""
    return pa.Field(nullable=nullable, max_chars=limit)


def _each(test: Callable[[Any], bool]) -> Callable[[list[Any]], np.ndarray]:
    return lambda values: np.fromiter(map(test, values), dtype=bool, count=len(values))


def _is_none(values: list[Any]) -> np.ndarray:
    return np.array([v is None for v in values], dtype=bool)


def _distinct_mask(values: pd.Series, test: Callable[[list[Any]], np.ndarray]) -> pd.Series:
    """``test`` (one answer for each of a list of values) of every value of a column, asked once per distinct
    value (and for missing values one by one)."""
    cells = values.to_numpy(dtype=object)
    codes, distinct = pd.factorize(cells)  # None and NaN have code -1
    passed = np.append(test(distinct.tolist()), False)[codes]
    missing = codes == -1
    if missing.any():
        passed[missing] = test(cells[missing].tolist())
    return pd.Series(passed, index=values.index)


def clause_incomplete(df: pd.DataFrame) -> np.ndarray:
    """Which rows leave empty an input their clause needs: ``missing_for_clause`` of every row at once. The
    frames hold parsed values (finite Decimal, date, bool, int, str) or None, for which isna is ``_empty``."""
    incomplete = np.zeros(len(df), dtype=bool)
    if "clause" not in df.columns:
        return incomplete
    codes, clauses = pd.factorize(df["clause"].to_numpy(dtype=object))
    for code, clause in enumerate(clauses.tolist()):
        needed = CLAUSE_REQUIRED.get(clause, ())
        rows = np.flatnonzero(codes == code) if needed else np.arange(0)
        for name in needed:
            if name in df.columns:
                incomplete[rows[pd.isna(df[name].to_numpy(dtype=object)[rows])]] = True
            else:
                incomplete[rows] = True
    return incomplete


def uscc_is_valid(value: Any) -> bool:
    """GB 32100-2015: 18 characters with a verified check digit."""
    return isinstance(value, str) and stdnum_uscc.is_valid(value)


def _amount(**kw: Any) -> Any:
    return pa.Field(nullable=True, ge=0, le=MAX_AMOUNT, **kw)


class ApplicationRows(pa.DataFrameModel):
    """One application per row (CONTRACT.md 'applications')."""

    application_id: Series[object] = _id(nullable=False)
    clause: Series[object] = pa.Field(nullable=False, isin=list(CLAUSES))
    uscc: Series[object] = pa.Field(nullable=False)
    name: Series[object] = _text(nullable=False, limit=MAX_NAME_LENGTH)
    submitted_on: Series[object] = pa.Field(nullable=False)
    project_id: Series[object] = _id(nullable=True)
    entity_type: Series[object] = pa.Field(nullable=True)
    business_in_minhang: Series[object] = pa.Field(nullable=False)
    tax_in_minhang: Series[object] = pa.Field(nullable=False)
    field: Series[object] = pa.Field(nullable=False)
    certified: Series[object] = pa.Field(nullable=True)
    major_project: Series[object] = pa.Field(nullable=True)
    fixed_asset_investment: Series[object] = _amount()
    rd_expense: Series[object] = _amount()
    equipment_investment: Series[object] = _amount()
    paid_in_capital: Series[object] = _amount()
    headcount: Series[object] = pa.Field(nullable=True, ge=0, le=1_000_000)
    financing: Series[object] = _amount()
    annual_rent: Series[object] = _amount()
    lease_start: Series[object] = pa.Field(nullable=True)
    investment: Series[object] = _amount()
    claim_year: Series[object] = pa.Field(nullable=True, ge=2000, le=2100)
    onboarded_count: Series[object] = pa.Field(nullable=True, ge=0, le=10_000_000)
    activity_cost: Series[object] = _amount()
    provider_uscc: Series[object] = pa.Field(nullable=True)
    report_id: Series[object] = _id(nullable=True)

    @pa.check("uscc", "provider_uscc", name="uscc_check_digit")
    def uscc_check_digit(cls, values: pd.Series) -> pd.Series:
        return uscc_valid_mask(values)

    @pa.check("submitted_on", "lease_start", name="plausible_date")
    def plausible_date(cls, values: pd.Series) -> pd.Series:
        return _distinct_mask(values, _each(_plausible_date))

    @pa.dataframe_check(name="clause_required_fields")
    def clause_required_fields(cls, df: pd.DataFrame) -> Series[bool]:
        return pd.Series(~clause_incomplete(df), index=df.index)

    class Config:
        strict = False
        coerce = False


def _plausible_date(value: Any) -> bool:
    return isinstance(value, date) and date(2000, 1, 1) <= value <= date(2100, 12, 31)


def missing_for_clause(row: Any) -> list[str]:
    """The inputs the row's clause needs that the row leaves empty."""
    needed = CLAUSE_REQUIRED.get(getattr(row, "clause", None) or "", ())
    return [name for name in needed if _empty(getattr(row, name, None))]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


class BlacklistRows(pa.DataFrameModel):
    uscc: Series[object] = pa.Field(nullable=False)
    listed_on: Series[object] = pa.Field(nullable=False)
    removed_on: Series[object] = pa.Field(nullable=True)
    source: Series[object] = _text(nullable=True)

    @pa.check("uscc", name="uscc_check_digit")
    def uscc_check_digit(cls, values: pd.Series) -> pd.Series:
        return uscc_valid_mask(values)

    @pa.dataframe_check(name="removed_after_listed")
    def removed_after_listed(cls, df: pd.DataFrame) -> Series[bool]:
        listed = df["listed_on"].to_numpy(dtype=object)
        removed = df["removed_on"].to_numpy(dtype=object)
        passed = _is_none(listed.tolist()) | _is_none(removed.tolist())
        both = ~passed
        passed[both] = removed[both] > listed[both]
        return pd.Series(passed, index=df.index)


class RegistryRows(pa.DataFrameModel):
    uscc: Series[object] = pa.Field(nullable=False)
    business_in_minhang: Series[object] = pa.Field(nullable=False)
    tax_in_minhang: Series[object] = pa.Field(nullable=False)
    effective_on: Series[object] = pa.Field(nullable=False)

    @pa.check("uscc", name="uscc_check_digit")
    def uscc_check_digit(cls, values: pd.Series) -> pd.Series:
        return uscc_valid_mask(values)


class ExternalAwardRows(pa.DataFrameModel):
    uscc: Series[object] = pa.Field(nullable=False)
    project_id: Series[object] = _id(nullable=True)
    kind: Series[object] = pa.Field(nullable=False)
    amount: Series[object] = pa.Field(nullable=False, ge=0, le=MAX_AMOUNT)
    policy: Series[object] = _text(nullable=True)

    @pa.check("uscc", name="uscc_check_digit")
    def uscc_check_digit(cls, values: pd.Series) -> pd.Series:
        return uscc_valid_mask(values)


class CaseDecisionRows(pa.DataFrameModel):
    application_id: Series[object] = _id(nullable=False)
    amount: Series[object] = pa.Field(nullable=False, ge=0, le=MAX_AMOUNT)
    approved_by: Series[object] = _text(nullable=False)
    document_ref: Series[object] = _text(nullable=False)
    decided_on: Series[object] = pa.Field(nullable=False)


class OnboardingRows(pa.DataFrameModel):
    """One enterprise a provider onboarded in a claim year (CONTRACT.md 'onboardings', I-10)."""

    provider_uscc: Series[object] = pa.Field(nullable=False)
    enterprise_uscc: Series[object] = pa.Field(nullable=False)
    claim_year: Series[object] = pa.Field(nullable=False, ge=2000, le=2100)
    onboarded_on: Series[object] = pa.Field(nullable=False)

    @pa.check("provider_uscc", "enterprise_uscc", name="uscc_check_digit")
    def uscc_check_digit(cls, values: pd.Series) -> pd.Series:
        return uscc_valid_mask(values)


BANK_ACCOUNT_NO = re.compile(r"\d{8,32}")
"""A bank account number as banks in China issue them: 8 to 32 digits (spaces are not part of it)."""


class BankAccountRows(pa.DataFrameModel):
    """One recipient's bank account from a date (issue 20: 收款人统一社会信用代码, 户名, 开户行, 账号, 生效日期)."""

    uscc: Series[object] = pa.Field(nullable=False)
    account_name: Series[object] = _text(nullable=False)
    bank_name: Series[object] = _text(nullable=False)
    account_no: Series[object] = _text(nullable=False)
    effective_on: Series[object] = pa.Field(nullable=False)

    @pa.check("uscc", name="uscc_check_digit")
    def uscc_check_digit(cls, values: pd.Series) -> pd.Series:
        return uscc_valid_mask(values)

    @pa.check("account_no", name="bank_account_no")
    def bank_account_no(cls, values: pd.Series) -> pd.Series:
        return pd.Series([bool(BANK_ACCOUNT_NO.fullmatch(str(v))) for v in values.tolist()], index=values.index)


BANK_STATUSES = {"success": True, "成功": True, "failed": False, "失败": False}
"""The statuses a bank's return file gives a line, and whether the money reached the account."""


class BankReturnRows(pa.DataFrameModel):
    """One line of a bank's return file (issue 20: 业务参考号, 金额, 状态, 入账日期, 失败原因)."""

    reference: Series[object] = _text(nullable=False)
    amount: Series[object] = pa.Field(nullable=False)
    status: Series[object] = _text(nullable=False)
    value_date: Series[object] = pa.Field(nullable=False)
    reason: Series[object] = _text(nullable=True)

    @pa.check("status", name="bank_status")
    def bank_status(cls, values: pd.Series) -> pd.Series:
        return values.map(lambda v: str(v).lower() in BANK_STATUSES)


SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "applications": ApplicationRows,
    "blacklist": BlacklistRows,
    "registry": RegistryRows,
    "external_awards": ExternalAwardRows,
    "case_decisions": CaseDecisionRows,
    "onboardings": OnboardingRows,
    "bank_accounts": BankAccountRows,
    "bank_returns": BankReturnRows,
}

# Plain words for a failed check; ``{}`` takes the check's bound (``less_than_or_equal_to(100)`` -> 100,
# ``max_chars(limit=64)`` -> 64).
CHECK_WORDS = {
    "not_nullable": "is required but empty",
    "uscc_check_digit": "is not a valid unified social credit code (GB 32100 check digit)",
    "bank_account_no": "is not a bank account number (8 to 32 digits, no spaces)",
    "bank_status": "is not a status of a bank's return file (success, failed, 成功, 失败)",
    "plausible_date": "is not a date between 2000 and 2100",
    "max_chars": "is longer than {} characters",
    "id_characters": "holds a control character (NUL, line break, bidi override or zero-width character)",
    "removed_after_listed": "removed_on must be after listed_on",
    "greater_than_or_equal_to": "must be at least {}",
    "less_than_or_equal_to": "must be at most {}",
}

# Row checks (dataframe checks) report every column of a failing row; the problem belongs to this one.
ROW_CHECK_COLUMNS = {"removed_after_listed": "removed_on"}
