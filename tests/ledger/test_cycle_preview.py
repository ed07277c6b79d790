"""Safe cycles (issue 17, finding 1 and 4): a cycle may not screen before 1 January of its year; a preview shows
per clause and recipient what the cycle then settles, writing nothing; a cycle that already ran says when and
what it settled."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import SubsidyError
from ledger.models import Cycle, LedgerTransaction
from rules.disbursement import early_cycle
from rules.params import default_parameters
from tasks.cycle import preview_cycle, run_cycle
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file

PAY_DAY = date(2024, 12, 1)


def _written(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        entries = s.execute(select(func.count()).select_from(LedgerTransaction)).scalar_one()
        return entries, s.execute(select(func.count()).select_from(Cycle)).scalar_one()


def test_a_cycle_before_its_year_is_refused_and_writes_nothing(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 6))
    before = _written(engine)
    assert early_cycle(2026, date(2025, 12, 31)) is not None
    assert early_cycle(2026, date(2026, 1, 1)) is None
    with pytest.raises(SubsidyError, match="cannot run as of 2024-12-05"):
        run_cycle(engine, 2026, date(2024, 12, 5), default_parameters())
    with pytest.raises(SubsidyError, match="installments of 2026 fall due on 1 January 2026"):
        preview_cycle(engine, 2026, date(2024, 12, 5), default_parameters())
    assert _written(engine) == before


def test_a_preview_shows_per_recipient_what_the_cycle_then_settles(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 6))
    before = _written(engine)
    preview = preview_cycle(engine, 2024, PAY_DAY, default_parameters())
    assert _written(engine) == before  # nothing written, no cycle recorded
    assert preview.dry_run and preview.cycle_id == 0
    # A4-PILOT: 500,000 once (three pilots); A2: the first year's rent as given, R-00000's 709,067.
    assert preview.by_clause["A4-PILOT"] == {"paid_fen": 3 * 50_000_000, "forfeited_fen": 0}
    assert preview.by_recipient[("A2", "913101127JH4BXKFLM")] == {"paid": 1, "forfeited": 0, "paid_fen": 70_906_700}
    assert len(preview.by_recipient) == 6
    assert preview.paid_fen == sum(r["paid_fen"] for r in preview.by_recipient.values())

    cycle = run_cycle(engine, 2024, PAY_DAY, default_parameters())
    assert (cycle.paid, cycle.paid_fen, cycle.forfeited, cycle.by_clause) == (
        preview.paid,
        preview.paid_fen,
        preview.forfeited,
        preview.by_clause,
    )
    again = preview_cycle(engine, 2024, PAY_DAY, default_parameters())
    assert (again.paid, again.by_recipient) == (0, {})


def test_a_cycle_that_already_ran_says_when_and_what_it_settled(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 6))
    first = run_cycle(engine, 2024, PAY_DAY, default_parameters())
    assert first.earlier == [] and first.paid == 6
    second = run_cycle(engine, 2024, date(2024, 12, 5), default_parameters())
    assert (second.due, second.paid) == (0, 0)
    [earlier] = second.earlier
    assert (earlier.cycle_id, earlier.as_of, earlier.paid, earlier.paid_fen) == (
        first.cycle_id,
        PAY_DAY,
        6,
        first.paid_fen,
    )
    assert first.paid_fen == 3 * 50_000_000 + 109_951_700
