"""Amendments as data (issue 19): parameter files in the shape of ``rules/parameters/`` merged into the policy's
dated values, refused naming file and line when a name, unit, date or value is wrong; readings chosen by name."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import ParameterError
from rules.amendments import amend, amendment_rows
from rules.params import default_parameters

RATES = 'clause: A2\nparameters:\n  yearly_rates:\n    unit: ratio per year\n    values:\n      "{day}": {value}\n'
GOOD = RATES.format(day="2021-08-18", value='["1", "1", "0.3"]')


def write(tmp_path: Path, text: str, name: str = "amendment.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_value_on_the_policys_date_replaces_it_and_a_later_one_applies_from_its_day(tmp_path: Path) -> None:
    same_day = amend(default_parameters(), write(tmp_path, RATES.format(day="2021-08-18", value='["1", "1", "0.3"]')))
    rates = same_day.params.parameters["A2.yearly_rates"]
    assert rates.dates == (date(2021, 8, 18),)
    assert rates.values == ((Decimal("1"), Decimal("1"), Decimal("0.3")),)
    later = amend(default_parameters(), write(tmp_path, RATES.format(day="2025-01-01", value='["1", "1", "0.3"]')))
    p = later.params
    assert p.at("A2.yearly_rates", date(2024, 12, 31)).value[2] == Decimal("0.5")
    assert p.at("A2.yearly_rates", date(2025, 1, 1)).value[2] == Decimal("0.3")
    assert p.at("A2.yearly_rates", date(2025, 1, 1)).effective_from == date(2025, 1, 1)
    [row] = amendment_rows(later)
    assert row == {
        "amends": "A2.yearly_rates",
        "from": "2025-01-01",
        "policy": "[1, 1, 0.5]",
        "amended": "[1, 1, 0.3]",
        "where": f"{tmp_path / 'amendment.yaml'}, line 6",
    }
    assert default_parameters().at("A2.yearly_rates", date(2025, 1, 1)).value[2] == Decimal("0.5")  # untouched


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("yearly_rates", "yearly_rate"), r"line 3: no policy parameter 'A2.yearly_rate' \(A2's"),
        (GOOD.replace("clause: A2", "clause: A9"), "line 3: no policy parameter 'A9.yearly_rates' .no clause"),
        (GOOD.replace("ratio per year", "CNY"), "line 4: A2.yearly_rates is in 'ratio per year', not 'CNY'"),
        (GOOD.replace("ratio per year", "percent"), "line 4: parameter A2.yearly_rates: unknown unit 'percent'"),
        (GOOD.replace("values", "valus"), "line 5: unknown key 'valus' in parameter A2.yearly_rates"),
        (RATES.format(day="2021-18-08", value='["1", "1", "0.3"]'), "line 6: effective date '2021-18-08' is not"),
        (RATES.format(day="2021-08-18", value='["1", "1", 0.3]'), "line 6: .* write 0.3 as a quoted string"),
        (RATES.format(day="2021-08-18", value='["1", "1"]'), "line 6: A2.yearly_rates takes 3 yearly values, not 2"),
        (RATES.format(day="2021-08-18", value='"0.3"'), "line 6: A2.yearly_rates takes a list of values"),
        (RATES.format(day="2021-08-18", value='["1", "1", "-0.3"]'), "line 6: .*'-0.3' is negative"),
        (RATES.format(day="2021-08-18", value='["1", "1", "thirty"]'), "line 6: .*'thirty' is not an exact decimal"),
        (RATES.format(day="2021-08-18", value="[1, 1, 0.3") + "\n", r"line \d+: not YAML"),
        (GOOD + "  yearly_rates:\n    unit: ratio per year\n", "line 7: 'yearly_rates' is given twice"),
        ("clause: A2\nparameters:\n  min_headcount:\n    unit: people\n    values:\n      2021-08-18: \"30.5\"\n",
         "line 6: .*'30.5' is not a whole number of people"),
        ("clause: A2\nname: rent\n", "line 2: unknown key 'name' in the file"),
        ("interpretations:\n  I-4:\n    question: q\n    reading: first_come\n    choices: [highest, first_come]\n",
         "an amendment sets parameters only; choose a reading with --reading"),
    ],
)  # fmt: skip
def test_a_wrong_amendment_is_refused_naming_its_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ParameterError, match=message) as refused:
        amend(default_parameters(), path)
    assert str(refused.value).startswith(str(path))


def test_a_folder_of_amendments_is_read_whole_and_one_date_amended_twice_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "amendments"
    folder.mkdir()
    write(folder, RATES.format(day="2025-01-01", value='["1", "1", "0.3"]'), "a2.yaml")
    write(
        folder,
        'clause: A8\nparameters:\n  report_award:\n    unit: CNY\n    values:\n      "2021-08-18": 80000\n',
        "a8.yaml",
    )
    both = amend(default_parameters(), folder)
    assert [v.key for v in both.values] == ["A2.yearly_rates", "A8.report_award"]
    assert both.params.at("A8.report_award", date(2024, 1, 1)).value == Decimal("80000")
    write(folder, RATES.format(day="2025-01-01", value='["1", "1", "0.2"]'), "b.yaml")
    with pytest.raises(
        ParameterError,
        match=r"b\.yaml, line 6: A2.yearly_rates from 2025-01-01 is already amended at .*a2\.yaml, line 6",
    ):
        amend(default_parameters(), folder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParameterError, match="holds no \\*.yaml"):
        amend(default_parameters(), tmp_path / "empty")
    with pytest.raises(ParameterError, match="no such parameter file or folder"):
        amend(default_parameters(), tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("I-4", "write it as I-n=VALUE"),
        ("I-4=firstcome", "I-4 has no reading 'firstcome'; choices: highest, first_come"),
        ("I-99=x", "no interpretation 'I-99'"),
        ("I-6=suspend", "I-6 does not change there: it governs the disbursement cycles"),
        ("I-10=both", "I-10 does not change there"),
        ("I-15=half_even", "I-15 does not change there: amounts given outside the rules were rounded"),
    ],
)
def test_a_reading_is_chosen_by_name_among_its_choices(given: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        amend(default_parameters(), None, [given])


def test_readings_chosen_are_in_force_and_listed() -> None:
    chosen = amend(default_parameters(), None, ["I-4=first_come", "I-12=per_project"])
    assert (chosen.params.reading("I-4"), chosen.params.reading("I-12")) == ("first_come", "per_project")
    assert chosen.readings == (("I-4", "highest", "first_come"), ("I-12", "per_enterprise", "per_project"))
    assert default_parameters().reading("I-4") == "highest"
