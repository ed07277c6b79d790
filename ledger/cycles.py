"""The disbursement cycle's unit of work: every installment due by a fiscal year is paid or forfeited once,
in one transaction under the run lock; its preview (what it would settle, nothing written); and the cycles of a
year that already ran."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.errors import SubsidyError
from ledger import posting
from ledger.anchors import append_anchor
from ledger.bulk import copies_in_background
from ledger.db import refresh_statistics, run_transaction
from ledger.models import Cycle, DecisionRecord, LedgerTransaction, now_utc
from ledger.references import reference_in_force
from rules.disbursement import DueColumns, early_cycle, settle_columns
from rules.model import Reason
from rules.params import PolicyParameters


@dataclass(frozen=True)
class EarlierCycle:
    """A cycle of the same fiscal year that already ran: when, screening on which date, and what it settled."""

    cycle_id: int
    started_at: datetime
    as_of: date
    paid: int
    paid_fen: int
    forfeited: int
    forfeited_fen: int


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
    earlier: list[EarlierCycle] = field(default_factory=list)
    """The cycles of this fiscal year that ran before this one."""
    dry_run: bool = False
    """A preview: nothing was written (``cycle_id`` 0)."""
    by_recipient: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    """(clause, recipient) → paid / forfeited counts and fen; kept by previews."""
    staying_due: int = 0
    """Installments the screening left due for a later cycle (I-6 read as suspend)."""


@dataclass
class _Settlements:
    due: DueColumns
    paid: list[bool]
    reasons: list[tuple[Reason, ...]]
    staying_due: int


def _settlements(session: Session, year: int, as_of: date, params: PolicyParameters) -> _Settlements:
    """The installments due by ``year`` still unsettled, each screened on ``as_of``: paid or forfeited (and why)."""
    why = early_cycle(year, as_of)
    if why:
        raise SubsidyError(why)
    due = due_installments(session, year)
    settled, reasons = settle_columns(due, reference_in_force(session), params, as_of)
    staying = len(due) - len(settled)
    if staying:  # I-6 suspend: the others stay due
        due = due.take(settled)
    return _Settlements(due, [not r for r in reasons], reasons, staying)


def due_installments(session: Session, year: int) -> DueColumns:
    """Installments (commitment entries) due in a year ≤ ``year`` that no cycle has paid or forfeited yet and
    that no correction has reversed, with what the application said of the recipient's registration."""
    commitment = LedgerTransaction.__table__.alias("commitment")
    rows = (
        session.connection()
        .execute(
            select(
                commitment.c.application_id,
                commitment.c.installment,
                commitment.c.clause,
                commitment.c.recipient_uscc,
                commitment.c.fiscal_year,
                commitment.c.amount_fen,
                DecisionRecord.recipient_entity_type,
                DecisionRecord.recipient_business_in_minhang,
                DecisionRecord.recipient_tax_in_minhang,
                DecisionRecord.uscc,
            )
            .join(DecisionRecord, DecisionRecord.application_id == commitment.c.application_id)
            .where(posting.still_open(commitment), commitment.c.fiscal_year <= year)
            .order_by(commitment.c.fiscal_year, commitment.c.application_id, commitment.c.installment)
        )
        .all()
    )
    if not rows:
        return DueColumns()
    app_id, number, clause, recipient, due_year, fen, entity, business, tax, applicant = (
        list(c) for c in zip(*rows, strict=True)
    )
    return DueColumns(
        app_id,
        number,
        clause,
        recipient,
        due_year,
        fen,
        [e or "enterprise" for e in entity],
        [bool(b) for b in business],
        [bool(t) for t in tax],
        applicant,
    )


def earlier_cycles(session: Session, year: int) -> list[EarlierCycle]:
    return [
        EarlierCycle(c.id, c.started_at, c.as_of, c.paid_count, c.paid_fen, c.forfeited_count, c.forfeited_fen)
        for c in session.execute(select(Cycle).where(Cycle.fiscal_year == year).order_by(Cycle.id)).scalars()
    ]


def _count(summary: CycleSummary, found: _Settlements, per_recipient: bool) -> None:
    """The summary's counts and totals (per clause; per clause and recipient for a preview)."""
    due = found.due
    summary.staying_due = found.staying_due
    for p, clause, recipient, fen in zip(found.paid, due.clause, due.recipient_uscc, due.amount_fen, strict=True):
        kind = "paid" if p else "forfeited"
        per = summary.by_clause.setdefault(clause, {"paid_fen": 0, "forfeited_fen": 0})
        per[f"{kind}_fen"] += fen
        if per_recipient:
            row = summary.by_recipient.setdefault((clause, recipient), {"paid": 0, "forfeited": 0})
            row[kind] += 1
            row[f"{kind}_fen"] = row.get(f"{kind}_fen", 0) + fen
        if p:
            summary.paid += 1
            summary.paid_fen += fen
        else:
            summary.forfeited += 1
            summary.forfeited_fen += fen


def preview_cycle(engine: Engine, year: int, as_of: date, params: PolicyParameters) -> CycleSummary:
    """What ``run_cycle`` would pay and forfeit now, per clause and recipient; nothing is written."""
    with Session(engine) as session:
        summary = CycleSummary(cycle_id=0, fiscal_year=year, as_of=as_of, dry_run=True)
        summary.earlier = earlier_cycles(session, year)
        found = _settlements(session, year, as_of, params)
        summary.due = len(found.due) + found.staying_due
        _count(summary, found, per_recipient=True)
        summary.by_recipient = dict(sorted(summary.by_recipient.items()))
        summary.chain_head = posting.chain_head(session)[1]
    return summary


def _settlement_entries(found: _Settlements, year: int) -> dict[str, list[Any]]:
    due = found.due
    reasons = [";".join(r) for r in found.reasons]
    return posting.settlement_entries(
        due.application_id, due.number, due.clause, year, due.recipient_uscc, due.amount_fen, found.paid, reasons
    )


def run_cycle(engine: Engine, year: int, as_of: date, params: PolicyParameters) -> CycleSummary:
    """Pay or forfeit every installment due in a year ≤ ``year`` not yet settled, screening on ``as_of``."""
    with run_transaction(engine) as session:
        earlier = earlier_cycles(session, year)
        found = _settlements(session, year, as_of, params)
        cycle = Cycle(fiscal_year=year, as_of=as_of, started_at=now_utc())
        session.add(cycle)
        session.flush()
        summary = CycleSummary(cycle_id=cycle.id, fiscal_year=year, as_of=as_of, earlier=earlier)
        summary.due = len(found.due) + found.staying_due
        # The due installments were just read as unsettled under the run lock: none of these keys exists yet.
        with copies_in_background(session):
            result = posting.post_columns(
                session, _settlement_entries(found, year), source=f"cycle:{cycle.id}", known_new=True
            )
            summary.already_settled = result.skipped
            _count(summary, found, per_recipient=False)
        head_seq, summary.chain_head = posting.chain_head(session)
        cycle.paid_count, cycle.paid_fen = summary.paid, summary.paid_fen
        cycle.forfeited_count, cycle.forfeited_fen = summary.forfeited, summary.forfeited_fen
        cycle.chain_head = summary.chain_head
    if result.posted:
        append_anchor(engine, head_seq, summary.chain_head, f"cycle:{cycle.id}")
    refresh_statistics(engine, {"ledger_transactions": result.posted})
    return summary
