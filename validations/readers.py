"""Reading input files into a table of cell texts with English column names.

CSV (UTF-8, UTF-8 with BOM, GBK/GB18030: the encoding is decided once for the whole file), XLSX (first
sheet; Excel date cells), JSON Lines; English or Chinese headers. Whole-file problems raise InputFileError
naming the file and the problem; nothing of such a file is used.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from subsidy.errors import InputFileError
from validations.columns import KINDS, Column
from validations.values import cell_text, normalise_text

MAX_FILE_BYTES = 2 * 1024**3
MAX_CELL_CHARS = 16 * 1024**2  # a cell may be enormous (a pasted document); beyond this the file is refused
csv.field_size_limit(MAX_CELL_CHARS)


@dataclass
class RawTable:
    """Cell texts (None when empty) under English column names; ``row_numbers`` are the rows an operator sees
    in the spreadsheet (the header is row 1 unless blank rows precede it; blank rows count; JSON Lines: line + 1)."""

    file: str
    kind: str
    frame: pd.DataFrame
    row_numbers: list[int]
    encoding: str


def decode_csv(data: bytes, file: str) -> tuple[str, str]:
    """Decide the encoding of the whole file: a UTF-8 BOM, else strict UTF-8, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise InputFileError(file, f"starts with a UTF-8 mark but byte {e.start + 3} is not UTF-8") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as e:
        raise InputFileError(file, f"cannot be read as text: byte {e.start} is neither UTF-8 nor GBK/GB18030") from None


def header_map(headers: list[str], columns: tuple[Column, ...], file: str) -> list[str | None]:
    """English names for the file's headers (English or Chinese); None for a column the kind does not know."""
    by_name = {c.name: c.name for c in columns} | {c.zh: c.name for c in columns}
    mapped: list[str | None] = []
    seen: dict[str, str] = {}
    for header in headers:
        h = normalise_text(header.lstrip("\ufeff"))
        name = by_name.get(h) or by_name.get(h.lower())
        if name is not None:
            if name in seen:
                raise InputFileError(file, f"duplicate header: {seen[name]!r} and {header!r} both mean {name}")
            seen[name] = header
        mapped.append(name)
    missing = [c for c in columns if c.required and c.name not in seen]
    if missing:
        raise InputFileError(file, "missing required column(s): " + ", ".join(f"{c.name} ({c.zh})" for c in missing))
    return mapped


Numbered = list[tuple[int, list[object]]]


def _first_row_is_header(numbered: Numbered, file: str, empty: str) -> tuple[list[object], Numbered]:
    """Blank rows are skipped but keep their place in the numbering, so a quarantined row's number is the row
    an operator sees in the spreadsheet."""
    rows = [(n, r) for n, r in numbered if any(cell_text(c) is not None for c in r)]
    if not rows:
        raise InputFileError(file, empty)
    return rows[0][1], rows[1:]


def _csv_rows(text: str, file: str) -> tuple[list[object], Numbered]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise InputFileError(file, f"is not a readable CSV table ({e})") from None
    return _first_row_is_header([(n, list(r)) for n, r in enumerate(rows, 1)], file, "is empty: no header row")


def _xlsx_rows(data: bytes, file: str) -> tuple[list[object], Numbered]:
    import openpyxl

    # openpyxl fails on a damaged workbook with whatever its XML and zip layers raise (BadZipFile, KeyError,
    # ParseError, zlib.error, IndexError for a book without worksheets, ...): all of them mean "not readable".
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:
        raise InputFileError(file, f"is not a readable XLSX workbook ({e.__class__.__name__})") from None
    try:
        sheet = book.worksheets[0]
        # The stored dimension may be wrong (some writers put A1): read every row the sheet really has.
        sheet.reset_dimensions()
        rows = [(n, list(r)) for n, r in enumerate(sheet.iter_rows(min_row=1, values_only=True), 1)]
    except Exception as e:
        raise InputFileError(file, f"is not a readable XLSX workbook ({e.__class__.__name__})") from None
    finally:
        book.close()
    return _first_row_is_header(rows, file, "is empty: the first sheet has no header row")


def _jsonl_rows(text: str, file: str) -> tuple[list[object], Numbered]:
    """One JSON object per line; record on line *n* is row *n* + 1 (as if a header were row 1). Lines are split
    on newline only (JSON text may hold U+2028 and other Unicode line breaks), numbers and NaN/Infinity are kept
    as the text written, so amounts stay exact and ``NaN`` is bad data rather than an empty cell."""
    records: list[tuple[int, dict[str, object]]] = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, parse_int=str, parse_float=str, parse_constant=str)
        except json.JSONDecodeError as e:
            raise InputFileError(file, f"line {number} is not JSON ({e.msg})") from None
        except RecursionError:
            raise InputFileError(file, f"line {number} is nested too deeply to be a record") from None
        if not isinstance(record, dict):
            raise InputFileError(file, f"line {number} is not a JSON object")
        records.append((number + 1, record))
    if not records:
        raise InputFileError(file, "is empty: no JSON records")
    headers: list[object] = []
    for _, r in records:
        headers.extend(k for k in r if k not in headers)
    return headers, [(n, [r.get(str(h)) for h in headers]) for n, r in records]


def read_table(path: Path | str, kind: str) -> RawTable:
    """Read one input file of ``kind`` (applications, blacklist, registry, external_awards, case_decisions)."""
    path = Path(path)
    file = str(path)
    columns = KINDS[kind]
    try:
        if path.is_dir():
            raise InputFileError(file, "is a folder, not a file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputFileError(file, "is larger than 2 GiB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(file, "does not exist") from None
    except PermissionError:
        raise InputFileError(file, "cannot be read (permission denied)") from None
    except OSError as e:
        raise InputFileError(file, f"cannot be read ({e.strerror})") from None
    suffix = path.suffix.lower()
    encoding = "binary"
    if suffix in {".xlsx", ".xlsm"} or data.startswith(b"PK\x03\x04"):
        headers, body = _xlsx_rows(data, file)
        encoding = "xlsx"
    else:
        if b"\x00" in data[:4096]:
            raise InputFileError(file, "is binary, not a CSV, XLSX or JSON Lines table")
        text, encoding = decode_csv(data, file)
        if suffix in {".jsonl", ".ndjson", ".json"}:
            headers, body = _jsonl_rows(text, file)
        else:
            headers, body = _csv_rows(text, file)
    names = header_map([cell_text(h) or "" for h in headers], columns, file)
    width = len(names)
    keep = [(i, n) for i, n in enumerate(names) if n is not None]
    cells: dict[str, list[str | None]] = {n: [] for _, n in keep}
    for _, row in body:
        padded = list(row) + [None] * (width - len(row))
        for i, name in keep:
            cells[name].append(cell_text(padded[i]))
    absent = [None] * len(body)
    frame = pd.DataFrame({c.name: cells.get(c.name, absent) for c in columns}, dtype=object)
    return RawTable(file, kind, frame, [n for n, _ in body], encoding)
