"""Money is exact at every size the contract allows and under any parameter an amendment may set: amounts up to
1,000,000,000,000 with any number of decimals, rates with many digits, sub-fen parameters; half-up once per
installment (I-9); a parameter change within a batch decides each row under its own epoch."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.model import Application, History, ReferenceData
from rules.money import amount_column, award_in_fen, cap_in_fen
from rules.outcomes import decide_applications, reasons_of
from rules.params import PARAMETER_DIR, PolicyParameters, load_parameters

USCC = "91310112MA1GB00005"
DAY = date(2024, 6, 28)


def amended(tmp_path: Path, clause_file: str, name: str, values: dict[str, str]) -> PolicyParameters:
    """The shipped parameters with ``name`` of ``clause_file`` given other dated values."""
    folder = tmp_path / "parameters"
    shutil.copytree(PARAMETER_DIR, folder)
    path = folder / clause_file
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["parameters"][name]["values"] = values
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return load_parameters(folder)


def application(app_id: str, clause: str, submitted: date = date(2024, 3, 1), **inputs: object) -> Application:
    """An application of its own project (``project_id`` = its id), so X-HIGHEST leaves it alone."""
    return Application(
        app_id,
        clause,
        USCC,
        "x",
        submitted,
        True,
        True,
        "ai",
        project_id=app_id,
        certified=True,
        **inputs,  # type: ignore[arg-type]
    )


def decided(apps: list[Application], params: PolicyParameters) -> list[tuple[str, list[str], int]]:
    d = decide_applications(apps, ReferenceData(), History(), params, DAY)
    return [(d.status[i], reasons_of(d, i), int(d.award[i])) for i in range(len(apps))]


def test_an_amended_rate_on_a_sixty_billion_investment_is_exact_and_capped(tmp_path: Path) -> None:
    params = amended(tmp_path, "a3.yaml", "investment_rate", {"2021-08-18": "0.0833333"})
    [outcome] = decided([application("H-1", "A3-INV", investment=Decimal("60000000000"))], params)
    assert outcome == ("approved", ["CAPPED"], 2_000_000_000)  # 4,999,998,000.00 → the 20,000,000.00 cap


def test_the_largest_valid_amount_times_a_long_rate_is_exact(tmp_path: Path) -> None:
    params = amended(tmp_path, "a3.yaml", "investment_cap", {"2021-08-18": "1000000000000"})
    [outcome] = decided([application("H-2", "A3-INV", investment=Decimal("999999999999.999"))], params)
    assert outcome == ("approved", [], 10_000_000_000_000)  # 99,999,999,999.9999 → 100,000,000,000.00


def test_sub_fen_parameters_are_exact_awards_half_up_caps_as_inclusive_whole_fen(tmp_path: Path) -> None:
    award = amended(tmp_path / "a", "a4.yaml", "pilot_award", {"2021-08-18": "500000.005"})
    assert decided([application("H-3", "A4-PILOT")], award) == [("approved", [], 50_000_001)]
    cap = amended(tmp_path / "b", "a7.yaml", "site_yearly_cap", {"2021-08-18": "500000.005"})
    [site] = decided([application("H-4", "A7-SITE", annual_rent=Decimal("600000"), lease_start=date(2024, 1, 1))], cap)
    assert site == ("approved", ["CAPPED"], 3 * 50_000_000)  # each year at most 500,000.00, the whole fen under the cap
    threshold = amended(tmp_path / "c", "a1.yaml", "min_fixed_asset_investment", {"2021-08-18": "50000000.005"})
    [below] = decided([application("H-5", "A1", fixed_asset_investment=Decimal("50000000.00"))], threshold)
    [meets] = decided(
        [application("H-6", "A1", fixed_asset_investment=Decimal("50000000.01"), rd_expense=Decimal("1"))], threshold
    )
    assert (below[1], meets) == (["BELOW_THRESHOLD"], ("approved", [], 10))


def test_rows_of_one_batch_are_decided_under_the_parameters_of_their_own_submission_day(tmp_path: Path) -> None:
    params = amended(tmp_path, "a4.yaml", "pilot_award", {"2021-08-18": "500000", "2024-06-01": "600000"})
    outcomes = decided(
        [application("E-1", "A4-PILOT", date(2024, 5, 31)), application("E-2", "A4-PILOT", date(2024, 6, 1))], params
    )
    assert [o[2] for o in outcomes] == [50_000_000, 60_000_000]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.decimals(min_value=0, max_value=Decimal(10**12), allow_nan=False, allow_infinity=False), min_size=1),
    st.decimals(min_value=0, max_value=Decimal(1000), allow_nan=False, allow_infinity=False),
)
def test_a_share_of_any_column_of_amounts_is_the_decimal_result_rounded_half_up(values, rate) -> None:  # type: ignore[no-untyped-def]
    expected = [int((v * rate * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for v in values]
    assert amount_column(values).share_in_fen(rate, "half_up_to_fen_per_installment").tolist() == expected


def test_awards_and_caps_in_fen() -> None:
    assert award_in_fen(Decimal("0.005"), "half_up_to_fen_per_installment") == 1
    assert cap_in_fen(Decimal("0.019")) == 1
    assert amount_column([Decimal("1.5"), None]).at_least(Decimal("1.5")).tolist() == [True, False]
    assert np.array_equal(amount_column([Decimal("10") ** 12]).units, np.array([10**14]))
