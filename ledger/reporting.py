"""The figures of the yearly report, read from the ledger as it stood when the year's disbursement cycle committed.

The report of a year Y reflects the ledger up to the chain head its cycle recorded (``cycles.chain_head``; the last
cycle of Y that ran before any cycle of a later year): every entry posted after it (a later cycle, a later intake)
is left out, so the report of 2024 printed in 2026 gives the figures of 1 December 2024. When no cycle of Y has run
yet the report is provisional: the whole ledger as it stands now, nothing left out.

A reversal counts against the entry it reverses (as in ``ledger.verify.ledger_balances``); an installment is settled
by a payment or forfeit of the cut that no reversal of the cut undid. Over the fiscal years up to Y:
committed = paid + forfeited + due by Y and not settled. What is still owed and the forfeited share per clause are
those of the budget forecast (``ledger.forecast``), read as of the cut.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, exists, extract, func, select, true
from sqlalchemy.orm import Session

from core.errors import LedgerError
from ledger.forecast import ForfeitedShare, forfeited_shares, unsettled_commitments
from ledger.models import Cycle, DecisionRecord, LedgerTransaction, TransactionKind
from ledger.posting import GENESIS_HASH, chain_head
from ledger.recoveries import RecoveryFigures, recovery_figures

KIND_NAMES = {
    TransactionKind.COMMITMENT.value: "committed",
    TransactionKind.PAYMENT.value: "paid",
    TransactionKind.FORFEIT.value: "forfeited",
}


@dataclass(frozen=True)
class LedgerCut:
    """Where in the ledger a report stands."""

    through_seq: int
    """The last entry the report reflects (0: none)."""
    chain_head: str
    """That entry's hash: the chain head the report reflects."""
    entries_after: int = 0
    """Entries posted after the cut (later runs), left out of the report."""
    cycle_id: int | None = None
    """The cycle whose chain head is the cut; None for a provisional report (no cycle of the year yet)."""
    cycle_as_of: date | None = None
    """The date that cycle screened on."""

    @property
    def provisional(self) -> bool:
        return self.cycle_id is None


@dataclass
class ReportFigures:
    year: int
    cut: LedgerCut = field(default_factory=lambda: LedgerCut(0, GENESIS_HASH))
    awards_by_clause: dict[str, tuple[int, int]] = field(default_factory=dict)
    """clause → (approved applications decided in the year with commitments in the cut, fen committed for them)."""
    by_year: dict[int, dict[str, int]] = field(default_factory=dict)
    """fiscal year ≤ year → committed / paid / forfeited fen (commitments by due year, settlements by cycle year)."""
    still_due: dict[str, dict[int, int]] = field(default_factory=dict)
    """clause → due year after the report year → fen committed and not settled as of the cut."""
    unsettled_by_year: dict[str, dict[int, int]] = field(default_factory=dict)
    """clause → due year ≤ the report year → fen committed and not settled as of the cut (suspended, or not yet
    paid when the report is provisional)."""
    forfeited: list[ForfeitedShare] = field(default_factory=list)
    recoveries: list[RecoveryFigures] = field(default_factory=list)
    """The awards revoked within the cut: cancelled, claimed back, received."""
    """Per clause, what fell due in the cycles up to the year (paid + forfeited) and the share forfeited, as of the
    cut (``ledger.forecast.forfeited_shares``)."""


def ledger_cut(session: Session, year: int) -> LedgerCut:
    """The chain head of the year's cycle, or the current head (provisional) when no cycle of the year ran."""
    last_seq, last_head = chain_head(session)
    later = session.scalar(select(func.min(Cycle.id)).where(Cycle.fiscal_year > year))
    query = select(Cycle).where(Cycle.fiscal_year == year).order_by(Cycle.id.desc()).limit(1)
    if later is not None:
        query = query.where(Cycle.id < later)
    cycle = session.execute(query).scalar_one_or_none()
    if cycle is None:
        return LedgerCut(last_seq, last_head)
    head = cycle.chain_head or ""
    seq = (
        0
        if head == GENESIS_HASH
        else session.scalar(select(LedgerTransaction.seq).where(LedgerTransaction.entry_hash == head))
    )
    if seq is None:
        raise LedgerError(
            f"ledger: the chain head {head!r} recorded by cycle #{cycle.id} ({year}) is not in the ledger; "
            "run `subsidy ledger verify`"
        )
    return LedgerCut(seq, head, last_seq - seq, cycle.id, cycle.as_of)


def report_figures(session: Session, year: int) -> ReportFigures:
    """The yearly report's figures as of the year's cycle (see the module's docstring)."""
    cut = ledger_cut(session, year)
    figures = ReportFigures(year=year, cut=cut)
    figures.awards_by_clause = awards_by_clause(session, year, cut.through_seq)
    figures.by_year = {y: v for y, v in ledger_by_year(session, cut.through_seq).items() if y <= year}
    for owed in unsettled_commitments(session, cut.through_seq):
        into = figures.still_due if owed.due_year > year else figures.unsettled_by_year
        into.setdefault(owed.clause, {})[owed.due_year] = owed.fen
    figures.forfeited = forfeited_shares(session, cut.through_seq, through_year=year)
    figures.recoveries = recovery_figures(session, cut.through_seq)
    return figures


def _in_cut(seq: ColumnElement[int], through_seq: int | None) -> ColumnElement[bool]:
    return true() if through_seq is None else seq <= through_seq


def awards_by_clause(session: Session, year: int, through_seq: int) -> dict[str, tuple[int, int]]:
    """clause → approved applications decided in ``year`` with unreversed commitments in the cut, and their fen."""
    commitment = LedgerTransaction.__table__.alias("commitment")
    reversal = LedgerTransaction.__table__.alias("reversal")
    reversed_ = exists().where(reversal.c.reverses_seq == commitment.c.seq, reversal.c.seq <= through_seq)
    rows = session.execute(
        select(
            commitment.c.clause,
            func.count(func.distinct(commitment.c.application_id)),
            func.sum(commitment.c.amount_fen),
        )
        .join(DecisionRecord, DecisionRecord.application_id == commitment.c.application_id)
        .where(
            commitment.c.kind == TransactionKind.COMMITMENT.value,
            commitment.c.seq <= through_seq,
            extract("year", DecisionRecord.decided_on) == year,
            ~reversed_,
        )
        .group_by(commitment.c.clause)
        .order_by(commitment.c.clause)
    )
    return {str(clause): (int(count), int(fen)) for clause, count, fen in rows}


def ledger_by_year(session: Session, through_seq: int | None = None) -> dict[int, dict[str, int]]:
    """Fiscal year → committed / paid / forfeited fen (commitments by due year, settlements by cycle year), in the
    whole ledger or up to entry ``through_seq``; a reversal counts against the kind of the entry it reverses."""
    entry = LedgerTransaction.__table__
    original = LedgerTransaction.__table__.alias("original")
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: {"committed": 0, "paid": 0, "forfeited": 0})
    for fiscal_year, kind, reversed_kind, fen in session.execute(
        select(entry.c.fiscal_year, entry.c.kind, original.c.kind, func.sum(entry.c.amount_fen))
        .select_from(entry.outerjoin(original, original.c.seq == entry.c.reverses_seq))
        .where(_in_cut(entry.c.seq, through_seq))
        .group_by(entry.c.fiscal_year, entry.c.kind, original.c.kind)
    ):
        reversal = kind == TransactionKind.REVERSAL.value
        name = KIND_NAMES.get(reversed_kind if reversal else kind)
        if name is not None:
            by_year[int(fiscal_year or 0)][name] += -int(fen) if reversal else int(fen)
    return dict(sorted(by_year.items()))
