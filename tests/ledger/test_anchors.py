"""M6: every run that posts keeps its chain head outside the database; ``ledger verify`` (and the scheduled
verification, which calls it with no heads given) checks the chain against them, so a rewrite that recomputes
every later hash, or a ledger cut short, is reported with the entry where it differs — on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import LedgerIntegrityError
from ledger.anchors import anchor_file, read_anchors
from ledger.journal import BatchWalk, journal_batches
from ledger.models import LedgerTransaction
from ledger.posting import ENTRY_FIELDS, content_hash, entry_hash
from ledger.verify import verify_ledger
from tests.ledger.helpers import intake_and_cycle, owner_sql


@pytest.fixture
def two_runs(engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    return engine, intake_and_cycle(engine, tmp_path)


def test_each_committing_run_appends_its_head_and_verify_checks_them(two_runs) -> None:  # type: ignore[no-untyped-def]
    engine, cycle = two_runs
    with Session(engine) as s:
        anchors = read_anchors(s)
        assert [(a.seq, a.source) for a in anchors] == [(12, "intake:1"), (18, "cycle:1")]
        assert anchors[-1].head == cycle.chain_head
        assert verify_ledger(s).anchors_checked == 2
        assert anchor_file(s).read_text(encoding="utf-8").count("\n") == 2


def test_a_rewrite_that_recomputes_every_later_hash_is_reported(two_runs) -> None:  # type: ignore[no-untyped-def]
    engine, _ = two_runs
    with Session(engine) as s:
        entries = s.execute(select(LedgerTransaction).order_by(LedgerTransaction.seq)).scalars().all()
        rows = [{name: getattr(e, name) for name in ("seq", *ENTRY_FIELDS)} for e in entries]
        walk = BatchWalk(journal_batches(s))
        for r in rows:
            batch = walk.of(r["seq"])
            assert batch is not None
            r.update(posted_at=batch.posted_at, source=batch.source)
    statements, prev = [], "0" * 64
    for r in rows:  # entry #14 says otherwise; every hash from there on recomputed: the chain itself is sound
        r["reasons"] = "rewritten" if r["seq"] == 14 else r["reasons"]
        content = content_hash(*(r[f] for f in ENTRY_FIELDS))
        head = entry_hash(r["seq"], prev, content, r["posted_at"], r["source"])
        statements.append(
            f"UPDATE ledger_transactions SET reasons = '{r['reasons']}', entry_hash = '{head}' WHERE seq = {r['seq']}"
        )
        prev = head
    owner_sql(engine, "ledger_transactions", statements)
    with Session(engine) as s:
        verify_ledger(s, anchors=[])  # without the heads kept outside, the rewritten chain looks sound
        with pytest.raises(LedgerIntegrityError, match="differs from the head cycle:1 kept outside") as info:
            verify_ledger(s)
    assert info.value.seq == 18


def test_a_ledger_cut_short_is_reported(two_runs) -> None:  # type: ignore[no-untyped-def]
    engine, _ = two_runs
    owner_sql(engine, "ledger_transactions", ["DELETE FROM ledger_transactions WHERE seq > 12"])
    with Session(engine) as s, pytest.raises(LedgerIntegrityError, match="ends at #12 but cycle:1 kept head #18"):
        verify_ledger(s)
