"""A large run is decided a part at a time (``rules.outcomes.independent_parts``): an enterprise's rows share a
part, and so do the A8 rows of one diagnosis report. Deciding in parts must decide exactly what deciding at once
decides: the demo's files (every rule across applications: X-ONEINV, X-HIGHEST, A2's cap per enterprise, A5's
yearly cap, case decisions, the blacklist) through the intake on SQLite and PostgreSQL, and a synthetic batch of
3,000 rows through the rules alone."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import rules.outcomes
from bench.synthetic import make_inputs
from ledger.db import get_engine
from ledger.models import DecisionRecord, LedgerTransaction
from ledger.verify import verify_ledger
from rules.model import Application, History, ReferenceData
from rules.outcomes import decide_run, independent_parts
from rules.params import default_parameters
from rules.table import Applications
from subsidy.sample import make_sample
from tasks.intake_run import record_intake
from tests.conftest import make_database
from validations.batch import validate_table
from validations.readers import read_table

AS_OF = date(2024, 6, 28)


@pytest.fixture
def second_engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    """Another fresh, migrated database on the same backend as ``engine``."""
    folder = tmp_path / "second"
    folder.mkdir()
    url, drop = make_database("sqlite" if db_url.startswith("sqlite") else "postgresql", folder)
    try:
        yield get_engine(url)
    finally:
        drop()


def _intake_demo(engine: Engine, folder: Path) -> tuple[Any, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    sample = make_sample(folder)
    references = {
        kind: (validate_table(read_table(path, kind)), hashlib.sha256(path.read_bytes()).hexdigest())
        for kind, path in (
            ("blacklist", sample.blacklist),
            ("registry", sample.registry),
            ("external_awards", sample.external_awards),
            ("case_decisions", sample.case_decisions),
        )
    }
    tables = [validate_table(read_table(p, "applications")) for p in sample.applications]
    summary = record_intake(engine, tables, references, AS_OF, default_parameters(), [], {})
    with Session(engine) as s:
        decisions = s.execute(
            select(
                DecisionRecord.application_id,
                DecisionRecord.status,
                DecisionRecord.reasons,
                DecisionRecord.award_total_fen,
                DecisionRecord.recipient_uscc,
                DecisionRecord.kind,
                DecisionRecord.project_key,
                DecisionRecord.trace,
            ).order_by(DecisionRecord.application_id)
        ).all()
        commitments = s.execute(
            select(
                LedgerTransaction.application_id,
                LedgerTransaction.installment,
                LedgerTransaction.amount_fen,
                LedgerTransaction.fiscal_year,
                LedgerTransaction.recipient_uscc,
            ).order_by(LedgerTransaction.application_id, LedgerTransaction.installment)
        ).all()
        verify_ledger(s)
    return summary, [tuple(d) for d in decisions], [tuple(c) for c in commitments]


def test_the_demo_decided_in_parts_is_decided_as_at_once(
    engine: Engine, second_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_once, decisions, commitments = _intake_demo(engine, tmp_path / "once")
    monkeypatch.setattr(rules.outcomes, "ROWS_PER_PART", 7)
    in_parts, part_decisions, part_commitments = _intake_demo(second_engine, tmp_path / "parts")

    assert len(decisions) == 53 and len(commitments) > 40
    assert {r for _, _, r, *_ in decisions} >= {"", "BLACKLISTED", "ALREADY_SUPPORTED", "INVESTMENT_LIMIT"}
    assert part_decisions == decisions
    assert part_commitments == commitments
    for name in ("decided", "by_status", "awards_by_clause", "blacklist_hits", "quarantined"):
        assert getattr(in_parts, name) == getattr(at_once, name), name


def test_parts_keep_an_enterprise_and_a_diagnosis_report_together() -> None:
    rows = [
        ("E1", "A1", None, "2024-03-05"),
        ("E2", "A8", "R1", "2024-03-01"),
        ("E1", "A2", None, "2024-03-02"),
        ("E3", "A8", "R1", "2024-03-04"),
        ("E4", "A4-PILOT", None, "2024-03-03"),
        ("E2", "A3-INV", None, "2024-03-06"),
        ("E5", "A8", None, "2024-03-07"),
    ]
    frame = pd.DataFrame(
        {
            "application_id": [f"X{i}" for i in range(len(rows))],
            "uscc": [u for u, *_ in rows],
            "clause": [c for _, c, *_ in rows],
            "report_id": [r for _, _, r, _ in rows],
            "submitted_on": [date.fromisoformat(d) for *_, d in rows],
        },
        dtype=object,
    )
    table = Applications.from_frame(frame)
    parts = independent_parts(table, 2)
    ids = table.values("application_id")
    named = [[ids[i] for i in p] for p in parts]

    assert len(parts) == 4
    assert sorted(i for p in named for i in p) == sorted(frame["application_id"])
    assert all(list(p) == sorted(p) for p in parts)  # each in decision order
    part_of = {a: k for k, p in enumerate(named) for a in p}
    assert part_of["X0"] == part_of["X2"]  # E1's rows
    assert part_of["X1"] == part_of["X3"]  # report R1, from E2 and from E3
    assert independent_parts(table, 7)[0].tolist() == list(range(7))


def _decided(frame: pd.DataFrame) -> pd.DataFrame:
    tables = list(decide_run(frame, [], ReferenceData(), History(), default_parameters(), AS_OF))
    out = pd.concat([t.decisions.drop(columns=["parameter_set"]) for t in tables], ignore_index=True)
    return out.sort_values("application_id", ignore_index=True)


def test_a_synthetic_batch_decided_in_parts_is_decided_as_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    applications, _ = make_inputs(tmp_path, 3000)
    frame = validate_table(read_table(applications, "applications")).frame
    at_once = _decided(frame)
    monkeypatch.setattr(rules.outcomes, "ROWS_PER_PART", 400)
    in_parts = _decided(frame)

    assert len(at_once) == len(frame) > 2900
    assert (at_once["status"] == "approved").sum() > 1000
    assert at_once["reasons"].str.contains("ALREADY_SUPPORTED|CAPPED|INVESTMENT_LIMIT").sum() > 50
    pd.testing.assert_frame_equal(in_parts, at_once)


def test_a_part_is_decided_only_when_asked_for() -> None:
    frame = Applications.frame_of(
        [Application(f"Y{i}", "A4-PILOT", f"E{i}", "x", AS_OF, True, True, "other") for i in range(3)]
    )
    parts = decide_run(frame, [], ReferenceData(), History(), default_parameters(), AS_OF, rows_per_part=1)
    first = next(parts)
    assert first.decisions["application_id"].tolist() == ["Y0"]
    assert [t.decisions["application_id"].tolist() for t in parts] == [["Y1"], ["Y2"]]
    assert np.array_equal(first.decisions["award_fen"].to_numpy(), [0])  # a field outside the plan: rejected
