"""The database units of work of the two runs: recording an intake (decide and commit) and a disbursement
cycle (pay or forfeit). Each is one transaction under the run lock: all of it is stored or nothing."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from ledger import posting, records
from ledger.db import run_transaction
from ledger.models import Cycle
from rules.decide import decide_batch
from rules.disbursement import settle_installments
from rules.model import Decision, Reason, Status
from rules.money import ZERO, to_fen
from rules.params import PolicyParameters
from subsidy.errors import SubsidyError
from validations.batch import QuarantinedRow, ValidatedTable


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
    chain_head: str = posting.GENESIS_HASH
    quarantine_messages: list[str] = field(default_factory=list)
    data_docs: str | None = None


@dataclass
class CycleSummary:
    cycle_id: int
    fiscal_year: int
    as_of: date
    due: int = 0
    paid: int = 0
    forfeited: int = 0
    paid_fen: int = 0
    forfeited_fen: int = 0
    already_settled: int = 0
    by_clause: dict[str, dict[str, int]] = field(default_factory=dict)
    chain_head: str = posting.GENESIS_HASH


def _quarantine_row(q: QuarantinedRow) -> dict[str, Any]:
    return {
        "raw_hash": records.raw_row_hash(q.raw, q.reason),
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
        run = records.start_intake_run(session, as_of, file_info)
        run.validation = validation
        summary = IntakeSummary(run_id=run.id, as_of=as_of, files=file_info, data_docs=validation.get("data_docs"))
        for kind, (table, checksum) in references.items():
            summary.reference_loads[kind] = records.store_reference(session, kind, table.file, checksum, table.frame)

        quarantine: list[dict[str, Any]] = []
        candidates: dict[str, records.Ingested] = {}
        for table in applications:
            summary.rows_read += len(table.frame) + len(table.quarantined)
            quarantine.extend(_quarantine_row(q) for q in table.quarantined)
            for position, (app, number) in enumerate(
                zip(records.applications_from_frame(table.frame), table.row_numbers, strict=True)
            ):
                inputs = app.as_inputs()
                item = records.Ingested(app, table.file, number, records.inputs_hash(inputs), inputs)
                earlier = candidates.get(app.application_id)
                if earlier is None:
                    candidates[app.application_id] = item
                elif earlier.digest == item.digest:
                    summary.unchanged += 1
                else:
                    raw = {k: v for k, v in table.raw.iloc[position].to_dict().items() if v is not None}
                    quarantine.append(_duplicate(table.file, number, raw, f"{earlier.file} row {earlier.row}"))
        known = records.known_applications(session, list(candidates))
        new: list[records.Ingested] = []
        for app_id, item in candidates.items():
            if app_id not in known:
                new.append(item)
            elif known[app_id] == item.digest:
                summary.unchanged += 1
            else:
                raw = {k: str(v) for k, v in item.inputs.items()}
                quarantine.append(_duplicate(item.file, item.row, raw, "an application ingested in an earlier run"))

        reference = records.reference_in_force(session)
        run.blacklist_load_id = reference.blacklist_load_id
        waiting = records.manual_waiting_for(session, reference.case_decisions)
        replacing = {a.application_id for a in waiting}
        history = records.grant_history(session)
        decisions = decide_batch([i.app for i in new] + waiting, reference, history, params, as_of)

        records.store_applications(session, run.id, new)
        claim_years = {i.app.application_id: i.app.claim_year for i in new} | {
            a.application_id: a.claim_year for a in waiting
        }
        records.store_decisions(session, run.id, decisions, claim_years, replacing)
        quarantine, resent = records.new_quarantine_rows(session, quarantine)
        summary.unchanged += resent
        records.store_quarantine(session, run.id, quarantine)
        result = posting.post(session, _commitments(decisions), source=f"intake:{run.id}", known_new=True)
        records.store_inbox_files(session, run.id, inbox_files or [])

        summary.decided = len(decisions) - len(replacing)
        summary.redecided = len(replacing)
        summary.quarantined = len(quarantine)
        summary.by_status = dict(Counter(d.status.value for d in decisions))
        summary.blacklist_hits = sum(Reason.BLACKLISTED in d.reasons for d in decisions)
        awards: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for d in decisions:
            if d.status == Status.APPROVED:
                awards[d.clause] += d.award_total
        summary.awards_by_clause = dict(sorted(awards.items()))
        summary.chain_head = result.head if result.posted else posting.chain_head(session)[1]
        summary.quarantine_messages = [f"{q['file']}, row {q['row']}: {q['message']}" for q in quarantine]
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
        return summary


def refresh_reference_data(engine: Engine, references: dict[str, tuple[ValidatedTable, str]]) -> dict[str, str]:
    """Store each reference snapshot unless the latest load of its kind has the same checksum."""
    outcome: dict[str, str] = {}
    with run_transaction(engine) as session:
        for kind, (table, checksum) in references.items():
            if records.latest_reference_checksum(session, kind) == checksum:
                outcome[kind] = "unchanged"
                continue
            load_id = records.store_reference(session, kind, table.file, checksum, table.frame)
            outcome[kind] = f"loaded {len(table.frame)} row(s) as load {load_id}"
    return outcome


def record_inbox_rejections(engine: Engine, files: list[dict[str, Any]]) -> None:
    with run_transaction(engine) as session:
        records.store_inbox_files(session, None, files)


def _duplicate(file: str, number: int, raw: dict[str, Any], original: str) -> dict[str, Any]:
    return {
        "raw_hash": records.raw_row_hash(raw, Reason.DUPLICATE_APPLICATION.value),
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


def _commitments(decisions: list[Decision]) -> list[posting.Posting]:
    return [
        posting.commitment(
            d.application_id, i.number, d.clause, i.due_year, d.recipient_uscc or d.uscc, to_fen(i.amount)
        )
        for d in decisions
        if d.status == Status.APPROVED
        for i in d.installments
    ]


def run_cycle(engine: Engine, year: int, as_of: date, params: PolicyParameters) -> CycleSummary:
    """Pay or forfeit every installment due in a year ≤ ``year`` not yet settled, screening on ``as_of``."""
    with run_transaction(engine) as session:
        cycle = Cycle(fiscal_year=year, as_of=as_of, started_at=records.now_utc())
        session.add(cycle)
        session.flush()
        summary = CycleSummary(cycle_id=cycle.id, fiscal_year=year, as_of=as_of)
        due = records.due_installments(session, year)
        summary.due = len(due)
        reference = records.reference_in_force(session)
        settlements = settle_installments(due, reference, params, as_of)
        postings = [
            posting.settlement(
                s.installment.application_id,
                s.installment.number,
                s.installment.clause,
                year,
                s.installment.recipient_uscc,
                s.installment.amount_fen,
                s.paid,
                ";".join(s.reasons),
            )
            for s in settlements
        ]
        result = posting.post(session, postings, source=f"cycle:{cycle.id}")
        summary.already_settled = result.skipped
        for s in settlements:
            per = summary.by_clause.setdefault(s.installment.clause, {"paid_fen": 0, "forfeited_fen": 0})
            if s.paid:
                summary.paid += 1
                summary.paid_fen += s.installment.amount_fen
                per["paid_fen"] += s.installment.amount_fen
            else:
                summary.forfeited += 1
                summary.forfeited_fen += s.installment.amount_fen
                per["forfeited_fen"] += s.installment.amount_fen
        summary.chain_head = result.head if result.posted else posting.chain_head(session)[1]
        cycle.paid_count, cycle.paid_fen = summary.paid, summary.paid_fen
        cycle.forfeited_count, cycle.forfeited_fen = summary.forfeited, summary.forfeited_fen
        cycle.chain_head = summary.chain_head
        return summary
