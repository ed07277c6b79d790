"""Money out and back, step by step, as plain functions (the Prefect tasks of ``tasks.bank`` are these):

payment file
1. issue: under the run lock, the paid installments waiting for the bank go into a new payment file's lines, their
   issue entries posted (``ledger.payment_files``); one transaction. Nothing waiting: the latest file of the year
   is taken as it was issued, to be written again;
2. write the file (CSV or XLSX) from what was stored.

reconciliation
1. read the bank's return file: every row validated, a file with a bad row refused whole (nothing posted);
2. post the outcomes (``ledger.bank_returns``) under the run lock, in one transaction.

Nothing here starts Prefect: the ledger tests use these directly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.errors import InputFileError
from ledger.bank_files import rendered, write_payment_file
from ledger.bank_returns import Reconciled, ReturnRow, reconcile
from ledger.db import refresh_statistics
from ledger.inbox_files import store_inbox_files
from ledger.payment_files import IssuedFile, issue_payment_file, latest_file_id, stored_file
from tasks.anchored import anchored_run
from validations.files import validated_file
from validations.readers import read_file_bytes
from validations.schemas import BANK_STATUSES


@dataclass
class BankFile:
    """A payment file issued (or the latest one, when nothing new waited), where it was written and the SHA-256 of
    the bytes written."""

    issued: IssuedFile
    written: str | None
    checksum: str = ""


def issue(engine: Engine, year: int, on: date, file_format: str = "csv") -> IssuedFile:
    """Step 1 of a payment file: issued once, its SHA-256 that of its bytes in ``file_format`` (see the module)."""

    def step(session: Session) -> IssuedFile:
        issued = issue_payment_file(session, year, on, lambda f: rendered(f, file_format), file_format)
        latest = None if issued.file_id else latest_file_id(session, year)
        if latest is None:
            return issued
        written = stored_file(session, latest)
        written.held = issued.held  # who is held now, not when that file was issued
        return written

    issued = anchored_run(engine, step, lambda i: f"payment-file:{i.file_id}" if i.new else None)
    if issued.new:
        refresh_statistics(engine, {"ledger_transactions": sum(len(x.settlements) for x in issued.lines)})
    return issued


def default_out(issued: IssuedFile) -> Path:
    return Path("subsidy-payments") / f"PF{issued.file_id:05d}-{issued.fiscal_year}.{issued.file_format}"


def write(issued: IssuedFile, out: Path | None) -> BankFile:
    """Step 2: the file written, with the SHA-256 of its bytes (nothing written when no file of the year was ever
    issued)."""
    if not issued.file_id:
        return BankFile(issued, None)
    path = out or default_out(issued)
    checksum = write_payment_file(issued, path)
    return BankFile(issued, str(path.resolve()), checksum)


def read_return_file(path: str) -> tuple[list[ReturnRow], str]:
    """Step 1 of reconciliation: the file's rows (``return_rows``) and its checksum."""
    data = read_file_bytes(path)
    return return_rows(data, path), hashlib.sha256(data).hexdigest()


def return_rows(data: bytes, path: str) -> list[ReturnRow]:
    """The rows of a return file's bytes; a file with a bad row is refused, naming each (InputFileError)."""
    table = validated_file(data, Path(path).name, "bank_returns")
    if table.quarantined:
        problems = "; ".join(q.describe() for q in table.quarantined[:20])
        more = f" (and {len(table.quarantined) - 20} more)" if len(table.quarantined) > 20 else ""
        raise InputFileError(path, f"is refused, nothing was posted: {problems}{more}")
    return [
        ReturnRow(
            row=row,
            reference=r["reference"],
            amount=r["amount"],
            succeeded=BANK_STATUSES[r["status"].lower()],
            value_date=r["value_date"],
            reason=r["reason"] or "",
        )
        for row, r in zip(table.row_numbers, table.records(), strict=True)
    ]


def post_outcomes(
    engine: Engine, file: str, checksum: str, rows: list[ReturnRow], inbox: list[dict[str, Any]] | None = None
) -> Reconciled:
    """Step 2 of reconciliation: all of the file's outcomes posted in one transaction, or none; with ``inbox``, the
    inbox's record of the file in the same transaction."""

    def step(session: Session) -> Reconciled:
        result = reconcile(session, file, checksum, rows)
        store_inbox_files(session, None, inbox or [])
        return result

    return anchored_run(engine, step, lambda r: f"bank-return:{r.return_id}" if r.return_id else None)
