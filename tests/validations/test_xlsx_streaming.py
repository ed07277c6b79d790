"""XLSX read as a stream (M5): a cell far to the right on every row is neither padded to 16,384 cells nor
dropped; the row is ragged, the memory that of the table; the same table from the file's bytes as from its path."""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest

from subsidy.sample import RENT_AND_PILOT_COLUMNS, make_uscc
from validations.batch import validate_table
from validations.readers import RawTable, read_table

HEADER = RENT_AND_PILOT_COLUMNS[:9]  # the columns every application has
XFD = 16384  # the last column a sheet may have
ROWS = 400


def _sheet(path: Path, header: Sequence[object], rows: Sequence[Sequence[object]]) -> Path:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in [header, *rows]:
        sheet.append(row)
    book.save(path)
    return path


def _far_row(cells: Sequence[object], far: object) -> list[object]:
    return [*cells, *[None] * (XFD - len(cells) - 1), far]


def _rows(n: int) -> list[list[object]]:
    rng = random.Random(16)
    return [[f"X-{i}", "A4-PILOT", make_uscc(rng), f"企业{i}", "2024-03-01", "是", "是", "ai", "是"] for i in range(n)]


def _peak_mib(path: Path) -> tuple[float, RawTable]:
    tracemalloc.start()
    try:
        table = read_table(path, "applications")
        return tracemalloc.get_traced_memory()[1] / 2**20, table
    finally:
        tracemalloc.stop()


def test_a_cell_at_column_xfd_on_every_row_is_not_padded_and_makes_the_row_ragged(tmp_path: Path) -> None:
    # Before: each row became 16,384 cells (twice, a tuple and a list): over 100 MiB for these 400 rows,
    # 2.7 GB and 132 s for 20,000.
    path = _sheet(tmp_path / "far.xlsx", HEADER, [_far_row(r, "x") for r in _rows(ROWS)])
    peak, raw = _peak_mib(path)
    assert peak < 10, f"{peak:.0f} MiB traced to read {ROWS} rows"
    assert raw.row_numbers == list(range(2, ROWS + 2))
    assert len(raw.ragged) == ROWS
    assert "column 16384: 'x'" in raw.ragged[0]
    table = validate_table(raw)
    assert len(table.frame) == 0 and len(table.quarantined) == ROWS


def test_a_header_named_at_column_xfd_keeps_the_memory_of_the_named_columns(tmp_path: Path) -> None:
    # An unknown column far to the right is within the header: its cells are not bad data, and not read either.
    header = _far_row(HEADER, "note")
    path = _sheet(tmp_path / "far-header.xlsx", header, [_far_row(r, "a note") for r in _rows(ROWS)])
    peak, raw = _peak_mib(path)
    assert peak < 10, f"{peak:.0f} MiB traced to read {ROWS} rows"
    assert raw.ragged == {}
    table = validate_table(raw)
    assert len(table.frame) == ROWS and table.quarantined == []


def test_cells_beyond_the_header_are_named_with_their_columns_and_blank_rows_keep_their_numbers(
    tmp_path: Path,
) -> None:
    rows = _rows(3)
    path = _sheet(
        tmp_path / "ragged.xlsx",
        [None, *HEADER],
        [[None, *rows[0], None, "extra"], [], [None, *rows[1]], [None, *rows[2], " "], [None] * 3 + ["only"]],
    )
    raw = read_table(path, "applications")
    assert raw.row_numbers == [2, 4, 5, 6]
    assert set(raw.ragged) == {0}
    assert "column 12: 'extra'" in raw.ragged[0]
    assert list(raw.frame["application_id"]) == ["X-0", "X-1", "X-2", None]


@pytest.mark.parametrize("name", ["a.xlsx", "a.csv", "a.jsonl"])
def test_the_table_from_the_bytes_read_is_the_table_from_the_path(tmp_path: Path, name: str) -> None:
    from validations.readers import parse_table

    rows = _rows(5)
    path = tmp_path / name
    if name.endswith(".xlsx"):
        _sheet(path, HEADER, rows)
    elif name.endswith(".csv"):
        lines = [",".join(HEADER), *(",".join(map(str, r)) for r in rows)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        path.write_text("\n".join(str(dict(zip(HEADER, r, strict=True))).replace("'", '"') for r in rows) + "\n")
    by_path = read_table(path, "applications")
    by_bytes = parse_table(path.read_bytes(), str(path), "applications")
    assert by_bytes.frame.equals(by_path.frame) and by_bytes.row_numbers == by_path.row_numbers
    assert (by_bytes.file, by_bytes.encoding, by_bytes.ragged) == (by_path.file, by_path.encoding, by_path.ragged)
