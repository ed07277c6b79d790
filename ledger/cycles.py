"""What the disbursement cycle reads and stores: the installments due by a fiscal year and still open, the
basis they were found on, the cycles of a year that already ran, and a cycle with its settlement entries. The
cycle's steps are in ``tasks.cycle``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import posting
from ledger.bulk import copies_in_background
from ledger.models import Cycle, DecisionRecord, LedgerTransaction, ReferenceLoad, now_utc
from rules.disbursement import DueColumns


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


LedgerBasis = tuple[tuple[int, str], int | None]
"""What a cycle's due installments and screening were found on: the chain head (every posting moves it: a
commitment, a settlement, a reversal) and the latest reference load (a new blacklist or registry changes the
screening)."""


def ledger_basis(session: Session) -> LedgerBasis:
    return posting.chain_head(session), session.execute(select(func.max(ReferenceLoad.id))).scalar_one_or_none()


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


def record_cycle(
    session: Session, year: int, as_of: date, entries: dict[str, list[Any]]
) -> tuple[Cycle, posting.PostResult]:
    """Store the cycle and post its settlement entries (``posting.settlement_entries``), in the caller's run
    transaction, under the run lock, on the basis it has just checked: none of these keys exists yet."""
    cycle = Cycle(fiscal_year=year, as_of=as_of, started_at=now_utc())
    session.add(cycle)
    session.flush()
    with copies_in_background(session):
        result = posting.post_columns(session, entries, source=f"cycle:{cycle.id}", known_new=True)
    return cycle, result
