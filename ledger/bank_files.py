"""The payment file as the bank receives it (README 'Payments to the bank'): CSV (UTF-8 with a byte-order mark, as
spreadsheets in China open it) or XLSX by the file's suffix. Two blocks: a header row with the file's reference,
fiscal year, issue date, line count, total and checksum; then one row per line (per recipient and fiscal year) with
its reference, the account, the amount and the settlements it pays. Amounts in yuan with two decimals; the checksum
is ``ledger.payment_files.checksum_of``. Cells a spreadsheet would run are neutralised as in every export."""

from __future__ import annotations

import csv
from pathlib import Path

from core.files import atomic_write_bytes
from ledger.exports import neutralise
from ledger.payment_files import IssuedFile
from rules.money import cny_of_fen

HEADER_COLUMNS = ("file", "fiscal_year", "issued_on", "count", "total", "checksum")
LINE_COLUMNS = (
    "reference",
    "recipient_uscc",
    "fiscal_year",
    "account_name",
    "bank_name",
    "account_no",
    "amount",
    "settlements",
)


def payment_file_rows(issued: IssuedFile) -> list[list[str]]:
    """The file's rows as text: the header block, then the lines."""
    header = [
        f"PF{issued.file_id:05d}",
        str(issued.fiscal_year),
        issued.issued_on.isoformat(),
        str(len(issued.lines)),
        cny_of_fen(issued.total_fen),
        issued.checksum,
    ]
    lines = [
        [
            x.reference,
            x.recipient_uscc,
            str(x.fiscal_year),
            x.account_name,
            x.bank_name,
            x.account_no,
            cny_of_fen(x.amount_fen),
            ";".join(x.settlements),
        ]
        for x in issued.lines
    ]
    return [list(HEADER_COLUMNS), header, list(LINE_COLUMNS), *lines]


def write_payment_file(issued: IssuedFile, out: Path) -> Path:
    """Write the file (XLSX when ``out`` ends in ``.xlsx``, else CSV) in one step: a reader never sees half of it."""
    rows = [[neutralise(cell) for cell in row] for row in payment_file_rows(issued)]
    if out.suffix.lower() == ".xlsx":
        atomic_write_bytes(out, _xlsx_bytes(rows))
    else:
        atomic_write_bytes(out, _csv_text(rows).encode("utf-8-sig"))
    return out


def _csv_text(rows: list[list[str]]) -> str:
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _xlsx_bytes(rows: list[list[str]]) -> bytes:
    """One sheet; every cell a text cell (an account number keeps all its digits)."""
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("payments")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
