"""Bank payment files (批量代发文件, issue 20; CONTRACT.md 'bank payment file'): the paid installments not yet sent to
the bank, one line per recipient per issue, each line's installments moved in the ledger from ``paid`` to
``in_transit`` (a bounced one from ``returned``) when the file is issued. A recipient without an account in force,
or whose account's holder name is not its own, is held: not in the file, listed with why, still owed. Every issue
entry follows the entry it sends on (``ledger.accounts``), and an entry is followed once: issuing again, after a
crash or beside another run, sends nothing twice.

The file (CSV or XLSX, ``ledger.bank_files``) is rendered from what is stored here, the same bytes every time: its
SHA-256 is kept with the file when it is issued, and the same file can be written again at any time."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ledger import posting
from ledger.accounts import BOUNCE, CLEAR, ISSUE, PAYMENT, REISSUE
from ledger.bank_accounts import accounts_in_force, name_flag, names_given
from ledger.bulk import bulk_insert_tuples
from ledger.models import LedgerTransaction, PaymentFile, PaymentLine, now_utc


@dataclass(frozen=True)
class Held:
    """A recipient owed money that no file sends: how much, of which years, and why."""

    recipient_uscc: str
    fiscal_years: str
    """The fiscal years of what it is owed (``2024/2025``)."""
    amount_fen: int
    installments: int
    why: str


@dataclass(frozen=True)
class Line:
    """One line of a payment file: a recipient's paid installments sent to its account."""

    reference: str
    payee_uscc: str
    payee_name: str
    """The account's holder name (户名)."""
    bank_name: str
    account_no: str
    amount_fen: int
    purpose: str
    """The policy, the fiscal years and the clauses the line pays."""
    settlements: tuple[str, ...] = ()
    """The business keys of the settlements (``settlement/<app>/<k>``) the line pays (kept in the ledger)."""


@dataclass
class IssuedFile:
    """A payment file as stored: its lines, total and checksum, and the recipients it held."""

    file_id: int
    fiscal_year: int
    issued_on: date
    lines: list[Line] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    checksum: str = ""
    """SHA-256 of the file's bytes as issued (in ``file_format``)."""
    file_format: str = "csv"
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


POLICY = "闵行区推动智能制造与工业互联网促数字化转型政策"
"""The policy a line's purpose (用途) names."""


def purpose_of(entries: list[tuple[Any, ...]]) -> str:
    """What a line pays for: the policy, its fiscal years and its clauses (``2024/2025 A2/A4-PILOT``)."""
    years = "/".join(str(y) for y in sorted({e[5] for e in entries}))
    clauses = "/".join(sorted({e[4] for e in entries}))
    return f"{POLICY} {years} {clauses}"


def _groups(entries: list[tuple[Any, ...]]) -> dict[str, list[tuple[Any, ...]]]:
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for entry in entries:
        grouped.setdefault(entry[6], []).append(entry)
    return grouped


Render = Callable[["IssuedFile"], bytes]
"""The file's bytes of an issued file, in one format (``ledger.bank_files.rendered``)."""


def issue_payment_file(session: Session, year: int, on: date, render: Render, file_format: str) -> IssuedFile:
    """Issue a payment file for fiscal ``year`` on ``on``, in the caller's run transaction (under the run lock):
    every paid installment waiting for the bank goes into its recipient's line, unless the recipient is held; the
    file is stored with the SHA-256 of its bytes as ``render`` makes them. Nothing waiting to be sent: no file is
    stored (``file_id`` 0), the held recipients are still listed."""
    grouped = _groups(awaiting(session, year))
    accounts, load = accounts_in_force(session, on)
    names = names_given(session, grouped)
    sent: list[tuple[str, list[tuple[Any, ...]]]] = []
    held: list[Held] = []
    for uscc, entries in grouped.items():
        account = accounts.get(uscc)
        why = (
            ("no bank accounts are loaded (银行账户)" if load is None else f"no bank account in force on {on}")
            if account is None
            else name_flag(uscc, account.account_name, account.account_no, names.get(uscc))
        )
        if why:
            years = "/".join(str(y) for y in sorted({e[5] for e in entries}))
            held.append(Held(uscc, years, sum(e[7] for e in entries), len(entries), why))
        else:
            sent.append((uscc, entries))
    if not sent:
        return IssuedFile(0, year, on, held=held, new=False)
    file_id = (session.execute(select(func.max(PaymentFile.id))).scalar() or 0) + 1  # under the run lock
    issued = IssuedFile(file_id, year, on, held=held, file_format=file_format)
    seq, _ = posting.chain_head(session)
    columns: dict[str, list[Any]] = {name: [] for name in posting.ENTRY_FACTS}
    rows = []
    for number, (uscc, entries) in enumerate(sent, start=1):
        settlements = tuple(f"settlement/{e[2]}/{e[3]}" for e in entries)
        account = accounts[uscc]
        line = Line(
            f"PF{file_id:05d}-{number:06d}",
            uscc,
            *account,
            sum(e[7] for e in entries),
            purpose_of(entries),
            settlements,
        )
        issued.lines.append(line)
        rows.append((file_id, *_line_columns(line).values(), seq + 1, seq + len(entries)))
        seq += len(entries)
        for followed, kind, app, k, clause, fy, recipient, fen in entries:
            issued.reissued += kind == BOUNCE
            entry = (ISSUE if kind == PAYMENT else REISSUE, app, k, clause, fy, recipient, fen, "", followed)
            for name, value in zip(posting.ENTRY_FACTS, entry, strict=True):
                columns[name].append(value)
    issued.checksum = hashlib.sha256(render(issued)).hexdigest()
    session.add(
        PaymentFile(
            id=file_id,
            fiscal_year=year,
            issued_on=on,
            issued_at=now_utc(),
            line_count=len(issued.lines),
            total_fen=issued.total_fen,
            checksum=issued.checksum,
            file_format=file_format,
            held=[held_row(h) for h in held],
        )
    )
    session.flush()
    posting.post_columns(session, columns, source=f"payment-file:{file_id}", known_new=True)
    bulk_insert_tuples(session, PaymentLine.__table__, LINE_INSERT, rows)
    return issued


LINE_COLUMNS = ("reference", "payee_uscc", "payee_name", "bank_name", "account_no", "amount_fen", "purpose")
LINE_INSERT = ("file_id", *LINE_COLUMNS, "first_seq", "last_seq")
"""The columns of a stored payment line, in the order ``issue_payment_file`` builds its rows."""


def _line_columns(line: Line) -> dict[str, Any]:
    return {name: getattr(line, name) for name in LINE_COLUMNS}


def held_row(h: Held) -> dict[str, Any]:
    return {
        "recipient_uscc": h.recipient_uscc,
        "fiscal_years": h.fiscal_years,
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
    issued = IssuedFile(
        record.id,
        record.fiscal_year,
        record.issued_on,
        new=False,
        checksum=record.checksum,
        file_format=record.file_format,
    )
    issued.held = [Held(**h) for h in record.held]
    stored = list(lines.scalars())
    if not stored:
        return issued
    entry = LedgerTransaction.__table__.c
    span = entry.seq.between(stored[0].first_seq, max(line.last_seq for line in stored))
    keys = {  # the file's issue entries, read at once: its lines' entries are consecutive
        seq: (app, k, kind)
        for seq, app, k, kind in session.execute(
            select(entry.seq, entry.application_id, entry.installment, entry.kind).where(span)
        )
    }
    for line in stored:
        own = [keys[seq] for seq in range(line.first_seq, line.last_seq + 1)]
        issued.reissued += sum(kind == REISSUE for _, _, kind in own)
        settlements = tuple(f"settlement/{app}/{k}" for app, k, _ in own)
        named = (line.reference, line.payee_uscc, line.payee_name, line.bank_name, line.account_no)
        issued.lines.append(Line(*named, line.amount_fen, line.purpose, settlements))
    return issued


def latest_file_id(session: Session, year: int) -> int | None:
    return session.execute(
        select(PaymentFile.id).where(PaymentFile.fiscal_year == year).order_by(PaymentFile.id.desc()).limit(1)
    ).scalar()


BANK_STATUS = {ISSUE: "in_transit", REISSUE: "in_transit", CLEAR: "cleared", BOUNCE: "returned"}
"""An installment's bank status (CONTRACT.md, payments export) by the last step of its money's trail."""


def bank_states(session: Session) -> dict[tuple[str, int], tuple[str, str]]:
    """(application, installment) → its bank status and the reference of the payment-file line that last carried
    it, for every installment that went to the bank; read in two queries."""
    entry = LedgerTransaction.__table__.c
    spans = sorted(session.execute(select(PaymentLine.first_seq, PaymentLine.last_seq, PaymentLine.reference)).tuples())
    starts = [first for first, _, _ in spans]
    trail = select(entry.seq, entry.kind, entry.application_id, entry.installment, entry.reverses_seq)
    found: dict[tuple[str, int], tuple[str, str]] = {}
    for seq, kind, app, number, followed in session.execute(
        trail.where(entry.kind.in_(list(BANK_STATUS))).order_by(entry.seq)
    ):
        sent = seq if kind in (ISSUE, REISSUE) else followed
        at = bisect_right(starts, sent) - 1
        found[(app, number)] = (BANK_STATUS[kind], spans[at][2] if at >= 0 and sent <= spans[at][1] else "")
    return found
