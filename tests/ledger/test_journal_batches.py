"""When and by which run entries were posted is kept once per journal batch, not per entry: each run's entries
are one batch, the batches hold every entry exactly once, each entry's hash still covers its batch's time and run
(a batch changed afterwards is reported at its first entry), and the migration moves per-entry times into batches
and back with every hash unchanged; on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.errors import LedgerIntegrityError
from ledger.exports import ledger_rows
from ledger.journal import journal_batches
from ledger.verify import verify_ledger
from tests.ledger.helpers import intake_and_cycle, migrated_down, owner_sql

BEFORE_BATCHES = "c5a7e1d3f802"
"""The revision that kept ``source`` and ``posted_at`` in every entry."""


@pytest.fixture
def two_runs(engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    intake_and_cycle(engine, tmp_path)
    return engine


def test_each_run_posts_one_batch_and_the_export_gives_each_entry_its_batch(two_runs) -> None:  # type: ignore[no-untyped-def]
    with Session(two_runs) as s:
        batches = [(b.first_seq, b.last_seq, b.source) for b in journal_batches(s)]
        assert batches == [(1, 12, "intake:1"), (13, 18, "cycle:1")]
        report = verify_ledger(s)
        assert report.entries == 18 and "2 journal batch(es) holding each entry exactly once" in report.checked
        rows = list(ledger_rows(s))
    assert {(r["seq"], r["source"]) for r in rows} == {(n, "intake:1" if n <= 12 else "cycle:1") for n in range(1, 19)}
    assert all(r["posted_at"] for r in rows)


def test_the_journal_is_append_only(two_runs) -> None:  # type: ignore[no-untyped-def]
    for statement in ("UPDATE journal_batches SET source = 'x'", "DELETE FROM journal_batches"):
        with pytest.raises(Exception, match="append-only"), two_runs.begin() as conn:
            conn.execute(text(statement))


@pytest.mark.parametrize(
    ("statements", "seq", "message"),
    [
        (["UPDATE journal_batches SET posted_at = '2020-01-01 00:00:00' WHERE first_seq = 13"], 13, "match its hash"),
        (["UPDATE journal_batches SET source = 'cycle:9' WHERE first_seq = 13"], 13, "match its hash"),
        (["DELETE FROM journal_batches WHERE first_seq = 13"], 13, "in no journal batch"),
        (
            ["INSERT INTO journal_batches VALUES (19, 20, 'cycle:2', '2024-12-01 00:00:00')"],
            19,
            "names entries up to #20, the ledger ends at #18",
        ),
        (
            ["UPDATE journal_batches SET last_seq = 11 WHERE first_seq = 1"],
            12,
            "in no journal batch",
        ),
    ],
)
def test_a_batch_changed_afterwards_is_reported_at_the_first_entry_it_touches(  # type: ignore[no-untyped-def]
    two_runs, statements, seq, message
) -> None:
    owner_sql(two_runs, "journal_batches", statements)
    with Session(two_runs) as s, pytest.raises(LedgerIntegrityError, match=message) as info:
        verify_ledger(s, anchors=[])
    assert info.value.seq == seq


def test_the_migration_moves_per_entry_times_into_batches_and_back(two_runs) -> None:  # type: ignore[no-untyped-def]
    with Session(two_runs) as s:
        before = [(b.first_seq, b.last_seq, b.source, b.posted_at) for b in journal_batches(s)]
        head = verify_ledger(s).head
    with migrated_down(two_runs, BEFORE_BATCHES) as conn:
        per_entry = conn.execute(text("SELECT seq, source, posted_at FROM ledger_transactions ORDER BY seq")).all()
    expected = [(seq, source) for first, last, source, _ in before for seq in range(first, last + 1)]
    assert [(seq, source) for seq, source, _ in per_entry] == expected
    with Session(two_runs) as s:
        assert [(b.first_seq, b.last_seq, b.source, b.posted_at) for b in journal_batches(s)] == before
        assert verify_ledger(s).head == head
