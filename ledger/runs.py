"""The database units of work of the two runs: recording an intake (decide and commit) and a disbursement
cycle (pay or forfeit). Each is one transaction under the run lock: all of it is stored or nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.errors import SubsidyError
from ledger import posting
from ledger.anchors import append_anchor
from ledger.applications import (
    batch_frame,
    inputs_and_hashes,
    known_applications,
    manual_waiting_for,
    store_applications,
)
from ledger.bulk import copies_in_background
from ledger.db import refresh_statistics, run_transaction
from ledger.decisions import store_decisions
from ledger.history import grant_history
from ledger.inbox_files import store_inbox_files
from ledger.models import IntakeRun, now_utc
from ledger.quarantine import new_quarantine_rows, raw_row_hash, store_quarantine
from ledger.references import latest_reference_checksum, reference_in_force, store_reference
from rules.model import Reason, Status
from rules.money import from_fen
from rules.outcomes import DecisionTables, decide_run
from rules.params import PolicyParameters
from validations.batch import QuarantinedRow, ValidatedTable

SHOWN_QUARANTINE = 200
"""Quarantined rows an intake's summary lists one by one (the export lists them all)."""


@dataclass
class IntakeSummary:
    run_id: int
    as_of: date
    files: list[dict[str, Any]]
    rows_read: int = 0
    decided: int = 0
    unchanged: int = 0
    quarantined: int = 0
    redecided: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    awards_by_clause: dict[str, Decimal] = field(default_factory=dict)
    blacklist_hits: int = 0
    reference_loads: dict[str, int] = field(default_factory=dict)
    """kind → the load id of each reference file read."""
    reference_rows: dict[str, int] = field(default_factory=dict)
    """kind → the rows read of each reference file (every one stored: a bad row refuses the whole file)."""
    chain_head: str = posting.GENESIS_HASH
    quarantine_messages: list[str] = field(default_factory=list)
    quarantine_rows: list[dict[str, Any]] = field(default_factory=list)
    """The first ``SHOWN_QUARANTINE`` quarantined rows: file, row, columns, reason and message."""
    data_docs: str | None = None


def start_intake_run(session: Session, as_of: date, files: list[dict[str, Any]]) -> IntakeRun:
    run = IntakeRun(started_at=now_utc(), as_of=as_of, files=files, validation={})
    session.add(run)
    session.flush()
    return run


def _new_applications(
    session: Session, applications: list[ValidatedTable], summary: IntakeSummary, quarantine: list[dict[str, Any]]
) -> pd.DataFrame:
    """The valid rows of the run not seen before (``batch_frame`` rows). A row seen before is counted unchanged
    when identical, else quarantined as a duplicate; nothing else of the batch outlives this call."""
    batch = batch_frame(applications)  # labelled by position
    ids = batch["application_id"]
    id_of, file_of, row_of = (batch[name].to_numpy() for name in ("application_id", "_file", "_row"))
    repeated = ids.duplicated(keep="first").to_numpy()  # the same application_id earlier in this run
    first = np.flatnonzero(~repeated)
    known = known_applications(session, ids.iloc[first].tolist())
    is_known = ids.iloc[first].isin(known.keys()).to_numpy() if known else np.zeros(len(first), dtype=bool)
    # Inputs texts and hashes only for the rows compared with another: an id given twice, or ingested before.
    compared = ids.duplicated(keep=False).to_numpy(copy=True)
    compared[first[is_known]] = True
    rows = np.flatnonzero(compared)
    texts, hashes = inputs_and_hashes(batch.iloc[rows]) if len(rows) else ([], [])
    text = dict(zip(rows.tolist(), texts, strict=True))
    digest = dict(zip(rows.tolist(), hashes, strict=True))

    # The same application_id twice in this run: identical → unchanged; different → the later is quarantined.
    origin_of: dict[str, int] = {}  # id → its first row (every row of an id given twice is among ``rows``)
    for app_id, pos in zip(ids.iloc[rows].tolist(), rows.tolist(), strict=True):
        origin_of.setdefault(app_id, pos)
    for pos in np.flatnonzero(repeated).tolist():
        origin = origin_of[id_of[pos]]
        if digest[pos] == digest[origin]:
            summary.unchanged += 1
            continue
        number, given = int(batch["_table"].iat[pos]), int(batch["_pos"].iat[pos])
        raw = applications[number].repeated_raw.get(given) or _given_values(text[pos])
        quarantine.append(_duplicate(file_of[pos], int(row_of[pos]), raw, f"{file_of[origin]} row {row_of[origin]}"))
    # Already ingested in an earlier run: identical → unchanged; different → quarantined.
    for pos in first[is_known].tolist():
        if digest[pos] == known[id_of[pos]]:
            summary.unchanged += 1
            continue
        raw = _given_values(text[pos])
        quarantine.append(_duplicate(file_of[pos], int(row_of[pos]), raw, "an application ingested in an earlier run"))
    keep = first[~is_known]
    return batch if len(keep) == len(batch) else batch.iloc[keep]


def _quarantine_row(q: QuarantinedRow) -> dict[str, Any]:
    return {
        "raw_hash": raw_row_hash(q.raw, q.reason),
        "file": q.file,
        "row": q.row,
        "application_id": q.raw.get("application_id"),
        "clause": q.raw.get("clause"),
        "uscc": q.raw.get("uscc"),
        "columns": q.columns,
        "reason": q.reason,
        "message": q.message,
        "raw": q.raw,
    }


def record_intake(
    engine: Engine,
    applications: list[ValidatedTable],
    references: dict[str, tuple[ValidatedTable, str]],
    as_of: date,
    params: PolicyParameters,
    file_info: list[dict[str, Any]],
    validation: dict[str, Any],
    inbox_files: list[dict[str, Any]] | None = None,
) -> IntakeSummary:
    """Store the reference loads, sort out re-sent and duplicate applications, decide the new ones (and the
    manual ones whose case decision has come), and commit every approved installment to the ledger."""
    with run_transaction(engine) as session:
        run = start_intake_run(session, as_of, file_info)
        run.validation = validation
        summary = IntakeSummary(run_id=run.id, as_of=as_of, files=file_info, data_docs=validation.get("data_docs"))
        for kind, (table, checksum) in references.items():
            summary.reference_loads[kind] = store_reference(session, kind, table.file, checksum, table.frame)
            summary.reference_rows[kind] = len(table.frame)

        quarantine: list[dict[str, Any]] = []
        for table in applications:
            summary.rows_read += len(table.frame) + len(table.quarantined)
            quarantine.extend(_quarantine_row(q) for q in table.quarantined)
        new = _new_applications(session, applications, summary, quarantine)

        reference = reference_in_force(session)
        run.blacklist_load_id = reference.blacklist_load_id
        waiting = manual_waiting_for(session, reference.case_decisions)
        replacing = {a.application_id for a in waiting}
        history = grant_history(session)
        quarantine, resent = new_quarantine_rows(session, quarantine)
        summary.unchanged += resent
        head = posting.chain_head(session)

        # Reads first, then the bulk writes: on PostgreSQL the server checks each COPY while this process goes on
        # deciding and hashing (``copies_in_background``); every later statement waits for the COPYs before it.
        with copies_in_background(session):
            store_applications(session, run.id, new)
            decided = decide_run(new, waiting, reference, history, params, as_of)
            store_quarantine(session, run.id, quarantine)
            store_inbox_files(session, run.id, inbox_files or [])
            store_decisions(session, run.id, decided.decisions, replacing)
            result = posting.post_columns(
                session, _commitments(decided), source=f"intake:{run.id}", known_new=True, head=head
            )

        frame = decided.decisions
        summary.decided = len(frame) - len(replacing)
        summary.redecided = len(replacing)
        summary.quarantined = len(quarantine)
        summary.by_status = {str(k): int(v) for k, v in frame["status"].value_counts(sort=False).items()}
        summary.blacklist_hits = sum(  # over the distinct reason lists: a few dozen, not a million
            int(count)
            for reasons, count in frame["reasons"].value_counts(sort=False).items()
            if Reason.BLACKLISTED.value in str(reasons).split(";")
        )
        approved = frame[frame["status"] == Status.APPROVED.value]
        summary.awards_by_clause = {
            str(clause): from_fen(int(fen)) for clause, fen in approved.groupby("clause")["award_fen"].sum().items()
        }
        summary.awards_by_clause = dict(sorted(summary.awards_by_clause.items()))
        head_seq, summary.chain_head = posting.chain_head(session)
        summary.quarantine_messages = [f"{q['file']}, row {q['row']}: {q['message']}" for q in quarantine]
        summary.quarantine_rows = [
            {k: q[k] for k in ("file", "row", "columns", "reason", "message")} for q in quarantine[:SHOWN_QUARANTINE]
        ]
        run.rows_read, run.decided, run.unchanged, run.quarantined = (
            summary.rows_read,
            summary.decided,
            summary.unchanged,
            summary.quarantined,
        )
        if summary.rows_read != summary.decided + summary.unchanged + summary.quarantined:
            raise SubsidyError(  # a defect: nothing of this run is stored
                f"intake run lost track of rows: rows read {summary.rows_read} ≠ decided {summary.decided} "
                f"+ unchanged {summary.unchanged} + quarantined {summary.quarantined}"
            )
    if result.posted:
        append_anchor(engine, head_seq, summary.chain_head, f"intake:{run.id}")
    refresh_statistics(
        engine, {"applications": len(new), "decisions": len(frame), "ledger_transactions": result.posted}
    )
    return summary


def refresh_reference_data(engine: Engine, references: dict[str, tuple[ValidatedTable, str]]) -> dict[str, str]:
    """Store each reference snapshot unless the latest load of its kind has the same checksum."""
    outcome: dict[str, str] = {}
    with run_transaction(engine) as session:
        for kind, (table, checksum) in references.items():
            if latest_reference_checksum(session, kind) == checksum:
                outcome[kind] = "unchanged"
                continue
            load_id = store_reference(session, kind, table.file, checksum, table.frame)
            outcome[kind] = f"loaded {len(table.frame)} row(s) as load {load_id}"
    return outcome


def attach_validation(engine: Engine, run_id: int, validation: dict[str, Any]) -> None:
    """Keep the dataset checks (which run beside the intake) with the intake run they belong to."""
    with run_transaction(engine) as session:
        run = session.get(IntakeRun, run_id)
        if run is not None:
            run.validation = validation


def record_inbox_rejections(engine: Engine, files: list[dict[str, Any]]) -> None:
    with run_transaction(engine) as session:
        store_inbox_files(session, None, files)


def _given_values(text: str) -> dict[str, str]:
    """The parsed values of a row (its inputs text), as text: what is shown of a duplicate whose cells as given
    are not kept."""
    return {k: str(v) for k, v in json.loads(text).items()}


def _duplicate(file: str, number: int, raw: dict[str, Any], original: str) -> dict[str, Any]:
    return {
        "raw_hash": raw_row_hash(raw, Reason.DUPLICATE_APPLICATION.value),
        "file": file,
        "row": number,
        "application_id": raw.get("application_id"),
        "clause": raw.get("clause"),
        "uscc": raw.get("uscc"),
        "columns": "application_id",
        "reason": Reason.DUPLICATE_APPLICATION.value,
        "message": f"application_id {raw.get('application_id')!r} is already used by {original} with other content; "
        "the original decision stands",
        "raw": raw,
    }


def _commitments(decided: DecisionTables) -> dict[str, list[Any]]:
    """One commitment entry per installment of the approved decisions, in application order (the ledger's
    indexes then grow at their end)."""
    inst = decided.installments.sort_values(["application_id", "number"], kind="stable")
    return posting.commitment_entries(
        inst["application_id"].tolist(),
        [int(k) for k in inst["number"].tolist()],
        inst["clause"].tolist(),
        [int(y) for y in inst["due_year"].tolist()],
        inst["recipient_uscc"].tolist(),
        [int(f) for f in inst["amount_fen"].tolist()],
    )
