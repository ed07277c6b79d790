"""The payment file as the bank receives it (CONTRACT.md 'bank payment file'): CSV (UTF-8 with a byte-order mark, as
spreadsheets in China open it) or XLSX, one row per line with the columns ``reference, payee_uscc, payee_name,
bank_name, account_no, amount, purpose``; amounts in yuan with two decimals. The count, the total and the file's
SHA-256 are printed and kept with the file (``PaymentFile``), not written into it. The bytes are the same every time
a file is rendered (an XLSX's dates and its archive's times are the issue date), so a file written again has the
SHA-256 it was issued with. Cells a spreadsheet would run are neutralised as in every export."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import datetime
from pathlib import Path

from core.files import atomic_write_bytes
from ledger.exports import neutralise
from ledger.payment_files import IssuedFile
from rules.money import cny_of_fen

LINE_COLUMNS = ("reference", "payee_uscc", "payee_name", "bank_name", "account_no", "amount", "purpose")
FORMATS = ("csv", "xlsx")


def format_of(out: Path | None) -> str:
    """``xlsx`` for a file named ``*.xlsx``, else ``csv``."""
    return "xlsx" if out is not None and out.suffix.lower() == ".xlsx" else "csv"


def payment_file_rows(issued: IssuedFile) -> list[list[str]]:
    """The file's rows as text: the header, then one row per line."""
    lines = [
        [x.reference, x.payee_uscc, x.payee_name, x.bank_name, x.account_no, cny_of_fen(x.amount_fen), x.purpose]
        for x in issued.lines
    ]
    return [list(LINE_COLUMNS), *lines]


def rendered(issued: IssuedFile, file_format: str) -> bytes:
    """The file's bytes in ``file_format`` (``FORMATS``), the same for the same file every time."""
    rows = [[neutralise(cell) for cell in row] for row in payment_file_rows(issued)]
    if file_format == "xlsx":
        return _xlsx_bytes(rows, datetime.combine(issued.issued_on, datetime.min.time()))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_payment_file(issued: IssuedFile, out: Path) -> str:
    """Write the file (XLSX when ``out`` ends in ``.xlsx``, else CSV) in one step, a reader never seeing half of it;
    returns the SHA-256 of its bytes."""
    data = rendered(issued, format_of(out))
    atomic_write_bytes(out, data)
    return hashlib.sha256(data).hexdigest()


def _xlsx_bytes(rows: list[list[str]], issued: datetime) -> bytes:
    """One sheet, every cell a text cell (an account number keeps all its digits); the workbook's dates and the
    archive's entry times are ``issued``."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    book.properties.created = book.properties.modified = issued
    sheet = book.create_sheet("payments")
    for row in rows:
        sheet.append(row)
    saved = io.BytesIO()
    book.save(saved)
    fixed = io.BytesIO()
    stamp = (issued.year, issued.month, issued.day, 0, 0, 0)
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(zipfile.ZipInfo(item.filename, date_time=stamp), source.read(item.filename))
    return fixed.getvalue()
