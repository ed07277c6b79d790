"""A decision refers to the parameter set it read by a small number: each distinct set is stored once, numbered in
the order first stored; the migration that numbered them keeps every decision's set and gives the hashes back on
downgrade; on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ledger.db import run_transaction
from ledger.decisions import parameter_set_ids
from ledger.models import DecisionRecord, ParameterSet
from tests.ledger.helpers import intake_file, migrated_down, write_pilot_and_rent_file

HASHES = "f6b1d3a5c7e9"
"""The revision at which decisions referred to their parameter sets by hash."""


def test_each_set_is_stored_once_and_numbered_in_the_order_first_stored(engine) -> None:  # type: ignore[no-untyped-def]
    a, b, c = {"A2.rate": "0.5"}, {"A2.rate": "0.3"}, {"A8.cap": "100000"}
    with run_transaction(engine) as s:
        assert parameter_set_ids(s, [a, b, a, None, dict(a)]) == [1, 2, 1, None, 1]
    with run_transaction(engine) as s:
        assert parameter_set_ids(s, [b, c]) == [2, 3]
    with Session(engine) as s:
        stored = s.execute(select(ParameterSet.id, ParameterSet.values).order_by(ParameterSet.id)).all()
    assert [tuple(r) for r in stored] == [(1, a), (2, b), (3, c)]


def _sets_of_decisions(engine) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    with Session(engine) as s:
        rows = s.execute(
            select(DecisionRecord.application_id, ParameterSet.values).join(
                ParameterSet, ParameterSet.id == DecisionRecord.parameter_set
            )
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def test_the_migration_keeps_every_decisions_set(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 6))
    before = _sets_of_decisions(engine)
    assert len(before) == 6 and all(before.values())
    with migrated_down(engine, HASHES) as conn:
        by_hash = conn.execute(
            text(
                "SELECT d.application_id, d.parameter_set, p.hash FROM decisions d "
                "JOIN parameter_sets p ON p.hash = d.parameter_set"
            )
        ).all()
    assert len(by_hash) == 6 and all(len(h) == 64 for _, h, _ in by_hash)
    assert _sets_of_decisions(engine) == before
    with Session(engine) as s:
        assert set(s.execute(select(DecisionRecord.parameter_set)).scalars()) <= {1, 2, 3}
