"""A file read and validated a chunk of rows at a time (validations.files) gives the table the whole file gives:
the same valid rows and values, row numbers, quarantined rows and the texts kept of repeated ids."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InputFileError
from subsidy.sample import make_uscc
from validations.batch import ValidatedTable, validate_table
from validations.files import validated_file
from validations.readers import parse_table, table_chunks

HEADER = "application_id,clause,uscc,name,submitted_on,business_in_minhang,tax_in_minhang,field,annual_rent,lease_start"
USCCS = [make_uscc(random.Random(n)) for n in range(3)]


def _row(app_id: str, uscc: str = USCCS[0], rent: str = "120000", day: str = "2024-03-01") -> str:
    return f"{app_id},A7-SITE,{uscc},闵行智造,{day},是,是,智能制造,{rent},2024-01-01"


def _summary(table: ValidatedTable) -> tuple[Any, ...]:
    return (
        table.records(),
        table.row_numbers,
        [(q.file, q.row, q.raw, q.columns, q.message) for q in table.quarantined],
        table.repeated_raw,
    )


def _whole(data: bytes, file: str) -> tuple[Any, ...] | str:
    try:
        return _summary(validate_table(parse_table(data, file, "applications")))
    except InputFileError as e:
        return str(e)


def _chunked(data: bytes, file: str, rows: int) -> tuple[Any, ...] | str:
    try:
        return _summary(validated_file(data, file, "applications", rows))
    except InputFileError as e:
        return str(e)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_file_in_chunks_is_the_file_whole(encoding: str) -> None:
    lines = ["", "", HEADER + ","]  # blank lines before the header keep their row numbers; an unnamed column
    lines += [_row(f"MK-{n}", USCCS[n % 3], str(100000 + n), f"2024-03-{1 + n % 28:02d}") for n in range(12)]
    lines[5] = _row("MK-2", rent="not money")  # a bad row
    lines[8] = ""  # a blank row in the middle (instead of MK-5)
    lines[9] = _row("MK-6") + ",extra"  # a cell under no header: quarantined
    lines += [_row("MK-0"), _row("MK-4", rent="100004"), _row("MK-7 ", rent="1")]  # ids given before, chunks away
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    whole = _whole(data, "a.csv")
    assert isinstance(whole, tuple) and len(whole[2]) == 2  # the bad row and the ragged one are quarantined
    assert len(whole[0]) == 12 and sorted(whole[3]) == [9, 10, 11]  # the repeated ids keep what was given
    assert whole[3][11]["application_id"] == "MK-7 "
    assert len(list(table_chunks(data, "a.csv", "applications", 4))) == 4  # 16 records, read by pandas
    for rows in (1, 2, 3, 4, 7, 100):
        assert _chunked(data, "a.csv", rows) == whole, rows


def test_a_file_pandas_refuses_after_a_chunk_is_read_whole() -> None:
    data = "\n".join([HEADER, _row("MK-1"), _row("MK-2"), _row("MK-3") + ',"open quote']).encode()
    assert _chunked(data, "b.csv", 1) == _whole(data, "b.csv")


PIECES = ["MK-1", "MK-2", " MK-1", "", " ", "是", "否", "x", "120000", "1,000", '"', '""', "\n", "\r\n", ",", "中"]
ROW = st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join)


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(ROW, st.builds(_row, st.sampled_from(["MK-1", "MK-2", "MK-3"]))), max_size=12), st.integers(1, 5)
)
def test_any_file_in_chunks_is_the_file_whole(body: list[str], rows: int) -> None:
    data = "\n".join([HEADER, *body]).encode()
    assert _chunked(data, "c.csv", rows) == _whole(data, "c.csv")


def test_a_file_of_another_format_is_read_whole(tmp_path: Path) -> None:
    data = b'{"application_id": "MK-1"}\n'
    assert _chunked(data, "d.jsonl", 1) == _whole(data, "d.jsonl")
