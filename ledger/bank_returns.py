"""Bank reconciliation (issue 20): the bank's return file says, per payment-file line, whether the money reached
the account. A success clears the line's installments (``in_transit`` → ``cleared``); a failure returns them
(``in_transit`` → ``returned``, with the bank's reason), and the next payment file offers them again. A row whose
reference no file issued, whose amount is not the line's, or whose reference the file gives more than once, posts
nothing and is reported; a line already reconciled the same way is counted and left alone, one reconciled the other
way is reported. Every outcome entry follows the issue entry it settles, which is followed once: a return file
reconciled again, or beside another run, posts nothing twice; one transaction posts all of a file or none of it."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import posting
from ledger.accounts import BOUNCE, CLEAR
from ledger.bulk import LOOKUP_CHUNK
from ledger.models import BankReturn, LedgerTransaction, PaymentLine, now_utc
from rules.money import cny_of_fen


@dataclass(frozen=True)
class ReturnRow:
    """One row of a return file, validated (``validations``: kind ``bank_returns``)."""

    row: int
    reference: str
    amount: Decimal
    succeeded: bool
    value_date: date
    reason: str = ""


@dataclass(frozen=True)
class Reported:
    """A row that posted nothing, and why."""

    row: int
    reference: str
    why: str


@dataclass
class Reconciled:
    file: str
    rows: int = 0
    return_id: int = 0
    """The stored return (0: nothing was posted)."""
    cleared: list[str] = field(default_factory=list)
    cleared_fen: int = 0
    bounced: list[tuple[str, str]] = field(default_factory=list)
    """Each line returned, with the bank's reason."""
    bounced_fen: int = 0
    already: int = 0
    """Lines this file reports as they were already reconciled."""
    reported: list[Reported] = field(default_factory=list)


def _fen(amount: Decimal) -> int | None:
    fen = amount * 100
    return int(fen) if fen == fen.to_integral_value() else None


class _Trail:
    """The issue entries of the lines a return file names (to post outcomes after), and the kinds of the outcomes
    already posted after each line's: read in two range queries over the lines' entries, not per line."""

    def __init__(self, session: Session, lines: list[PaymentLine]) -> None:
        self.issues: dict[int, list[tuple[Any, ...]]] = {line.id: [] for line in lines}
        self.before: dict[int, set[str]] = {line.id: set() for line in lines}
        if not lines:
            return
        spans = sorted((line.first_seq, line.last_seq, line.id) for line in lines)
        starts = [first for first, _, _ in spans]
        low, high = spans[0][0], max(last for _, last, _ in spans)
        entry = LedgerTransaction.__table__.c
        names = ("seq", *posting.ENTRY_FACTS[1:7])
        for row in session.execute(select(*(entry[n] for n in names)).where(entry.seq.between(low, high))):
            line = self._line_of(row[0], spans, starts)
            if line is not None:
                self.issues[line].append(tuple(row))
        later = select(entry.reverses_seq, entry.kind).where(entry.reverses_seq.between(low, high))
        for followed, kind in session.execute(later):
            line = self._line_of(followed, spans, starts)
            if line is not None:
                self.before[line].add(kind)

    @staticmethod
    def _line_of(seq: int, spans: list[tuple[int, int, int]], starts: list[int]) -> int | None:
        at = bisect_right(starts, seq) - 1
        if at < 0 or seq > spans[at][1]:
            return None
        return spans[at][2]


def _check(row: ReturnRow, line: PaymentLine | None, given: int) -> str | None:
    if given > 1:
        return f"the reference is given {given} times in this file: none of its rows is posted"
    if line is None:
        return "no payment file issued this reference"
    fen = _fen(row.amount)
    if fen != line.amount_fen:
        return f"amount {row.amount} differs from the {cny_of_fen(line.amount_fen)} the payment file sent"
    return None


def reconcile(session: Session, file: str, checksum: str, rows: list[ReturnRow]) -> Reconciled:
    """Post the outcomes of a return file's rows, in the caller's run transaction (under the run lock)."""
    result = Reconciled(file, rows=len(rows))
    counts = Counter(r.reference for r in rows)
    named = sorted(counts)
    lines: dict[str, PaymentLine] = {}
    for start in range(0, len(named), LOOKUP_CHUNK):
        chunk = select(PaymentLine).where(PaymentLine.reference.in_(named[start : start + LOOKUP_CHUNK]))
        lines.update((line.reference, line) for line in session.execute(chunk).scalars())
    columns: dict[str, list[Any]] = {name: [] for name in posting.ENTRY_FACTS}
    trail = _Trail(session, list(lines.values()))
    for row in rows:
        line = lines.get(row.reference)
        why = _check(row, line, counts[row.reference])
        if why is None and line is not None:
            why = _post_line(row, line, trail, columns, result)
        if why:
            result.reported.append(Reported(row.row, row.reference, why))
    if not columns["kind"]:
        return result
    stored = BankReturn(
        file=file,
        checksum=checksum,
        received_at=now_utc(),
        cleared=len(result.cleared),
        bounced=len(result.bounced),
        reported=[{"row": r.row, "reference": r.reference, "why": r.why} for r in result.reported],
    )
    session.add(stored)
    session.flush()
    result.return_id = stored.id
    posting.post_columns(session, columns, source=f"bank-return:{stored.id}", known_new=True)
    return result


def _post_line(
    row: ReturnRow, line: PaymentLine, trail: _Trail, columns: dict[str, list[Any]], result: Reconciled
) -> str | None:
    """Add the line's outcome entries to ``columns``; why not, when it was reconciled the other way before."""
    issues, before = trail.issues[line.id], trail.before[line.id]
    kind = CLEAR if row.succeeded else BOUNCE
    if before:
        if before == {kind}:
            result.already += 1
            return None
        said = "cleared" if CLEAR in before else "returned"
        return (
            f"the line was {said} by an earlier return file; this file says {'success' if row.succeeded else 'failed'}"
        )
    reason = f"value date {row.value_date}" + ("" if row.succeeded else f": {row.reason or 'no reason given'}")
    for seq, app, k, clause, year, recipient, fen in issues:
        for name, value in zip(
            posting.ENTRY_FACTS, (kind, app, k, clause, year, recipient, fen, reason, seq), strict=True
        ):
            columns[name].append(value)
    if row.succeeded:
        result.cleared.append(line.reference)
        result.cleared_fen += line.amount_fen
    else:
        result.bounced.append((line.reference, row.reason or "no reason given"))
        result.bounced_fen += line.amount_fen
    return None
