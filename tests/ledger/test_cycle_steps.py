"""The cycle's three steps (find the due installments, screen their recipients, post the settlements): what
the post step posts is always what is open and screened on the reference data in force when it posts, even when
another run posted, or a blacklist was loaded, after the first two steps. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import LedgerTransaction
from ledger.runs import refresh_reference_data
from ledger.verify import verify_ledger
from rules.params import default_parameters
from tasks.cycle import find_due, post_settlements, run_cycle, screen
from tasks.intake import read_reference_table
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file

PAY_DAY = date(2024, 12, 1)
R0 = "913101127JH4BXKFLM"  # the recipient of R-00000 (seed 3): a first-year rent of 709,067.00


def _settlements(engine) -> list[tuple[str, str, int, str | None]]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        rows = s.execute(
            select(
                LedgerTransaction.application_id,
                LedgerTransaction.kind,
                LedgerTransaction.amount_fen,
                LedgerTransaction.reasons,
            ).where(LedgerTransaction.kind.in_(["payment", "forfeit"]))
        )
        return sorted(tuple(r) for r in rows)  # type: ignore[misc]


def test_screened_before_another_cycle_posted_it_posts_nothing_again(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 6))
    params = default_parameters()
    stale = screen(find_due(engine, 2024, PAY_DAY), params)
    assert sum(stale.paid) == 6
    first = run_cycle(engine, 2024, PAY_DAY, params)
    assert (first.paid, first.paid_fen) == (6, 3 * 50_000_000 + 109_951_700)
    late = post_settlements(engine, stale)  # found and screened again under the run lock: nothing is due
    assert (late.due, late.paid, late.forfeited, late.paid_fen) == (0, 0, 0, 0)
    assert [c.cycle_id for c in late.earlier] == [first.cycle_id]
    assert len(_settlements(engine)) == 6
    with Session(engine) as s:
        verify_ledger(s)


def test_a_blacklist_loaded_after_the_screening_is_the_one_the_settlements_follow(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 6))
    params = default_parameters()
    screened = screen(find_due(engine, 2024, PAY_DAY), params)
    assert all(screened.paid)
    blacklist = tmp_path / "blacklist.csv"
    blacklist.write_text(f"uscc,listed_on,removed_on,source\n{R0},2024-11-01,,audit\n", encoding="utf-8")
    refresh_reference_data(engine, {"blacklist": (read_reference_table(str(blacklist), "blacklist"), "b" * 64)})
    summary = post_settlements(engine, screened)
    assert (summary.paid, summary.forfeited, summary.forfeited_fen) == (5, 1, 70_906_700)
    assert ("R-00000", "forfeit", 70_906_700, "BLACKLISTED") in _settlements(engine)
    assert len(_settlements(engine)) == 6


def test_screened_again_it_is_under_the_parameters_it_was_screened_with(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A blacklist loaded after the screening, the screening read I-6 as suspend: the post step screens again under
    that reading (the blacklisted recipient's installment stays due), not under the default forfeit."""
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 6))
    screened = screen(find_due(engine, 2024, PAY_DAY), default_parameters().with_reading("I-6", "suspend"))
    blacklist = tmp_path / "blacklist.csv"
    blacklist.write_text(f"uscc,listed_on,removed_on,source\n{R0},2024-11-01,,audit\n", encoding="utf-8")
    refresh_reference_data(engine, {"blacklist": (read_reference_table(str(blacklist), "blacklist"), "b" * 64)})
    summary = post_settlements(engine, screened)
    assert (summary.paid, summary.forfeited) == (5, 0)
    assert "R-00000" not in {app for app, *_ in _settlements(engine)}  # still due, suspended
