"""The decided history as stored, for a what-if to replay (``rules.what_if``): each intake run's applications with
the facts their decisions kept, and what the decisions and the ledger hold. Reads only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Text, cast, exists, select
from sqlalchemy.orm import Session

from ledger.models import ApplicationRecord, DecisionRecord, IntakeRun, LedgerTransaction, TransactionKind
from rules.model import APPLICATION_FIELDS
from rules.table import joined_column, kept_column
from rules.what_if import INSTALLMENT, OUTCOME, Outcomes, StoredRun

FIELDS = list(APPLICATION_FIELDS)


def decided_runs(session: Session, through: date | None = None) -> list[tuple[int, date]]:
    """(run, decision date) of the intake runs that made a stored decision, in the order they ran; only those
    that decided on or before ``through`` when given."""
    query = (
        select(IntakeRun.id, IntakeRun.as_of)
        .where(exists().where(DecisionRecord.intake_run_id == IntakeRun.id))
        .order_by(IntakeRun.id)
    )
    if through is not None:
        query = query.where(IntakeRun.as_of <= through)
    return [(int(run), as_of) for run, as_of in session.execute(query)]


READ_PART = 100_000
"""Stored applications read at a time: each part's values are kept compactly (``rules.table.kept_column``) before
the next is read, so a run of a million is never held as a million rows of Python values."""


def stored_runs(session: Session, runs: list[tuple[int, date]]) -> Iterator[StoredRun]:
    """Each run's applications (those whose stored decision it made) and the facts each decision kept, a run at
    a time."""
    for run_id, as_of in runs:
        frame, records = _run_applications(session, run_id)
        yield StoredRun(run_id, as_of, frame, records)


def _run_applications(session: Session, run_id: int) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    table = ApplicationRecord.__table__
    result = session.execute(
        select(*(table.c[n] for n in FIELDS), cast(DecisionRecord.trace, Text))
        .join(DecisionRecord, DecisionRecord.application_id == table.c.application_id)
        .where(DecisionRecord.intake_run_id == run_id)
        .execution_options(yield_per=READ_PART)
    )
    parts: list[list[Any]] = []
    records: list[dict[str, Any]] = []
    parsed: dict[str, dict[str, Any]] = {}
    for rows in result.partitions():
        columns = list(zip(*rows, strict=True))
        parts.append([kept_column(_objects(columns[k]), APPLICATION_FIELDS[n]) for k, n in enumerate(FIELDS)])
        records += _kept_facts(columns[-1], parsed)
        del rows, columns
    if not parts:
        return pd.DataFrame({n: _objects(()) for n in FIELDS}), []
    return pd.DataFrame({n: joined_column([p[k] for p in parts]) for k, n in enumerate(FIELDS)}), records


def _objects(values: tuple[Any, ...]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _kept_facts(traces: tuple[str, ...], parsed: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The facts of each stored trace (decisions sharing a trace text share its facts: parsed once)."""
    out = []
    for text in traces:
        facts = parsed.get(text)
        if facts is None:
            trace = json.loads(text) if text else {}
            facts = parsed[text] = trace.get("facts", trace.get("replay", {})) or {}
        out.append(facts)
    return out


def stored_outcomes(session: Session, runs: list[tuple[int, date]]) -> Outcomes:
    """The decisions the runs made and the installments the ledger holds committed for them (commitments no
    reversal undid, paid, forfeited or still owed)."""
    ids = [run for run, _ in runs]
    d = DecisionRecord
    decisions = pd.DataFrame(
        session.execute(
            select(d.application_id, d.clause, d.uscc, d.status, d.reasons, d.award_total_fen).where(
                d.intake_run_id.in_(ids)
            )
        ).all(),
        columns=OUTCOME,
    )
    entry = LedgerTransaction.__table__
    other = entry.alias("other")
    commitments = pd.DataFrame(
        session.execute(
            select(entry.c.application_id, entry.c.installment, entry.c.fiscal_year, entry.c.amount_fen, entry.c.clause)
            .join(d, d.application_id == entry.c.application_id)
            .where(
                entry.c.kind == TransactionKind.COMMITMENT.value,
                d.intake_run_id.in_(ids),
                ~exists().where(other.c.reverses_seq == entry.c.seq),
            )
        ).all(),
        columns=INSTALLMENT,
    )
    decisions["reasons"] = decisions["reasons"].fillna("")
    return Outcomes(decisions, commitments)
