"""XLSX input read as a stream: the first sheet's XML row by row through openpyxl's read-only parser, each row
kept in the header's named columns only.

A sheet stores only the cells written, and openpyxl's ``iter_rows`` pads every row with empty cells up to its
last one: one cell at column XFD on every row made each row 16,384 cells (2.7 GB for 20,000 rows). Here
nothing is padded: the cells of a row are placed in the columns the kind knows, a cell given beyond the
header's last named column makes its row ragged (bad data, with the cells it holds there), and the memory is
that of the table read.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from core.errors import InputFileError
from validations.columns import KINDS
from validations.readers import Numbered, RawTable, _rows_table, header_map, header_width, ragged_message
from validations.values import cell_text

Cells = list[dict[str, Any]]  # openpyxl's parsed cells: {"column": n, "value": v, ...}, only those in the file


def _unreadable(file: str, e: Exception) -> InputFileError:
    # openpyxl fails on a damaged workbook with whatever its XML and zip layers raise (BadZipFile, KeyError,
    # ParseError, zlib.error, IndexError for a book without worksheets, ...): all of them mean "not readable".
    return InputFileError(file, f"is not a readable XLSX workbook ({e.__class__.__name__})")


def sheet_rows(sheet: Any) -> Iterator[tuple[int, Cells]]:
    """The rows of a read-only worksheet as its XML holds them: the row number and the cells written there.
    Every row of the XML is read (a stored dimension may be wrong); a row numbered below one already read is
    skipped, as openpyxl's own ``iter_rows`` does."""
    from openpyxl.worksheet._reader import WorkSheetParser

    book = sheet.parent
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=book.data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        following = 1
        for number, cells in parser.parse():
            if number >= following:
                following = number + 1
                yield number, cells


def _texts(cells: Cells) -> list[str | None]:
    """The cell texts of one row (the header) by column, up to its last cell."""
    texts: list[str | None] = [None] * max((c["column"] for c in cells), default=0)
    for c in cells:
        texts[c["column"] - 1] = cell_text(c["value"])
    return texts


def _table(rows: Iterator[tuple[int, Cells]], file: str, kind: str) -> RawTable:
    """The RawTable of a sheet's rows: the first row with a cell given is the header; blank rows are skipped but
    keep their number."""
    header = next((cells for _, cells in rows if any(cell_text(c["value"]) is not None for c in cells)), None)
    if header is None:
        raise InputFileError(file, "is empty: the first sheet has no header row")
    texts = _texts(header)
    names = header_map([t or "" for t in texts], KINDS[kind], file)
    named = header_width(texts)
    kept = [j for j, name in enumerate(names) if name is not None]
    slot = {j + 1: k for k, j in enumerate(kept)}  # sheet column → place in the row kept
    body: Numbered = []
    ragged: dict[int, str] = {}
    for number, cells in rows:
        values: list[object] = [None] * len(kept)
        extra: list[tuple[int, str]] = []
        given = False
        for c in cells:
            text = cell_text(c["value"])
            if text is None:
                continue
            given = True
            column = c["column"]
            if column in slot:
                values[slot[column]] = c["value"]
            elif column > named:
                extra.append((column, text))
        if given:
            if extra:
                ragged[len(body)] = ragged_message(named, extra)
            body.append((number, values))
    table = _rows_table(file, kind, "xlsx", [texts[j] for j in kept], body)
    table.ragged = ragged
    return table


def xlsx_table(data: bytes, file: str, kind: str) -> RawTable:
    """The table of an XLSX workbook's first sheet (Excel date cells as dates, formulas as their cached value)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:
        raise _unreadable(file, e) from None
    try:
        return _table(sheet_rows(book.worksheets[0]), file, kind)
    except InputFileError:
        raise
    except Exception as e:
        raise _unreadable(file, e) from None
    finally:
        book.close()
