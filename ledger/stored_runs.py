"""The decided history as stored, for a what-if to replay (``rules.what_if``): each intake run's applications with
the facts their decisions kept, and what the decisions and the ledger hold. Reads only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Text, cast, exists, select
from sqlalchemy.orm import Session

from ledger.applications import read_values
from ledger.bulk import bulk_read_parts
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
    query = (
        select(*(table.c[n] for n in FIELDS), cast(DecisionRecord.trace, Text))
        .join(DecisionRecord, DecisionRecord.application_id == table.c.application_id)
        .where(DecisionRecord.intake_run_id == run_id)
    )
    parts: list[list[Any]] = []
    records: list[dict[str, Any]] = []
    parsed: dict[str, dict[str, Any]] = {}
    kinds = [APPLICATION_FIELDS[n] for n in FIELDS]
    for columns in bulk_read_parts(session, query, READ_PART):
        parts.append([kept_column(read_values(columns[k], kind), kind) for k, kind in enumerate(kinds)])
        records += _kept_facts(columns[-1], parsed)
        del columns
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
    d, entry = DecisionRecord, LedgerTransaction.__table__
    decided = select(d.application_id, d.clause, d.uscc, d.status, d.reasons, d.award_total_fen)
    decisions = _frame(session, decided.where(d.intake_run_id.in_([r for r, _ in runs])), OUTCOME)
    decisions["reasons"] = decisions["reasons"].fillna("")
    committed = select(
        entry.c.seq,
        entry.c.application_id,
        entry.c.installment,
        entry.c.fiscal_year,
        entry.c.amount_fen,
        entry.c.clause,
    ).where(entry.c.kind == TransactionKind.COMMITMENT.value)
    commitments = _frame(session, committed, ["seq", *INSTALLMENT])
    reversed_ = session.scalars(select(entry.c.reverses_seq).where(entry.c.reverses_seq.is_not(None))).all()
    kept = _among(commitments["application_id"], decisions["application_id"]) & ~commitments["seq"].isin(reversed_)
    return Outcomes(decisions, commitments.loc[kept, INSTALLMENT].reset_index(drop=True))


def _frame(session: Session, query: Any, names: list[str]) -> pd.DataFrame:
    """A query's rows (texts and integers) as a table, read a part at a time."""
    parts = list(bulk_read_parts(session, query, READ_PART))
    return pd.DataFrame(
        {n: np.concatenate([_objects(p[k]) for p in parts]) if parts else _objects(()) for k, n in enumerate(names)}
    ).infer_objects()


def _among(values: pd.Series, wanted: pd.Series) -> np.ndarray:
    """Which ``values`` are among ``wanted`` (texts), hashed by Arrow."""
    found = pc.is_in(
        pa.array(values.to_numpy(dtype=object), pa.large_string()),
        pa.array(wanted.to_numpy(dtype=object), pa.large_string()),
    )
    return found.to_numpy(zero_copy_only=False)
