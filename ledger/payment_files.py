"""Bank payment files (批量代发文件, issue 20): the paid installments not yet sent to the bank, one line per recipient
and fiscal year, each line's installments moved in the ledger from ``paid`` to ``in_transit`` (a bounced one from
``returned``) when the file is issued. A recipient without an account in force, or whose account's holder name is
not its own, is held: not in the file, listed with why, still owed. Every issue entry follows the entry it sends on
(``ledger.accounts``), and an entry is followed once: issuing again, after a crash or beside another run, sends
nothing twice.

The file (CSV or XLSX, ``ledger.bank_files``) is written from what is stored here, so the same file can be written
again at any time."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ledger import posting
from ledger.accounts import BOUNCE, ISSUE, PAYMENT, REISSUE
from ledger.bank_accounts import accounts_in_force, name_flag, names_given
from ledger.models import LedgerTransaction, PaymentFile, PaymentLine, now_utc


@dataclass(frozen=True)
class Held:
    """A recipient owed money that no file sends: how much, of which year, and why."""

    recipient_uscc: str
    fiscal_year: int
    amount_fen: int
    installments: int
    why: str


@dataclass(frozen=True)
class Line:
    """One line of a payment file."""

    reference: str
    recipient_uscc: str
    fiscal_year: int
    account_name: str
    bank_name: str
    account_no: str
    amount_fen: int
    settlements: tuple[str, ...]
    """The business keys of the settlements (``settlement/<app>/<k>``) the line pays."""


@dataclass
class IssuedFile:
    """A payment file as stored: its lines, total and checksum, and the recipients it held."""

    file_id: int
    fiscal_year: int
    issued_on: date
    lines: list[Line] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    checksum: str = ""
    reissued: int = 0
    """Installments the bank had returned that this file sends again."""
    new: bool = True
    """Issued now; False: nothing was waiting, this is the latest file issued before."""

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)


AWAITING_KINDS = (PAYMENT, BOUNCE)
"""The entries whose money waits for a payment file: a payment not yet issued, a bounce not yet offered again."""


def awaiting(session: Session, year: int) -> list[tuple[Any, ...]]:
    """Paid installments of fiscal years ≤ ``year`` whose money waits for a payment file (an entry of
    ``AWAITING_KINDS`` that nothing follows yet), by recipient, year, application and installment: seq, kind,
    application, installment, clause, year, recipient, fen."""
    entry = LedgerTransaction.__table__.alias("entry")
    later = LedgerTransaction.__table__.alias("later")
    columns = (
        entry.c.seq,
        entry.c.kind,
        entry.c.application_id,
        entry.c.installment,
        entry.c.clause,
        entry.c.fiscal_year,
        entry.c.recipient_uscc,
        entry.c.amount_fen,
    )
    query = (
        select(*columns)
        .where(
            entry.c.kind.in_(AWAITING_KINDS),
            entry.c.fiscal_year <= year,
            ~exists().where(later.c.reverses_seq == entry.c.seq),
        )
        .order_by(entry.c.recipient_uscc, entry.c.fiscal_year, entry.c.application_id, entry.c.installment)
    )
    return list(session.execute(query).tuples())


def line_texts(lines: Sequence[Line]) -> list[str]:
    """Each line as the checksum reads it: its fields joined by ``|`` (amounts in fen)."""
    return [
        "|".join((x.reference, x.recipient_uscc, str(x.fiscal_year), x.account_name, x.bank_name, x.account_no))
        + f"|{x.amount_fen}|{';'.join(x.settlements)}"
        for x in lines
    ]


def checksum_of(lines: Sequence[Line]) -> str:
    """SHA-256 over the lines' texts, one per line: what the bank and the auditor recompute."""
    return hashlib.sha256("".join(text + "\n" for text in line_texts(lines)).encode("utf-8")).hexdigest()


def _groups(entries: list[tuple[Any, ...]]) -> dict[tuple[str, int], list[tuple[Any, ...]]]:
    grouped: dict[tuple[str, int], list[tuple[Any, ...]]] = {}
    for entry in entries:
        grouped.setdefault((entry[6], entry[5]), []).append(entry)
    return grouped


def issue_payment_file(session: Session, year: int, on: date) -> IssuedFile:
    """Issue a payment file for fiscal ``year`` on ``on``, in the caller's run transaction (under the run lock):
    every paid installment waiting for the bank goes into a line of its recipient and year, unless the recipient is
    held. Nothing waiting to be sent: no file is stored (``file_id`` 0), the held recipients are still listed."""
    grouped = _groups(awaiting(session, year))
    accounts, load = accounts_in_force(session, on)
    names = names_given(session, {uscc for uscc, _ in grouped})
    sent: list[tuple[tuple[str, int], list[tuple[Any, ...]]]] = []
    held: list[Held] = []
    for (uscc, fiscal_year), entries in grouped.items():
        account = accounts.get(uscc)
        why = (
            ("no bank accounts are loaded (银行账户)" if load is None else f"no bank account in force on {on}")
            if account is None
            else name_flag(uscc, account.account_name, account.account_no, names.get(uscc))
        )
        if why:
            held.append(Held(uscc, fiscal_year, sum(e[7] for e in entries), len(entries), why))
        else:
            sent.append(((uscc, fiscal_year), entries))
    if not sent:
        return IssuedFile(0, year, on, held=held, new=False)
    file_id = (session.execute(select(func.max(PaymentFile.id))).scalar() or 0) + 1  # under the run lock
    issued = IssuedFile(file_id, year, on, held=held)
    seq, _ = posting.chain_head(session)
    columns: dict[str, list[Any]] = {name: [] for name in posting.ENTRY_FACTS}
    rows = []
    for number, ((uscc, fiscal_year), entries) in enumerate(sent, start=1):
        settlements = tuple(f"settlement/{e[2]}/{e[3]}" for e in entries)
        fen = sum(e[7] for e in entries)
        line = Line(f"PF{file_id:05d}-{number:06d}", uscc, fiscal_year, *accounts[uscc], fen, settlements)
        issued.lines.append(line)
        rows.append(PaymentLine(file_id=file_id, **_line_columns(line), first_seq=seq + 1, last_seq=seq + len(entries)))
        seq += len(entries)
        for followed, kind, app, k, clause, fy, recipient, fen in entries:
            issued.reissued += kind == BOUNCE
            entry = (ISSUE if kind == PAYMENT else REISSUE, app, k, clause, fy, recipient, fen, "", followed)
            for name, value in zip(posting.ENTRY_FACTS, entry, strict=True):
                columns[name].append(value)
    issued.checksum = checksum_of(issued.lines)
    session.add(
        PaymentFile(
            id=file_id,
            fiscal_year=year,
            issued_on=on,
            issued_at=now_utc(),
            line_count=len(issued.lines),
            total_fen=issued.total_fen,
            checksum=issued.checksum,
            held=[held_row(h) for h in held],
        )
    )
    session.flush()
    posting.post_columns(session, columns, source=f"payment-file:{file_id}", known_new=True)
    session.add_all(rows)
    return issued


def _line_columns(line: Line) -> dict[str, Any]:
    return {
        name: getattr(line, name)
        for name in ("reference", "recipient_uscc", "fiscal_year", "account_name", "bank_name", "account_no")
    } | {"amount_fen": line.amount_fen}


def held_row(h: Held) -> dict[str, Any]:
    return {
        "recipient_uscc": h.recipient_uscc,
        "fiscal_year": h.fiscal_year,
        "amount_fen": h.amount_fen,
        "installments": h.installments,
        "why": h.why,
    }


def stored_file(session: Session, file_id: int) -> IssuedFile:
    """A payment file issued before, as it was issued (its lines' settlements read back from its entries)."""
    record = session.get(PaymentFile, file_id)
    if record is None:
        raise LookupError(file_id)
    lines = session.execute(select(PaymentLine).where(PaymentLine.file_id == file_id).order_by(PaymentLine.id))
    issued = IssuedFile(record.id, record.fiscal_year, record.issued_on, new=False, checksum=record.checksum)
    issued.held = [Held(**h) for h in record.held]
    for line in lines.scalars():
        keys = session.execute(
            select(LedgerTransaction.application_id, LedgerTransaction.installment, LedgerTransaction.kind)
            .where(LedgerTransaction.seq.between(line.first_seq, line.last_seq))
            .order_by(LedgerTransaction.seq)
        ).all()
        issued.reissued += sum(kind == REISSUE for _, _, kind in keys)
        settlements = tuple(f"settlement/{app}/{k}" for app, k, _ in keys)
        issued.lines.append(
            Line(
                line.reference,
                line.recipient_uscc,
                line.fiscal_year,
                line.account_name,
                line.bank_name,
                line.account_no,
                line.amount_fen,
                settlements,
            )
        )
    return issued


def latest_file_id(session: Session, year: int) -> int | None:
    return session.execute(
        select(PaymentFile.id).where(PaymentFile.fiscal_year == year).order_by(PaymentFile.id.desc()).limit(1)
    ).scalar()
