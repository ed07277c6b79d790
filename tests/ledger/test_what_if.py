"""What-if runs (issue 19) on SQLite and PostgreSQL, without Prefect: the stored history decided again under the
policy's own parameters gives back every decision; doubling A8's awards doubles exactly the approved A8 awards;
A2's third-year rate at 30 % and I-4 first-come give the amounts the policy gives; a later run sees what the
replay granted in an earlier one, not what was stored. Nothing is written."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ledger.models import DecisionRecord, LedgerTransaction
from ledger.stored_runs import decided_runs, stored_outcomes, stored_runs
from rules.amendments import amend
from rules.params import PolicyParameters, default_parameters
from rules.what_if import Comparison, compare, decide_again, outcomes_of
from tests.ledger.helpers import demo_intakes, intake_file


def what_if(engine: Engine, params: PolicyParameters, through: date | None = None) -> Comparison:
    """The what-if flow's steps (``flows.what_if``) as plain calls."""
    with Session(engine) as session:
        runs = decided_runs(session, through)
        after = outcomes_of(decide_again(stored_runs(session, runs), params))
        return compare(stored_outcomes(session, runs), after)


def amendment(tmp_path: Path, text: str, *readings: str) -> PolicyParameters:
    path = tmp_path / "amendment.yaml"
    path.write_text(text, encoding="utf-8")
    return amend(default_parameters(), path, list(readings)).params


def third_year_at_30(day: date) -> str:
    """An amendment of A2's rates from ``day``: the third year at 30 % instead of 50 %."""
    return (
        "clause: A2\nparameters:\n  yearly_rates:\n    unit: ratio per year\n"
        f'    values:\n      "{day.isoformat()}": ["1", "1", "0.3"]\n'
    )


def ledger_rows(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(LedgerTransaction)) or 0)


def test_the_policy_as_it_stands_gives_back_every_stored_decision(engine: Engine, tmp_path: Path) -> None:
    demo_intakes(engine, tmp_path)
    entries = ledger_rows(engine)
    comparison = what_if(engine, default_parameters())
    assert comparison.decided == 53  # the demo's decisions: 58 rows read, 5 quarantined
    assert comparison.changed.empty
    assert comparison.status_moves == {}
    assert (comparison.totals["difference_fen"] == 0).all()
    with Session(engine) as s:  # the totals before are the ledger's commitments, per clause and due year
        committed = dict(
            s.execute(
                select(LedgerTransaction.clause, func.sum(LedgerTransaction.amount_fen))
                .where(LedgerTransaction.kind == "commitment")
                .group_by(LedgerTransaction.clause)
            ).all()
        )
    assert comparison.totals.groupby("clause")["before_fen"].sum().to_dict() == committed
    assert ledger_rows(engine) == entries  # nothing written


def test_doubling_a8_doubles_exactly_the_approved_a8_awards(engine: Engine, tmp_path: Path) -> None:
    demo_intakes(engine, tmp_path)
    with Session(engine) as s:
        approved_a8 = dict(
            s.execute(
                select(DecisionRecord.application_id, DecisionRecord.award_total_fen).where(
                    DecisionRecord.clause == "A8", DecisionRecord.status == "approved"
                )
            ).all()
        )
    assert len(approved_a8) == 2
    doubled = amendment(
        tmp_path,
        "clause: A8\nparameters:\n"
        '  report_award:\n    unit: CNY\n    values:\n      "2021-08-18": "80000"\n'
        '  adopted_report_award:\n    unit: CNY\n    values:\n      "2021-08-18": "160000"\n',
    )
    comparison = what_if(engine, doubled)
    changed = comparison.changed.set_index("application_id")
    assert set(changed.index) == set(approved_a8)
    for app_id, fen in approved_a8.items():
        assert changed.loc[app_id, "award_before_fen"] == fen
        assert changed.loc[app_id, "award_after_fen"] == 2 * fen
        assert changed.loc[app_id, "status_after"] == "approved"
    moved = comparison.totals[comparison.totals["difference_fen"] != 0]
    assert moved[["clause", "fiscal_year"]].values.tolist() == [["A8", 2024]]
    assert int(moved["difference_fen"].iloc[0]) == sum(approved_a8.values())  # 120,000.00 more
    assert comparison.status_moves == {}


def test_a2_third_year_at_30_percent_and_first_come(engine: Engine, tmp_path: Path) -> None:
    demo_intakes(engine, tmp_path)
    amended = amendment(
        tmp_path,
        third_year_at_30(date(2021, 8, 18)),
        "I-4=first_come",
    )
    comparison = what_if(engine, amended)
    changed = comparison.changed.set_index("application_id")
    # MH-2024-0003: annual rent 960,000.00 → 960,000 + 960,000 + 30 % × 960,000 = 2,208,000.00
    row = changed.loc["MH-2024-0003"]
    assert (row["award_before_fen"], row["award_after_fen"]) == (240_000_000, 220_800_000)
    assert row["installments_after"] == "2024:960000.00;2025:960000.00;2026:288000.00"
    # MH-2024-0002 was held to the 3,000,000 cap (CAPPED); at 30 % its third year is 360,000.15 and the cap is not met
    row = changed.loc["MH-2024-0002"]
    assert (row["reasons_before"], row["reasons_after"], row["award_after_fen"]) == ("CAPPED", "", 276_000_115)
    # I-4 first-come: the enterprise's A1 application came first, so it is the one paid, not the higher A3-INV
    assert changed.loc["MH-2024-0040", ["status_before", "status_after"]].tolist() == ["rejected", "approved"]
    assert changed.loc["MH-2024-0041", ["status_after", "reasons_after"]].tolist() == ["rejected", "INVESTMENT_LIMIT"]
    assert comparison.status_moves == {("approved", "rejected"): 1, ("rejected", "approved"): 1}
    assert set(changed["clause"]) == {"A1", "A2", "A3-INV"}
    assert comparison.difference_fen == -552_399_780


RENT = ["application_id", "clause", "uscc", "name", "submitted_on", "business_in_minhang", "tax_in_minhang", "field"]
RENT += ["certified", "paid_in_capital", "headcount", "financing", "annual_rent", "lease_start", "project_id"]


def _rent_file(path: Path, app_id: str, project: str) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(RENT)
        row = [app_id, "A2", "91310112MA1GB00005", "企业", "2024-03-01", "1", "1", "ai", "1", "500万", "30", "2000万"]
        writer.writerow([*row, "1000000", "2024-01-01", project])
    return path


def test_a_later_run_sees_what_the_replay_granted_before_it(engine: Engine, tmp_path: Path) -> None:
    """I-12: the enterprise's A2 cap of 3,000,000 is shared by its projects across runs. Stored: 2,500,000 in the
    first run, so 500,000 (CAPPED) in the second. At a third-year rate of 30 % the first is 2,300,000 and the
    second 700,000: the second run is decided on the replay's own history."""
    intake_file(engine, _rent_file(tmp_path / "one.csv", "R-1", "P1"), date(2024, 6, 28))
    intake_file(engine, _rent_file(tmp_path / "two.csv", "R-2", "P2"), date(2024, 9, 30))
    unchanged = what_if(engine, default_parameters())
    assert unchanged.changed.empty and unchanged.decided == 2
    amended = amendment(
        tmp_path,
        third_year_at_30(date(2021, 8, 18)),
    )
    changed = what_if(engine, amended).changed.set_index("application_id")
    assert changed.loc["R-1", ["award_before_fen", "award_after_fen"]].tolist() == [250_000_000, 230_000_000]
    assert changed.loc["R-2", ["award_before_fen", "award_after_fen"]].tolist() == [50_000_000, 70_000_000]
    assert changed.loc["R-2", ["reasons_before", "reasons_after"]].tolist() == ["CAPPED", "CAPPED"]
    only_first = what_if(engine, amended, through=date(2024, 7, 1))  # --as-of: the runs that decided by then
    assert only_first.decided == 1 and list(only_first.changed["application_id"]) == ["R-1"]


def test_an_amendment_from_a_later_date_changes_only_applications_submitted_from_then(
    engine: Engine, tmp_path: Path
) -> None:
    """An amended value applies from its effective date (parameters are read on the submission day)."""
    intake_file(engine, _rent_file(tmp_path / "one.csv", "R-1", "P1"), date(2024, 6, 28))
    later = amendment(
        tmp_path,
        third_year_at_30(date(2024, 3, 2)),
    )
    assert what_if(engine, later).changed.empty  # R-1 was submitted on 2024-03-01
    from_then = amendment(
        tmp_path,
        third_year_at_30(date(2024, 3, 1)),
    )
    assert list(what_if(engine, from_then).changed["award_after_fen"]) == [230_000_000]
