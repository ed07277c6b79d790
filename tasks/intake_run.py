"""The intake's unit of work, step by step: one transaction under the run lock, all of it stored or nothing.

1. start the run and store the reference files read (snapshots);
2. sort out the batch: rows quarantined by validation, application ids given twice, applications re-sent
   (identical: unchanged; different: quarantined as duplicates; the original decision stands);
3. store the new applications and decide them, with the manual ones whose case decision has come, on the
   reference data in force and the history of earlier grants (the one rules engine, ``rules.outcomes``);
4. store the quarantined rows, the inbox files, the decisions, and post each approved installment's commitment;
5. count what happened, check that every row read is decided, unchanged or quarantined, and anchor the chain head.

Plain functions, no Prefect: the task ``tasks.intake.decide_and_record`` runs ``record_intake``."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
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
from ledger.bank_accounts import account_name_flags
from ledger.bulk import INSERT_CHUNK, copies_in_background
from ledger.db import refresh_statistics, run_transaction
from ledger.decisions import store_decisions
from ledger.history import grant_history
from ledger.inbox_files import store_inbox_files
from ledger.models import IntakeRun
from ledger.quarantine import new_quarantine_rows, raw_row_hash, store_quarantine
from ledger.references import reference_in_force, store_reference
from ledger.runs import SHOWN_QUARANTINE, IntakeSummary, start_intake_run
from rules.model import Reason, Status
from rules.money import from_fen
from rules.outcomes import DecisionTables, decide_run
from rules.params import PolicyParameters
from validations.batch import QuarantinedRow, ValidatedTable


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
        _store_references(session, references, summary)
        batch = _sort_out_batch(session, applications, summary)
        stored = _decide_and_store(session, run, batch, params, as_of, inbox_files or [])
        if "bank_accounts" in summary.reference_loads:  # against the names of this run's applications too
            summary.bank_account_flags = account_name_flags(session, summary.reference_loads["bank_accounts"])
        head_seq = _count(session, run, summary, stored)
    if stored.result.posted:
        append_anchor(engine, head_seq, summary.chain_head, f"intake:{run.id}")
    refresh_statistics(
        engine,
        {
            "applications": len(batch.new),
            "decisions": stored.decided.decisions,
            "ledger_transactions": stored.result.posted,
        },
    )
    return summary


@dataclass
class _Batch:
    """Step 2's outcome: the applications to store and decide, and the rows quarantined (not yet stored)."""

    new: pd.DataFrame
    quarantine: list[dict[str, Any]]


@dataclass
class _Stored:
    """Step 4's outcome: what was decided (counted part by part: ``_Decided``), the manual applications
    re-decided, the quarantined rows stored (those not already stored by an earlier run: ``resent``), and the
    commitments posted."""

    decided: _Decided
    replacing: set[str]
    quarantine: list[dict[str, Any]]
    resent: int
    result: posting.PostResult


@dataclass
class _Decided:
    """The counts of the decisions stored, added up over the parts of a run (``rules.outcomes.decide_run``)."""

    decisions: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    blacklist_hits: int = 0
    award_fen_by_clause: Counter[str] = field(default_factory=Counter)

    def add(self, frame: pd.DataFrame) -> None:
        self.decisions += len(frame)
        self.by_status.update({str(k): int(v) for k, v in frame["status"].value_counts(sort=False).items()})
        self.blacklist_hits += sum(  # over the distinct reason lists: a few dozen, not a million
            int(count)
            for reasons, count in frame["reasons"].value_counts(sort=False).items()
            if Reason.BLACKLISTED.value in str(reasons).split(";")
        )
        approved = frame[frame["status"] == Status.APPROVED.value]
        self.award_fen_by_clause.update(
            {str(clause): int(fen) for clause, fen in approved.groupby("clause")["award_fen"].sum().items()}
        )


def _store_references(
    session: Session, references: dict[str, tuple[ValidatedTable, str]], summary: IntakeSummary
) -> None:
    for kind, (table, checksum) in references.items():
        summary.reference_loads[kind] = store_reference(session, kind, table.file, checksum, table.frame)
        summary.reference_rows[kind] = len(table.frame)


def _sort_out_batch(session: Session, applications: list[ValidatedTable], summary: IntakeSummary) -> _Batch:
    quarantine: list[dict[str, Any]] = []
    for table in applications:
        summary.rows_read += len(table.frame) + len(table.quarantined)
        quarantine.extend(_quarantine_row(q) for q in table.quarantined)
    new = _new_applications(session, applications, summary, quarantine)
    return _Batch(new, quarantine)


def _decide_and_store(
    session: Session,
    run: IntakeRun,
    batch: _Batch,
    params: PolicyParameters,
    as_of: date,
    inbox_files: list[dict[str, Any]],
) -> _Stored:
    reference = reference_in_force(session)
    run.blacklist_load_id = reference.blacklist_load_id
    waiting = manual_waiting_for(session, reference.case_decisions)
    history = grant_history(session)
    quarantine, resent = new_quarantine_rows(session, batch.quarantine)
    head = posting.chain_head(session)
    # Reads first, then the bulk writes: on PostgreSQL the server checks each COPY while this process goes on
    # deciding and hashing (``copies_in_background``); every later statement waits for the COPYs before it.
    # A large run is decided a part at a time, each part stored and posted before the next is decided.
    replacing = {a.application_id for a in waiting}
    decided, result = _Decided(), posting.PostResult(head=head[1])
    with copies_in_background(session):
        store_applications(session, run.id, batch.new)
        for tables in decide_run(batch.new, waiting, reference, history, params, as_of):
            store_decisions(session, run.id, tables.decisions, replacing)
            part = _post_commitments(session, tables, f"intake:{run.id}", (head[0] + result.posted, result.head))
            result.posted, result.head = result.posted + part.posted, part.head
            decided.add(tables.decisions)
            del tables  # before the next part is decided
        store_quarantine(session, run.id, quarantine)
        store_inbox_files(session, run.id, inbox_files)
    return _Stored(decided, replacing, quarantine, resent, result)


def _count(session: Session, run: IntakeRun, summary: IntakeSummary, stored: _Stored) -> int:
    """The summary's counts, kept with the run; the chain head's sequence number. Every row read must be
    decided, unchanged or quarantined: a run that lost one stores nothing (a defect, never bad input)."""
    decided = stored.decided
    summary.unchanged += stored.resent
    summary.decided = decided.decisions - len(stored.replacing)
    summary.redecided = len(stored.replacing)
    summary.quarantined = len(stored.quarantine)
    summary.by_status = dict(decided.by_status)
    summary.blacklist_hits = decided.blacklist_hits
    summary.awards_by_clause = {clause: from_fen(fen) for clause, fen in sorted(decided.award_fen_by_clause.items())}
    head_seq, summary.chain_head = posting.chain_head(session)
    summary.quarantine_messages = [f"{q['file']}, row {q['row']}: {q['message']}" for q in stored.quarantine]
    summary.quarantine_rows = [
        {k: q[k] for k in ("file", "row", "columns", "reason", "message")} for q in stored.quarantine[:SHOWN_QUARANTINE]
    ]
    run.rows_read, run.decided, run.unchanged, run.quarantined = (
        summary.rows_read,
        summary.decided,
        summary.unchanged,
        summary.quarantined,
    )
    if summary.rows_read != summary.decided + summary.unchanged + summary.quarantined:
        raise SubsidyError(
            f"intake run lost track of rows: rows read {summary.rows_read} ≠ decided {summary.decided} "
            f"+ unchanged {summary.unchanged} + quarantined {summary.quarantined}"
        )
    return head_seq


def _new_applications(
    session: Session, applications: list[ValidatedTable], summary: IntakeSummary, quarantine: list[dict[str, Any]]
) -> pd.DataFrame:
    """The valid rows of the run not seen before (``batch_frame`` rows). A row seen before is counted unchanged
    when identical, else quarantined as a duplicate; nothing else of the batch outlives this call."""
    batch = batch_frame(applications)  # labelled by position
    ids = batch["application_id"]
    # One code per distinct id (Arrow's own hashing): Python texts only for the rows compared below.
    codes = pd.Series(pd.factorize(ids.array)[0], copy=False)
    repeated = codes.duplicated(keep="first").to_numpy()  # the same application_id earlier in this run
    first = np.flatnonzero(~repeated)
    known = known_applications(session, ids.iloc[first])
    is_known = ids.iloc[first].isin(known.keys()).to_numpy() if known else np.zeros(len(first), dtype=bool)
    # Inputs texts and hashes only for the rows compared with another: an id given twice, or ingested before.
    compared = codes.duplicated(keep=False).to_numpy(copy=True)
    compared[first[is_known]] = True
    rows = np.flatnonzero(compared)
    texts, hashes = inputs_and_hashes(batch.iloc[rows]) if len(rows) else ([], [])
    text = dict(zip(rows.tolist(), texts, strict=True))
    digest = dict(zip(rows.tolist(), hashes, strict=True))
    id_of, file_of, row_of = (
        dict(zip(rows.tolist(), batch[name].iloc[rows].tolist(), strict=True))
        for name in ("application_id", "_file", "_row")
    )

    # The same application_id twice in this run: identical → unchanged; different → the later is quarantined.
    origin_of: dict[str, int] = {}  # id → its first row (every row of an id given twice is among ``rows``)
    for pos, app_id in id_of.items():
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


def _post_commitments(
    session: Session, decided: DecisionTables, source: str, head: tuple[int, str]
) -> posting.PostResult:
    """One commitment entry per installment of the approved decisions, in application order (the ledger's
    indexes then grow at their end), posted ``INSERT_CHUNK`` installments at a time: the entries of one chunk
    are built at once, not those of the whole run."""
    installments = decided.installments.sort_values(["application_id", "number"], kind="stable")
    result = posting.PostResult(head=head[1])
    for start in range(0, len(installments), INSERT_CHUNK):
        inst = installments.iloc[start : start + INSERT_CHUNK]
        entries = posting.commitment_entries(
            inst["application_id"].tolist(),
            [int(k) for k in inst["number"].tolist()],
            inst["clause"].tolist(),
            [int(y) for y in inst["due_year"].tolist()],
            inst["recipient_uscc"].tolist(),
            [int(f) for f in inst["amount_fen"].tolist()],
        )
        part = posting.post_columns(session, entries, source=source, known_new=True, head=head)
        head = (head[0] + part.posted, part.head)
        result.posted, result.head = result.posted + part.posted, part.head
    return result
