"""Exports with exactly the columns of CONTRACT.md. Cells that a spreadsheet would run (= + - @, tab, CR at
the start) are neutralised with a leading apostrophe."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.journal import BatchWalk, journal_batches
from ledger.models import DecisionRecord, LedgerTransaction, QuarantineRecord, TransactionKind
from ledger.payment_files import bank_states
from ledger.posting import GENESIS_HASH
from ledger.recoveries import RECOVERY_COLUMNS, recovery_rows
from rules.model import Reason, Status
from rules.money import cny, from_fen

DECISION_COLUMNS = ["application_id", "clause", "uscc", "status", "reasons", "award_total", "recipient_uscc"]
PAYMENT_COLUMNS = [
    "application_id",
    "clause",
    "recipient_uscc",
    "fiscal_year",
    "installment",
    "amount",
    "status",
    "reasons",
    "bank_status",
    "bank_reference",
]
LEDGER_COLUMNS = [
    "seq",
    "posted_at",
    "business_key",
    "kind",
    "application_id",
    "installment",
    "clause",
    "fiscal_year",
    "recipient_uscc",
    "line",
    "account",
    "debit",
    "credit",
    "amount",
    "reasons",
    "reverses_seq",
    "source",
    "prev_hash",
    "entry_hash",
]
QUARANTINE_COLUMNS = ["file", "row", "application_id", "clause", "uscc", "reason", "columns", "message"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
"""A signed decimal number: a spreadsheet reads it as the number it is, so it is written as it is."""


def neutralise(value: Any) -> str:
    """A cell as text that a spreadsheet shows but never evaluates (a signed number stays as it is)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text) else text


def write_csv(path: Path | str, columns: list[str], rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([neutralise(row.get(c)) for c in columns])
            count += 1
    return count


def decision_fields(d: DecisionRecord) -> dict[str, Any]:
    """A stored decision in the contract's words (the decisions export's columns); the recipient only for an
    approved award."""
    return {
        "application_id": d.application_id,
        "clause": d.clause,
        "uscc": d.uscc,
        "status": d.status,
        "reasons": d.reasons,
        "award_total": cny(from_fen(d.award_total_fen)),
        "recipient_uscc": d.recipient_uscc if d.status == Status.APPROVED.value else "",
    }


def decision_rows(session: Session) -> Iterator[dict[str, Any]]:
    """One row per application ever ingested: its decision, or ``quarantined`` when it never got one."""
    decided: set[str] = set()
    for d in session.execute(select(DecisionRecord).order_by(DecisionRecord.application_id)).scalars():
        decided.add(d.application_id)
        yield decision_fields(d)
    latest: dict[str, QuarantineRecord] = {}
    unnamed: list[QuarantineRecord] = []
    for q in session.execute(
        select(QuarantineRecord)
        .where(QuarantineRecord.reason == Reason.INVALID_DATA.value)
        .order_by(QuarantineRecord.id)
    ).scalars():
        if not q.application_id:
            unnamed.append(q)
        elif q.application_id not in decided:
            latest[q.application_id] = q
    for q in [latest[k] for k in sorted(latest)] + unnamed:
        yield {
            "application_id": q.application_id or "",
            "clause": q.clause or "",
            "uscc": q.uscc or "",
            "status": Status.QUARANTINED.value,
            "reasons": q.reason,
            "award_total": "0.00",
            "recipient_uscc": "",
        }


def payment_rows(session: Session) -> Iterator[dict[str, Any]]:
    """One row per installment a cycle paid or forfeited, with where its money stands at the bank (empty: not sent;
    ``in_transit``, ``cleared``, ``returned``) and the payment-file line that last carried it."""
    banked = bank_states(session)
    query = (
        select(LedgerTransaction)
        .where(LedgerTransaction.kind.in_([TransactionKind.PAYMENT.value, TransactionKind.FORFEIT.value]))
        .order_by(LedgerTransaction.fiscal_year, LedgerTransaction.application_id, LedgerTransaction.installment)
    )
    for t in session.execute(query).scalars():
        bank = banked.get((t.application_id or "", t.installment or 0), ("", ""))
        yield {
            "application_id": t.application_id,
            "clause": t.clause,
            "recipient_uscc": t.recipient_uscc,
            "fiscal_year": t.fiscal_year,
            "installment": t.installment,
            "amount": cny(from_fen(t.amount_fen)),
            "status": "paid" if t.kind == TransactionKind.PAYMENT.value else "forfeited",
            "reasons": t.reasons,
            "bank_status": bank[0],
            "bank_reference": bank[1],
        }


def ledger_rows(session: Session) -> Iterator[dict[str, Any]]:
    """Every ledger entry as its two lines: line 1 the debit, line 2 the credit; with its hash and the hash of the
    entry before it (its chain link, read in order)."""
    query = select(LedgerTransaction).order_by(LedgerTransaction.seq).execution_options(yield_per=5000)
    walk = BatchWalk(journal_batches(session))
    prev = GENESIS_HASH
    for t in session.execute(query).scalars():
        batch = walk.of(t.seq)
        posted_at, source = (batch.posted_at.isoformat(), batch.source) if batch is not None else ("", "")
        for line, account, debit, credit in (
            (1, t.debit_account, t.amount_fen, 0),
            (2, t.credit_account, 0, t.amount_fen),
        ):
            yield {
                "seq": t.seq,
                "posted_at": posted_at,
                "business_key": t.business_key,
                "kind": t.kind,
                "application_id": t.application_id,
                "installment": t.installment,
                "clause": t.clause,
                "fiscal_year": t.fiscal_year,
                "recipient_uscc": t.recipient_uscc,
                "line": line,
                "account": account,
                "debit": cny(from_fen(debit)),
                "credit": cny(from_fen(credit)),
                "amount": cny(from_fen(t.amount_fen)),
                "reasons": t.reasons,
                "reverses_seq": t.reverses_seq,
                "source": source,
                "prev_hash": prev,
                "entry_hash": t.entry_hash,
            }
        prev = t.entry_hash


def quarantine_rows(session: Session) -> Iterator[dict[str, Any]]:
    for q in session.execute(select(QuarantineRecord).order_by(QuarantineRecord.id)).scalars():
        yield {
            "file": q.file,
            "row": q.row,
            "application_id": q.application_id,
            "clause": q.clause,
            "uscc": q.uscc,
            "reason": q.reason,
            "columns": q.columns,
            "message": q.message,
        }


EXPORTS = {
    "decisions": (DECISION_COLUMNS, decision_rows),
    "payments": (PAYMENT_COLUMNS, payment_rows),
    "ledger": (LEDGER_COLUMNS, ledger_rows),
    "quarantine": (QUARANTINE_COLUMNS, quarantine_rows),
    "recoveries": (RECOVERY_COLUMNS, recovery_rows),
}
