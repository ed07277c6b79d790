"""Reading input files into a table of cell texts with English column names.

CSV (UTF-8, UTF-8 with BOM, GBK/GB18030: the encoding is decided once for the whole file), XLSX (first
sheet; Excel date cells), JSON Lines; English or Chinese headers. Whole-file problems raise InputFileError
naming the file and the problem; nothing of such a file is used.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import InputFileError
from core.files import refuse_special
from validations.columns import KINDS, Column
from validations.values import cell_text, normalise_text, quoted

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
    ragged: dict[int, str] = field(default_factory=dict)
    """Rows (by position in ``frame``) with a cell given beyond the header's last column, and what they hold
    there: bad data (CONTRACT.md 'Input files'), never silently cut to the header."""


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


def header_width(headers: Sequence[str | None]) -> int:
    """The header's columns up to its last one named (``headers``: cell texts, None when empty)."""
    return max((j + 1 for j, h in enumerate(headers) if h is not None), default=0)


def ragged_message(width: int, extra: list[tuple[int, str]]) -> str:
    """What a row holds beyond the header's ``width`` columns (``extra``: column number and text)."""
    cells = ", ".join(f"column {j}: {quoted(t)}" for j, t in extra[:3])
    more = f" and {len(extra) - 3} more" if len(extra) > 3 else ""
    return f"the row has more cells than the header ({width} columns): {cells}{more}"


def _extra_cells(row: Sequence[object], width: int) -> str | None:
    """``ragged_message`` of a row read row by row, None when nothing is given beyond the header. A row padded
    with empty cells (an XLSX row as wide as the sheet) costs two C-level counts."""
    if len(row) <= width:
        return None
    tail = row[width:]
    if tail.count(None) + tail.count("") == len(tail):
        return None
    extra = [(j, t) for j, c in enumerate(tail, width + 1) if (t := cell_text(c)) is not None]
    return ragged_message(width, extra) if extra else None


def _first_row_is_header(numbered: Numbered, file: str, empty: str) -> tuple[list[object], Numbered]:
    """Blank rows are skipped but keep their place in the numbering, so a quarantined row's number is the row
    an operator sees in the spreadsheet."""
    rows = [(n, r) for n, r in numbered if any(cell_text(c) is not None for c in r)]
    if not rows:
        raise InputFileError(file, empty)
    return rows[0][1], rows[1:]


def _csv_rows(text: str, file: str) -> tuple[list[object], Numbered]:
    """The csv module's reading of a CSV file: the way every CSV file is read, and the reference that
    ``_csv_chunks`` reproduces."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise InputFileError(file, f"is not a readable CSV table ({e})") from None
    return _first_row_is_header([(n, list(r)) for n, r in enumerate(rows, 1)], file, "is empty: no header row")


_BOM = b"\xef\xbb\xbf"
_LINE_BREAKS = re.compile(rb"[\r\n]*")


class WholeFileNeeded(Exception):
    """The CSV file must be read by the csv module, whole: pandas could read it otherwise (``_csv_chunks``)."""


def _csv_chunks(payload: bytes, encoding: str, file: str, kind: str, rows: int | None) -> Iterator[RawTable]:
    """The RawTables of a CSV file's rows, ``rows`` records at a time (None: all at once), as ``_csv_rows`` and
    ``_rows_table`` read it; WholeFileNeeded, before the first chunk or after any, when the file needs the csv
    module.

    ``payload`` is the file as UTF-8 (GB18030 files re-encoded), with the UTF-8 mark ``decode_csv`` found. The
    csv module decides whenever pandas could read the file otherwise: a NUL, a second mark after the first
    (pandas drops one), a shape pandas refuses, a cell longer than MAX_CELL_CHARS (csv refuses it with its
    own message), or no header row in the first chunk (the message for an empty file)."""
    # Blank lines before the header are left to count here: pandas would take the first as the table's width.
    start = 3 if encoding == "utf-8-sig" else 0
    breaks = _LINE_BREAKS.match(payload, start)
    end = breaks.end() if breaks else start
    skipped = len(payload[start:end].replace(b"\r\n", b"\n"))  # records of the csv module: \r, \n or \r\n
    if b"\x00" in payload or payload.startswith(_BOM, end):
        raise WholeFileNeeded
    fits = _cells_fit(payload)
    header: _Header | None = None
    first = 0  # the records before this chunk
    for records in _csv_records(payload[end:] if skipped else payload, rows):
        if not fits and max(max(map(len, cells), default=0) for cells in records) > MAX_CELL_CHARS:
            raise WholeFileNeeded
        try:
            given = [_given(cells) for cells in records]
        except TypeError:  # a cell that is not text: not what pandas gives with na_filter=False, but then csv decides
            raise WholeFileNeeded from None
        body = np.flatnonzero(np.logical_or.reduce(given))  # blank rows are skipped but keep their number
        if header is None:
            if len(body) == 0:
                raise WholeFileNeeded
            header = _Header.of(records, body[0], file, kind)
            body = body[1:]
        yield header.table(records, given, body, (body + first + 1 + skipped).tolist(), encoding)
        first += len(records[0])


@dataclass(frozen=True)
class _Header:
    """Where each column of a kind is in a CSV file's records, and the header's width."""

    file: str
    kind: str
    source: dict[str, int]
    width: int

    @classmethod
    def of(cls, records: list[np.ndarray], row: int, file: str, kind: str) -> _Header:
        headers = [cell_text(cells[row]) for cells in records]
        names = header_map([h or "" for h in headers], KINDS[kind], file)
        source = {name: j for j, name in enumerate(names) if name is not None}
        return cls(file, kind, source, header_width(headers))

    def table(
        self, records: list[np.ndarray], given: list[np.ndarray], body: np.ndarray, numbers: list[int], encoding: str
    ) -> RawTable:
        """The RawTable of the rows ``body`` of one chunk of records (``given``: which of their cells are)."""
        frame: dict[str, np.ndarray] = {}
        for column in KINDS[self.kind]:
            if column.name in self.source:
                j = self.source[column.name]
                frame[column.name] = cells = records[j][body]
                cells[~given[j][body]] = None
            else:
                frame[column.name] = np.full(len(body), None, dtype=object)
        ragged = _ragged_columns(records, given, body, self.width)
        # copy=False: each column keeps its own array instead of being copied into one block
        return RawTable(self.file, self.kind, pd.DataFrame(frame, dtype=object, copy=False), numbers, encoding, ragged)


def _ragged_columns(records: list[np.ndarray], given: list[np.ndarray], body: np.ndarray, width: int) -> dict[int, str]:
    """``RawTable.ragged`` of a table read column by column: the rows with a cell given beyond ``width``."""
    if width >= len(records):
        return {}
    beyond = np.logical_or.reduce([given[j][body] for j in range(width, len(records))])
    ragged: dict[int, str] = {}
    for pos in np.flatnonzero(beyond).tolist():
        extra = [(j + 1, str(records[j][body[pos]])) for j in range(width, len(records)) if given[j][body[pos]]]
        ragged[pos] = ragged_message(width, extra)
    return ragged


def _given(cells: np.ndarray) -> np.ndarray:
    """Which cell texts are given: cell_text is None for "" and for white space alone (str.isspace, true of
    exactly the texts that strip() empties)."""
    given = cells != ""
    texts = np.flatnonzero(given)
    given[texts] = ~np.fromiter(map(str.isspace, cells[texts]), dtype=bool, count=len(texts))
    return given


def _csv_records(payload: bytes, rows: int | None) -> Iterator[list[np.ndarray]]:
    """The records of a UTF-8 CSV as columns of cell texts, ``rows`` records at a time (None: all at once),
    read by pandas' C tokenizer; WholeFileNeeded when it refuses the file (a record longer than the first, a
    quote still open at the end, no columns at all, ...), which may come after some chunks.

    When it reads a file it reads it as the csv module does (tests/validations/test_fast_csv.py compares
    them): one row per record, blank records included, line breaks inside quotes kept in the cell, a short
    record padded with empty texts. Only a UTF-8 mark at the very start is dropped."""
    try:
        reader = pd.read_csv(
            io.BytesIO(payload),
            encoding="utf-8",
            engine="c",
            header=None,
            index_col=False,
            dtype=object,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            chunksize=rows or len(payload) + 1,
        )
        with reader:
            for frame in reader:
                yield [frame[c].to_numpy(dtype=object) for c in frame.columns]
                del frame
    except WholeFileNeeded:
        raise
    except Exception:  # pandas' reasons to refuse a file vary with the file and its version: csv decides
        raise WholeFileNeeded from None


_SEPARATORS = (b",", b"\n", b"\r")


def _cells_fit(payload: bytes) -> bool:
    """True when the bytes of a CSV file show that none of its cells is longer than MAX_CELL_CHARS (a cell
    has no more characters than bytes); False when the cells must be measured.

    Without a doubled quote in the file, a cell is a run of bytes without a separator, or a quoted part
    without a quote followed by such a run. If no such run is longer than half the limit, every cell fits;
    and a run that long would contain a whole aligned block of a quarter of the limit."""
    if len(payload) <= MAX_CELL_CHARS:
        return True
    needles: list[tuple[bytes, ...]] = [_SEPARATORS]
    if b'"' in payload:
        if b'""' in payload:
            return False
        needles.append((b'"',))
    block = max(1, MAX_CELL_CHARS // 4)
    return all(
        any(payload.find(needle, start, start + block) >= 0 for needle in group)
        for group in needles
        for start in range(0, len(payload) - block + 1, block)
    )


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
    """Read one input file of ``kind`` (applications, blacklist, registry, external_awards, case_decisions,
    onboardings)."""
    return parse_table(read_file_bytes(path), str(path), kind)


def read_file_bytes(path: Path | str) -> bytes:
    """The bytes of one input file, read once; InputFileError when it cannot be read."""
    path = Path(path)
    file = str(path)
    refuse_special(path)  # a FIFO or a device would block or never end: refused before it is opened
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
    return data


def parse_table(data: bytes, file: str, kind: str) -> RawTable:
    """The table of ``kind`` in the bytes of a file already read (``file`` names it in messages, its suffix
    tells the format): what ``read_table`` gives for the file, for a caller that reads each file once itself."""
    try:
        return next(table_chunks(data, file, kind, None))
    except WholeFileNeeded:
        return csv_module_table(data, file, kind)


def table_chunks(data: bytes, file: str, kind: str, rows: int | None) -> Iterator[RawTable]:
    """The table of ``kind`` in a file's bytes, ``rows`` records at a time (None: all at once): an XLSX or JSON
    Lines file as one chunk, a CSV file as pandas reads it, ending in WholeFileNeeded (perhaps after some chunks)
    when the csv module must read it whole (``csv_module_table``)."""
    if _is_xlsx(data, file):
        from validations.xlsx import xlsx_table  # streams the sheet; imports this module

        yield xlsx_table(data, file, kind)
        return
    if b"\x00" in data[:4096]:
        raise InputFileError(file, "is binary, not a CSV, XLSX or JSON Lines table")
    text, encoding = decode_csv(data, file)
    if _is_jsonl(file):
        yield _rows_table(file, kind, encoding, *_jsonl_rows(text, file))
        return
    payload = text.encode("utf-8") if encoding == "gb18030" else data
    del text  # not kept while pandas reads the bytes: decoded again if the csv module has to read the file
    yield from _csv_chunks(payload, encoding, file, kind, rows)


def csv_module_table(data: bytes, file: str, kind: str) -> RawTable:
    """A CSV file read whole by the csv module: the files pandas would read otherwise."""
    text, encoding = decode_csv(data, file)
    return _rows_table(file, kind, encoding, *_csv_rows(text, file))


def _is_xlsx(data: bytes, file: str) -> bool:
    return Path(file).suffix.lower() in {".xlsx", ".xlsm"} or data.startswith(b"PK\x03\x04")


def _is_jsonl(file: str) -> bool:
    return Path(file).suffix.lower() in {".jsonl", ".ndjson", ".json"}


def _rows_table(file: str, kind: str, encoding: str, headers: list[object], body: Numbered) -> RawTable:
    """The RawTable of a file read row by row: a header row and the numbered rows under it."""
    columns = KINDS[kind]
    texts = [cell_text(h) for h in headers]
    names = header_map([h or "" for h in texts], columns, file)
    width = len(names)
    keep = [(i, n) for i, n in enumerate(names) if n is not None]
    cells: dict[str, list[str | None]] = {n: [] for _, n in keep}
    ragged: dict[int, str] = {}
    named = header_width(texts)
    for pos, (_, row) in enumerate(body):
        padded = list(row) + [None] * (width - len(row))
        for i, name in keep:
            cells[name].append(cell_text(padded[i]))
        extra = _extra_cells(row, named)
        if extra is not None:
            ragged[pos] = extra
    absent = [None] * len(body)
    frame = pd.DataFrame({c.name: cells.get(c.name, absent) for c in columns}, dtype=object)
    return RawTable(file, kind, frame, [n for n, _ in body], encoding, ragged)
