"""The fast paths of reading and validating give exactly what the plain ones give.

``read_table`` reads a CSV file with pandas' C tokenizer and builds the table column by column; the csv module
(``_csv_rows``) with ``_rows_table`` is the reference it must reproduce cell for cell, row number for row number,
and error for error (it falls back to it for any file pandas would read differently). The value parsers, the
USCC check and the clause rule have vectorised or shortcut forms that are compared with the plain ones here.
"""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InputFileError
from rules.clauses import CLAUSES
from subsidy.sample import make_uscc
from validations import readers
from validations.batch import _parse_column
from validations.columns import APPLICATIONS, BLACKLIST, KINDS, Column
from validations.readers import RawTable, WholeFileNeeded, _csv_chunks, _csv_rows, _rows_table, decode_csv, read_table
from validations.schemas import CLAUSE_REQUIRED, _uscc_check, clause_incomplete, missing_for_clause, uscc_checks
from validations.values import PARSERS, BadValue, _parse_any_amount, parse_amount

FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Everything the two readers could disagree on: separators, quotes, every kind of line break and white space
# (str.isspace and Unicode line separators), byte-order marks, full-width and Chinese text.
PIECES = [",", ",", '"', '""', "\n", "\r", "\r\n", " ", "\t", "\x0b", "\x0c", "\x1c", "\x85", "\xa0"]
PIECES += ["\u2028", "\u3000", "\ufeff", "a", "B", "1", "中", "闵行", "¥", "=", "'", "#", "\\"]
CSV_TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def _fast_csv_table(payload: bytes, encoding: str, file: str, kind: str) -> RawTable | None:
    """The fast path's table of a whole CSV file, None when it leaves the file to the csv module."""
    try:
        return next(_csv_chunks(payload, encoding, file, kind, None))
    except WholeFileNeeded:
        return None


def _reference(path: Path, kind: str) -> RawTable | str:
    """What the csv module reads (or the whole-file problem it finds)."""
    data = path.read_bytes()
    try:
        text, encoding = decode_csv(data, str(path))
        return _rows_table(str(path), kind, encoding, *_csv_rows(text, str(path)))
    except InputFileError as e:
        return str(e)


def _read(path: Path, kind: str) -> RawTable | str:
    try:
        return read_table(path, kind)
    except InputFileError as e:
        return str(e)


def _assert_same(got: RawTable | str, expected: RawTable | str) -> None:
    if isinstance(expected, str) or isinstance(got, str):
        assert got == expected
        return
    assert isinstance(got, RawTable) and isinstance(expected, RawTable)
    assert (got.file, got.kind, got.encoding, got.row_numbers, got.ragged) == (
        expected.file,
        expected.kind,
        expected.encoding,
        expected.row_numbers,
        expected.ragged,
    )
    assert list(got.frame.columns) == list(expected.frame.columns)
    assert list(got.frame.dtypes) == list(expected.frame.dtypes) == [np.dtype(object)] * len(got.frame.columns)
    assert got.frame.index.equals(expected.frame.index)
    for name in got.frame.columns:
        cells, wanted = got.frame[name].tolist(), expected.frame[name].tolist()
        assert cells == wanted, name
        assert [type(c) for c in cells] == [type(c) for c in wanted], name


def _header(columns: tuple[Column, ...], chinese: bool) -> str:
    return ",".join(c.zh if chinese else c.name for c in columns)


@pytest.mark.parametrize("kind", ["blacklist", "applications"])
@FUZZ
@given(
    head=st.sampled_from(["", "\n", "\r\n \n", ",,,,\n"]),
    chinese=st.booleans(),
    body=CSV_TEXT,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_any_csv_reads_as_the_csv_module_reads_it(
    tmp_path: Path, kind: str, head: str, chinese: bool, body: str, encoding: str
) -> None:
    text = head + _header(KINDS[kind], chinese) + "\n" + body
    path = tmp_path / "fuzz.csv"
    path.write_bytes(text.encode(encoding))
    _assert_same(_read(path, kind), _reference(path, kind))


@FUZZ
@given(text=CSV_TEXT)
def test_any_text_reads_as_the_csv_module_reads_it(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(text.encode("utf-8"))
    _assert_same(_read(path, "blacklist"), _reference(path, "blacklist"))


def _rows(n: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        cells = [f"A-{i}", rng.choice(list(CLAUSES)), make_uscc(rng), f"企业 {i}", "2024-03-01", "", ""]
        cells += [rng.choice(["是", " 否 ", "true", "\u3000", ""]), "是", rng.choice(["ai", "其他", "robots"])]
        cells += [rng.choice(["", "  ", "1,234", '"quoted"', "multi\nline", "¥5万"]) for _ in APPLICATIONS[10:]]
        rows.append(cells)
    return rows


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_an_ordinary_file_takes_the_fast_path_and_reads_the_same(tmp_path: Path, encoding: str, line_end: str) -> None:
    rows = _rows(300)
    rows[5] = []  # a blank row keeps its number
    rows[9] = rows[9][:4]  # a short row
    path = tmp_path / "a.csv"
    with path.open("w", encoding=encoding, newline="") as f:
        f.write(line_end)  # a blank line before the header
        writer = csv.writer(f, lineterminator=line_end)
        writer.writerow([c.zh for c in APPLICATIONS])
        writer.writerows(rows)
    data = path.read_bytes()
    text, found = decode_csv(data, str(path))
    assert found == encoding
    payload = text.encode("utf-8") if found == "gb18030" else data
    assert _fast_csv_table(payload, found, str(path), "applications") is not None
    expected = _reference(path, "applications")
    _assert_same(_read(path, "applications"), expected)
    assert isinstance(expected, RawTable) and expected.row_numbers[0] == 3  # after the blank line and the header


def test_files_pandas_reads_otherwise_go_to_the_csv_module(tmp_path: Path) -> None:
    header = _header(BLACKLIST, False)
    cases = {
        "longer row": f"{header}\nx,2024-01-01,,,extra\n",
        "quote left open": f'{header}\nx,"2024-01-01\n',
        "second mark": f"\ufeff\n{header}\nx,2024-01-01\n",
        "NUL": header + "\n" + "x" * 5000 + "\x00,2024-01-01\n",
        "blank only": "\n \n,,\n",
    }
    for name, text in cases.items():
        path = tmp_path / f"{name}.csv"
        encoding = "utf-8-sig" if name == "second mark" else "utf-8"
        path.write_bytes(text.encode(encoding))
        payload = path.read_bytes()
        assert _fast_csv_table(payload, encoding, str(path), "blacklist") is None, name
        _assert_same(_read(path, "blacklist"), _reference(path, "blacklist"))


@FUZZ
@given(text=CSV_TEXT.filter(lambda t: "\x00" not in t), limit=st.integers(1, 12))
def test_the_cell_limit_is_kept_with_or_without_measuring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, limit: int
) -> None:
    """With a tiny limit: whenever the bytes alone say every cell fits, every cell does; and a file with a
    longer cell is refused with the csv module's message."""
    monkeypatch.setattr(readers, "MAX_CELL_CHARS", limit)
    previous = csv.field_size_limit(limit)
    try:
        if readers._cells_fit(text.encode("utf-8")):
            list(csv.reader(io.StringIO(text, newline="")))  # no cell over the limit: no csv.Error
        path = tmp_path / "limit.csv"
        path.write_bytes(("uscc,listed_on\n" + text).encode("utf-8"))
        _assert_same(_read(path, "blacklist"), _reference(path, "blacklist"))
    finally:
        csv.field_size_limit(previous)


# ------------------------------------------------------------------------------------------------ values

AMOUNT_TEXT = st.lists(
    st.sampled_from([*"0123456789", *"0123456789", ".", ",", "¥", "万", "元", "万元", "-", " ", "１", "e", "RMB"]),
    max_size=24,
).map("".join)


def _amount_outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        value = parse(text)
    except BadValue as e:
        return "bad", str(e)
    assert type(value) is Decimal
    return "ok", value.as_tuple()


@FUZZ
@given(text=st.one_of(AMOUNT_TEXT, st.text(max_size=12)))
def test_the_amount_shortcuts_give_the_value_and_the_message_of_the_full_parser(text: str) -> None:
    assert _amount_outcome(parse_amount, text) == _amount_outcome(_parse_any_amount, text)


def _misspelt_uscc(seed: int, at: int, char: str) -> str:
    code = make_uscc(random.Random(seed))
    return code[:at] + char + code[at + 1 :]


USCC_LIKE = st.one_of(
    st.builds(lambda seed: make_uscc(random.Random(seed)), st.integers()),
    st.builds(_misspelt_uscc, st.integers(), st.integers(0, 17), st.sampled_from([*"0189ABHIOSVZa", "中", "１"])),
    st.text(max_size=20),
    st.none(),
    st.integers(),
)


@FUZZ
@given(values=st.lists(USCC_LIKE, max_size=20))
def test_the_batch_uscc_check_agrees_with_the_one_code_check(values: list[Any]) -> None:
    assert uscc_checks(values).tolist() == [_uscc_check(v) for v in values]


def _plain_parse(texts: list[str | None], column: Column) -> tuple[list[Any], dict[int, str]]:
    """Every cell parsed by itself."""
    values: list[Any] = []
    errors: dict[int, str] = {}
    for pos, text in enumerate(texts):
        try:
            values.append(None if text is None else PARSERS[column.type](text))
        except BadValue as e:
            values.append(None)
            errors[pos] = str(e)
    return values, errors


SAMPLE_TEXTS = ["A2", " a2 ", "A9", "2024-03-01", "2024-02-30", "是", "maybe", "1,234", "12.5", "¥3万", "x", "  x "]


@pytest.mark.parametrize(
    "column", [c for c in APPLICATIONS if c.type in {"text", "clause", "date", "bool", "amount", "headcount"}]
)
@FUZZ
@given(texts=st.lists(st.one_of(st.none(), st.sampled_from(SAMPLE_TEXTS), st.text(max_size=6)), max_size=30))
def test_parsing_a_column_by_its_distinct_texts_is_parsing_every_cell(column: Column, texts: list[str | None]) -> None:
    values, errors = _parse_column(pd.Series(texts, dtype=object), column)
    expected_values, expected_errors = _plain_parse(texts, column)
    assert values.tolist() == expected_values
    assert [type(v) for v in values.tolist()] == [type(v) for v in expected_values]
    assert errors == expected_errors


@FUZZ
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {"clause": st.one_of(st.none(), st.sampled_from(list(CLAUSES)))}
            | {
                name: st.sampled_from([None, 1, Decimal("2.5"), "x"])
                for name in sorted({n for v in CLAUSE_REQUIRED.values() for n in v})
            }
        ),
        max_size=25,
    ),
    drop=st.sampled_from([None, "lease_start", "claim_year"]),
)
def test_the_clause_rule_on_a_whole_frame_is_the_rule_on_each_row(rows: list[dict[str, Any]], drop: str | None) -> None:
    frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame({"clause": []}, dtype=object)
    if drop is not None and drop in frame.columns:
        frame = frame.drop(columns=[drop])
    expected = [bool(missing_for_clause(SimpleNamespace(**row))) for row in frame.to_dict("records")]
    assert clause_incomplete(frame).tolist() == expected
