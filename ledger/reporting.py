"""The figures of the yearly report, read from the decisions and the ledger."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, extract, func, select
from sqlalchemy.orm import Session

from ledger.models import DecisionRecord, LedgerTransaction, TransactionKind
from rules.model import Status


@dataclass
class ReportFigures:
    year: int
    awards_by_clause: dict[str, tuple[int, int]] = field(default_factory=dict)
    """clause → (approved applications decided in the year, fen awarded)."""
    by_year: dict[int, dict[str, int]] = field(default_factory=dict)
    """fiscal year → committed / paid / forfeited fen (commitments by due year, settlements by cycle year)."""
    still_due: dict[str, dict[int, int]] = field(default_factory=dict)
    """clause → due year after the report year → fen not yet settled."""


def report_figures(session: Session, year: int) -> ReportFigures:
    figures = ReportFigures(year=year)
    for clause, count, fen in session.execute(
        select(DecisionRecord.clause, func.count(), func.sum(DecisionRecord.award_total_fen))
        .where(DecisionRecord.status == Status.APPROVED.value, extract("year", DecisionRecord.decided_on) == year)
        .group_by(DecisionRecord.clause)
        .order_by(DecisionRecord.clause)
    ):
        figures.awards_by_clause[clause] = (int(count), int(fen or 0))
    figures.by_year = ledger_by_year(session)
    commitment = LedgerTransaction.__table__.alias("commitment")
    other = LedgerTransaction.__table__.alias("other")
    settled = exists().where(
        and_(
            other.c.application_id == commitment.c.application_id,
            other.c.installment == commitment.c.installment,
            other.c.kind.in_([TransactionKind.PAYMENT.value, TransactionKind.FORFEIT.value]),
        )
    )
    reversed_ = exists().where(other.c.reverses_seq == commitment.c.seq)
    for clause, due_year, fen in session.execute(
        select(commitment.c.clause, commitment.c.fiscal_year, func.sum(commitment.c.amount_fen))
        .where(
            commitment.c.kind == TransactionKind.COMMITMENT.value,
            commitment.c.fiscal_year > year,
            ~settled,
            ~reversed_,
        )
        .group_by(commitment.c.clause, commitment.c.fiscal_year)
        .order_by(commitment.c.clause, commitment.c.fiscal_year)
    ):
        figures.still_due.setdefault(clause, {})[int(due_year)] = int(fen)
    return figures


def ledger_by_year(session: Session) -> dict[int, dict[str, int]]:
    """Fiscal year → committed / paid / forfeited fen in the whole ledger (commitments by due year, settlements
    by cycle year)."""
    names = {
        TransactionKind.COMMITMENT.value: "committed",
        TransactionKind.PAYMENT.value: "paid",
        TransactionKind.FORFEIT.value: "forfeited",
    }
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: {"committed": 0, "paid": 0, "forfeited": 0})
    for fiscal_year, kind, fen in session.execute(
        select(LedgerTransaction.fiscal_year, LedgerTransaction.kind, func.sum(LedgerTransaction.amount_fen))
        .where(LedgerTransaction.kind.in_(list(names)))
        .group_by(LedgerTransaction.fiscal_year, LedgerTransaction.kind)
    ):
        by_year[int(fiscal_year or 0)][names[kind]] += int(fen)
    return dict(sorted(by_year.items()))
