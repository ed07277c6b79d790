"""Dated parameters: the value in force on a day, amendments as new dated values, exactness."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import ParameterError
from rules.params import default_parameters, load_parameters


def test_shipped_values_are_the_policy_text() -> None:
    params = default_parameters()
    day = date(2024, 1, 1)
    assert params.at("A2.cumulative_cap", day).value == Decimal("3000000")
    assert params.at("A2.yearly_rates", day).value == (Decimal("1"), Decimal("1"), Decimal("0.5"))
    assert params.at("A2.min_headcount", day).value == 30
    assert params.at("A4.pilot_award", day).value == Decimal("500000")
    assert params.at("X.validity_end", day).value == date(2026, 8, 17)
    assert params.at("A2.cumulative_cap", day).effective_from == date(2021, 8, 18)


def test_an_amendment_applies_from_its_date_and_leaves_earlier_days_alone(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "clause: A4\nparameters:\n  pilot_award:\n    unit: CNY\n    values:\n"
        '      "2021-08-18": "500000"\n      "2025-01-01": "600000"\n',
        encoding="utf-8",
    )
    params = load_parameters(tmp_path)
    before = params.at("A4.pilot_award", date(2024, 12, 31))
    after = params.at("A4.pilot_award", date(2025, 1, 1))
    assert (before.value, before.effective_from) == (Decimal("500000"), date(2021, 8, 18))
    assert (after.value, after.effective_from) == (Decimal("600000"), date(2025, 1, 1))
    with pytest.raises(ParameterError, match="no value in force on 2021-08-17"):
        params.at("A4.pilot_award", date(2021, 8, 17))


def test_a_float_in_a_parameter_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        'clause: A2\nparameters:\n  rate:\n    unit: ratio\n    values:\n      "2021-08-18": 0.5\n', encoding="utf-8"
    )
    with pytest.raises(ParameterError, match="quoted string"):
        load_parameters(tmp_path)


def test_every_interpretation_has_a_selectable_reading() -> None:
    """I-1 … I-16 of POLICY.md, each with its reading and its alternatives."""
    params = default_parameters()
    assert sorted(params.interpretations, key=lambda i: int(i.split("-")[1])) == [f"I-{n}" for n in range(1, 17)]
    assert params.with_reading("I-6", "suspend").reading("I-6") == "suspend"
    with pytest.raises(ParameterError, match="no reading"):
        params.with_reading("I-6", "claw_back_everything")
