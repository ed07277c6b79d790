"""The budget forecast, read from the ledger: what is committed and still owed, per clause and due year (and per
recipient), and what was forfeited of what fell due, per clause.

Still owed: the installments no payment or forfeit has settled and no reversal has undone (``posting.still_open``),
whatever their due year: one due in a year whose cycle has run and left it unsettled (suspended, I-6) is owed still.
Fell due: what the cycles settled, paid + forfeited, a reversal counting against the entry it reverses
(``ledger.verify.ledger_balances``). The forfeited share is forfeited / fell due as an exact percentage, rounded
half-up to 0.1 (never a float). The yearly report reads the same functions as of its cut (``ledger.reporting``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from ledger import posting
from ledger.models import LedgerTransaction
from ledger.verify import ledger_balances


class StillOwed(NamedTuple):
    """Installments committed and not settled: of one clause, due year (and recipient, when asked for)."""

    clause: str
    due_year: int
    installments: int
    fen: int
    recipient_uscc: str | None = None


def unsettled_commitments(
    session: Session, through_seq: int | None = None, by_recipient: bool = False
) -> list[StillOwed]:
    """The installments still owed (``posting.still_open``) among the entries up to ``through_seq`` (the whole
    ledger when None), per clause and due year, and per recipient when ``by_recipient``; in that order."""
    commitment = LedgerTransaction.__table__.alias("commitment")
    groups = [commitment.c.clause, commitment.c.fiscal_year]
    if by_recipient:
        groups.append(commitment.c.recipient_uscc)
    in_cut: ColumnElement[bool] = true() if through_seq is None else commitment.c.seq <= through_seq
    rows = session.execute(
        select(*groups, func.count(), func.sum(commitment.c.amount_fen))
        .where(posting.still_open(commitment, through_seq), in_cut)
        .group_by(*groups)
        .order_by(*groups)
    )
    return [
        StillOwed(str(row[0]), int(row[1]), int(row[-2]), int(row[-1]), row[2] if by_recipient else None)
        for row in rows
    ]


def share_percent(part_fen: int, whole_fen: int) -> Decimal | None:
    """``part`` as a percentage of ``whole``, exactly, rounded half-up to 0.1 (``Decimal('5.5')``); None when
    ``whole`` is not positive (nothing to take a share of)."""
    if whole_fen <= 0:
        return None
    tenths, rest = divmod(abs(part_fen) * 1000, whole_fen)
    tenths += 2 * rest >= whole_fen
    return Decimal(-tenths if part_fen < 0 else tenths).scaleb(-1)


def shown_percent(share: Decimal | None) -> str:
    """A percentage as its exact digits (``5.5``); empty when there was nothing to take a share of."""
    return "" if share is None else str(share)


@dataclass(frozen=True)
class ForfeitedShare:
    """What fell due of one clause (the installments the cycles settled), and how much of it was forfeited."""

    clause: str
    paid_fen: int
    forfeited_fen: int

    @property
    def fell_due_fen(self) -> int:
        return self.paid_fen + self.forfeited_fen

    @property
    def share(self) -> Decimal | None:
        """Forfeited / fell due, in percent (``share_percent``)."""
        return share_percent(self.forfeited_fen, self.fell_due_fen)


def forfeited_shares(
    session: Session, through_seq: int | None = None, through_year: int | None = None
) -> list[ForfeitedShare]:
    """Per clause that had something fall due (paid or forfeited), in clause order: among the entries up to
    ``through_seq`` and the cycles of fiscal years up to ``through_year`` (all when None)."""
    balances = ledger_balances(session, through_seq=through_seq, through_year=through_year)
    return [
        ForfeitedShare(clause, b.paid_fen, b.forfeited_fen)
        for clause, b in sorted(balances.by_clause.items())
        if b.paid_fen or b.forfeited_fen
    ]


@dataclass
class Forecast:
    """``subsidy forecast``: the ledger as it stands (up to entry ``through_seq``, its chain head ``chain_head``)."""

    through_seq: int
    chain_head: str
    from_year: int | None = None
    through_year: int | None = None
    by_recipient: bool = False
    still_owed: list[StillOwed] = field(default_factory=list)
    """Per clause and due year (and recipient), the due years from ``from_year`` through ``through_year``."""
    forfeited: list[ForfeitedShare] = field(default_factory=list)
    """Per clause, over every cycle so far (whatever the due years asked for)."""

    def due_years(self) -> list[int]:
        return sorted({row.due_year for row in self.still_owed})


def budget_forecast(
    session: Session, from_year: int | None = None, through_year: int | None = None, by_recipient: bool = False
) -> Forecast:
    """What the ledger still owes with a due year from ``from_year`` through ``through_year`` (either open), and
    the forfeited share per clause of every cycle so far; read in one snapshot of the ledger."""
    seq, head = posting.chain_head(session)
    still_owed = [
        row
        for row in unsettled_commitments(session, seq, by_recipient)
        if (from_year is None or row.due_year >= from_year) and (through_year is None or row.due_year <= through_year)
    ]
    forfeited = forfeited_shares(session, seq)
    return Forecast(seq, head, from_year, through_year, by_recipient, still_owed, forfeited)


FORECAST_COLUMNS = ["fiscal_year", "clause", "outstanding", "recipients"]
"""The forecast's CSV (CONTRACT.md 'forecast'): one row per fiscal year (the due year) and clause with something
committed and not yet settled; ``outstanding`` in CNY with two decimals, ``recipients`` how many recipients it is
owed to."""


def forecast_rows(by_recipient: list[StillOwed]) -> Iterator[dict[str, Any]]:
    """The rows of ``FORECAST_COLUMNS`` from the installments still owed per clause, due year and recipient, by
    fiscal year and clause."""
    from rules.money import cny_of_fen

    totals: dict[tuple[int, str], list[int]] = {}
    for row in by_recipient:
        found = totals.setdefault((row.due_year, row.clause), [0, 0])
        found[0] += row.fen
        found[1] += 1
    for (year, clause), (fen, recipients) in sorted(totals.items()):
        yield {"fiscal_year": year, "clause": clause, "outstanding": cny_of_fen(fen), "recipients": recipients}
