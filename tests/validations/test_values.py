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


@pytest.mark.parametrize("text", ["2024-03-01", "2024/3/1", "2024年3月1日", "2024-03-01T00:00:00"])
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
