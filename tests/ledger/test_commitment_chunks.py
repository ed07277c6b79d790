"""An intake posts its commitments a chunk of installments at a time; the chain goes on across the chunks as
if they were posted at once: consecutive sequence numbers, each entry linked to the one before, every approved
decision's commitments summing to its award (``ledger verify``). On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import tasks.intake_run
from ledger.models import DecisionRecord, LedgerTransaction
from ledger.verify import verify_ledger
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file


def test_commitments_posted_in_chunks_chain_on(engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(tasks.intake_run, "INSERT_CHUNK", 4)
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 10))
    with Session(engine) as s:
        entries = s.execute(
            select(LedgerTransaction.seq, LedgerTransaction.application_id, LedgerTransaction.installment)
            .where(LedgerTransaction.kind == "commitment")
            .order_by(LedgerTransaction.seq)
        ).all()
        approved = (
            s.execute(select(DecisionRecord.application_id).where(DecisionRecord.status == "approved")).scalars().all()
        )
        verify_ledger(s)
    assert len(entries) > 8  # three chunks at least
    assert [seq for seq, _, _ in entries] == list(range(1, len(entries) + 1))
    assert [(a, k) for _, a, k in entries] == sorted((a, k) for _, a, k in entries)  # application order
    assert {a for _, a, _ in entries} == set(approved)
