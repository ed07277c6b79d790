"""Stored decisions: one row per decided application with its trace, and the parameter sets they read, each
stored once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ledger.bulk import INSERT_CHUNK, bulk_insert, bulk_insert_tuples, lookup
from ledger.models import DecisionRecord, ParameterSet
from rules.model import Status


def parameter_set_ids(session: Session, sets: Sequence[dict[str, Any] | None]) -> list[int | None]:
    """Store each distinct set of parameter values (and readings) once, by the SHA-256 of its canonical JSON; the
    number of each decision's set. Decisions that used the same parameters share the very same dict, so the
    canonical JSON is computed once per distinct set, not once per decision. New sets are numbered after the last
    one stored (callers hold the run lock)."""
    by_identity: dict[int, str] = {}
    values_by_hash: dict[str, dict[str, Any]] = {}
    hashes: list[str | None] = []
    for params in sets:
        if not params:
            hashes.append(None)
            continue
        digest = by_identity.get(id(params))
        if digest is None:
            text = json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            digest = by_identity[id(params)] = hashlib.sha256(text.encode("utf-8")).hexdigest()
            values_by_hash[digest] = params
        hashes.append(digest)
    ids = lookup(session, ParameterSet.hash, ParameterSet.id, list(values_by_hash))
    new = [h for h in values_by_hash if h not in ids]
    if new:
        last = session.execute(select(func.max(ParameterSet.id))).scalar() or 0
        ids.update((h, last + n) for n, h in enumerate(new, start=1))
        bulk_insert(
            session, ParameterSet.__table__, [{"id": ids[h], "hash": h, "values": values_by_hash[h]} for h in new]
        )
    return [None if h is None else ids[h] for h in hashes]


DECISION_INSERT = (
    "application_id",
    "clause",
    "uscc",
    "status",
    "reasons",
    "award_total_fen",
    "recipient_uscc",
    "decided_on",
    "kind",
    "project_key",
    "claim_year",
    "trace",
    "parameter_set",
    "intake_run_id",
    "recipient_entity_type",
    "recipient_business_in_minhang",
    "recipient_tax_in_minhang",
)


def store_decisions(session: Session, run_id: int, decided: pd.DataFrame, replacing: set[str]) -> None:
    """New decisions are inserted; a ``manual`` one whose case decision arrived is replaced (only those).
    ``decided`` is the decisions table of ``rules.outcomes.decide_run`` (traces as JSON text)."""
    order = np.argsort(decided["application_id"].to_numpy(dtype=object), kind="stable")
    decided = decided.iloc[order]  # the primary key's order: inserts append
    set_ids = parameter_set_ids(session, decided["parameter_set"].tolist())
    days: dict[date, str] = {}
    replaced: list[tuple[Any, ...]] = []
    for start in range(0, len(decided), INSERT_CHUNK):
        part = decided.iloc[start : start + INSERT_CHUNK]
        rows = list(
            zip(
                part["application_id"].tolist(),
                part["clause"].tolist(),
                part["uscc"].tolist(),
                part["status"].tolist(),
                part["reasons"].tolist(),
                [int(f) for f in part["award_fen"].tolist()],
                part["recipient_uscc"].tolist(),
                [days.get(d) or days.setdefault(d, d.isoformat()) for d in part["decided_on"].tolist()],
                part["kind"].tolist(),
                part["project_key"].tolist(),
                part["claim_year"].tolist(),
                part["trace"].tolist(),  # JSON text already
                set_ids[start : start + INSERT_CHUNK],
                [run_id] * len(part),
                part["recipient_entity_type"].tolist(),
                [bool(v) for v in part["recipient_business_in_minhang"].tolist()],
                [bool(v) for v in part["recipient_tax_in_minhang"].tolist()],
                strict=True,
            )
        )
        if replacing:
            replaced += [r for r in rows if r[0] in replacing]
            rows = [r for r in rows if r[0] not in replacing]
        bulk_insert_tuples(session, DecisionRecord.__table__, DECISION_INSERT, rows)
    for row in replaced:
        values = dict(zip(DECISION_INSERT, row, strict=True))
        values["trace"] = {**json.loads(values["trace"]), "replaces": "manual decision waiting for a case decision"}
        values["decided_on"] = date.fromisoformat(values["decided_on"])
        session.execute(
            update(DecisionRecord)
            .where(DecisionRecord.application_id == row[0], DecisionRecord.status == Status.MANUAL.value)
            .values(**{k: values[k] for k in DECIDED_COLUMNS})
        )


DECIDED_COLUMNS = ("status", "reasons", "award_total_fen", "decided_on", "trace", "parameter_set", "intake_run_id")
"""What deciding a manual decision changes (the application, its clause, kind, project and recipient stay):
the only columns of ``decisions`` the application role may update (deploy/postgres-roles.sql)."""
