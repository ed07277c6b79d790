"""Fuzzing what enters the system (hypothesis).

Value parsers: whatever the text, a parser returns a value of its type or raises ``BadValue``; an amount is a
finite, exact Decimal. Readers and validation: whatever the bytes or cells, only ``InputFileError`` escapes,
and every row read ends either valid or quarantined (rows read = valid + quarantined), under its own number.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import random
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InputFileError
from rules.clauses import CLAUSES, SupportKind
from subsidy.sample import make_uscc
from validations.batch import ValidatedTable, validate_table
from validations.columns import KINDS
from validations.readers import RawTable, read_table
from validations.schemas import uscc_is_valid
from validations.values import CERT_LEVELS, ENTITY_TYPES, FIELDS, PARSERS, TITLE_LEVELS, BadValue, quoted

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SLOW_FUZZ = settings(FUZZ, max_examples=60)

USCC = [make_uscc(random.Random(seed)) for seed in range(3)]
FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")

# ------------------------------------------------------------------------------------------- value parsers

NUMBERISH = st.from_regex(r"[+-]?[0-9,]{0,20}(\.[0-9]{0,30})?([eE][+-]?[0-9]{1,12})?(万元|万|元)?", fullmatch=True)
SPELLINGS = st.text(alphabet="0123456789０１２３.,，-+eE万元¥￥ 　年月日/TtNnaAIiFfYy是否\t", max_size=30)
ANY_TEXT = st.one_of(st.text(), SPELLINGS, NUMBERISH)

RESULT_SETS: dict[str, set[str]] = {
    "clause": set(CLAUSES),
    "field": set(FIELDS),
    "entity_type": set(ENTITY_TYPES),
    "title_level": set(TITLE_LEVELS),
    "cert_level": set(CERT_LEVELS),
    "kind": {k.value for k in SupportKind},
}
RESULT_TYPES: dict[str, type] = {
    "text": str,
    "uscc": str,
    "date": date,
    "bool": bool,
    "amount": Decimal,
    "headcount": int,
    "claim_year": int,
    "onboarded_count": int,
}


def test_every_parser_is_fuzzed() -> None:
    assert set(PARSERS) == set(RESULT_SETS) | set(RESULT_TYPES)


@pytest.mark.parametrize("name", sorted(PARSERS))
@FUZZ
@given(text=ANY_TEXT)
def test_a_parser_returns_a_value_of_its_type_or_raises_bad_value(name: str, text: str) -> None:
    try:
        value = PARSERS[name](text)
    except BadValue as e:
        assert str(e).startswith(quoted(text))
        return
    if name in RESULT_SETS:
        assert value in RESULT_SETS[name]
    else:
        assert type(value) is RESULT_TYPES[name]
    if name == "amount":
        assert value.is_finite()
        assert abs(value) < Decimal("1e16")
        assert not value.is_signed() or value != 0


AMOUNTS = st.decimals(min_value=0, max_value=10**12, places=4, allow_nan=False, allow_infinity=False)


@FUZZ
@given(amount=AMOUNTS, spelling=st.sampled_from(["plain", "commas", "yen", "wan", "wanyuan", "full-width"]))
def test_every_amount_spelling_parses_to_the_exact_decimal(amount: Decimal, spelling: str) -> None:
    text = {
        "plain": str(amount),
        "commas": f"{amount:,}",
        "yen": f"¥{amount:,}",
        "wan": f"{amount.scaleb(-4)}万",
        "wanyuan": f"{amount.scaleb(-4)}万元",
        "full-width": f"{amount:,}".translate(FULL_WIDTH),
    }[spelling]
    parsed = PARSERS["amount"](text)
    assert parsed == amount
    assert parsed.as_tuple().exponent <= 0  # written out, never 1.2E+6


@FUZZ
@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    spelling=st.sampled_from(
        ["{d.year}-{d.month:02}-{d.day:02}", "{d.year}/{d.month}/{d.day}", "{d.year}年{d.month}月{d.day}日"]
    ),
)
def test_every_date_spelling_parses_to_the_day(day: date, spelling: str) -> None:
    assert PARSERS["date"](spelling.format(d=day)) == day


@FUZZ
@given(number=st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1), commas=st.booleans())
def test_whole_numbers_parse_with_or_without_commas(number: int, commas: bool) -> None:
    assert PARSERS["claim_year"](f"{number:,}" if commas else str(number)) == number


@FUZZ
@given(seed=st.integers(), left=st.sampled_from(["", " ", "\t", "　"]), right=st.sampled_from(["", " ", "\u3000"]))
def test_a_valid_uscc_in_any_case_and_spacing_normalises_to_itself(seed: int, left: str, right: str) -> None:
    uscc = make_uscc(random.Random(seed))
    parsed = PARSERS["uscc"](f"{left}{uscc.lower()}{right}")
    assert parsed == uscc
    assert uscc_is_valid(parsed)


# --------------------------------------------------------------------------------- readers and validation


def _accounted(raw: RawTable, table: ValidatedTable) -> None:
    """Every row read is either valid or quarantined, each under its own spreadsheet row number."""
    assert len(raw.frame) == len(raw.row_numbers) == len(table.frame) + len(table.quarantined)
    assert len(table.frame) == len(table.row_numbers)
    assert all(0 <= pos < len(table.frame) for pos in table.repeated_raw)
    assert sorted(table.row_numbers + [q.row for q in table.quarantined]) == raw.row_numbers
    assert raw.row_numbers == sorted(set(raw.row_numbers)) and all(n >= 2 for n in raw.row_numbers)
    for q in table.quarantined:
        assert q.columns and q.message and q.file == raw.file


def _read_and_validate(path: Path, kind: str) -> tuple[RawTable, ValidatedTable] | None:
    try:
        raw = read_table(path, kind)
    except InputFileError as e:
        assert e.file == str(path) and str(e).startswith(f"{path}: ") and e.problem
        return None
    table = validate_table(raw)
    _accounted(raw, table)
    return raw, table


def _header_line(kind: str, chinese: bool) -> str:
    return ",".join(c.zh if chinese else c.name for c in KINDS[kind])


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
@pytest.mark.parametrize("kind", sorted(KINDS))
@FUZZ
@given(data=st.data())
def test_random_bytes_only_raise_input_file_error(tmp_path: Path, kind: str, suffix: str, data: Any) -> None:
    head = data.draw(
        st.sampled_from(
            [b"", _header_line(kind, False).encode() + b"\n", _header_line(kind, True).encode("gb18030") + b"\n"]
        )
    )
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(head + data.draw(st.binary(max_size=600)))
    _read_and_validate(path, kind)


@functools.cache
def _workbook_bytes(kind: str) -> bytes:
    """A valid workbook of ``kind``, made once (openpyxl stamps the time, and hypothesis needs the same bytes)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([c.name for c in KINDS[kind]])
    sheet.append([USCC[0] if c.type == "uscc" else "2024-01-01" if c.type == "date" else "1" for c in KINDS[kind]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", sorted(KINDS))
@SLOW_FUZZ
@given(data=st.data())
def test_damaged_workbooks_only_raise_input_file_error(tmp_path: Path, kind: str, data: Any) -> None:
    original = _workbook_bytes(kind)
    how = data.draw(st.sampled_from(["flip", "truncate", "sheet"]))
    if how == "flip":
        content = bytearray(original)
        for pos in data.draw(st.lists(st.integers(0, len(content) - 1), min_size=1, max_size=8)):
            content[pos] = data.draw(st.integers(0, 255))
        content = bytes(content)
    elif how == "truncate":
        content = original[: data.draw(st.integers(0, len(original) - 1))]
    else:
        with zipfile.ZipFile(io.BytesIO(original)) as src:
            members = {n: src.read(n) for n in src.namelist()}
        members["xl/worksheets/sheet1.xml"] = (
            data.draw(st.binary(max_size=300)) or members["xl/worksheets/sheet1.xml"][: data.draw(st.integers(0, 400))]
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            for name, member in members.items():
                z.writestr(name, member)
        content = buffer.getvalue()
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(content)
    _read_and_validate(path, kind)


SAMPLES: dict[str, list[str]] = {
    "text": ["APP-1", "闵行智造", "=1+1", "'; DROP TABLE x;--"],
    "clause": [*CLAUSES, "a2", "Ａ２", "A9"],
    "uscc": [*USCC, USCC[0].lower(), f" {USCC[1]} ", USCC[2][:-1] + "0"],
    "date": ["2024-03-01", "2024/3/1", "2024年3月1日", "2024-02-30", "1999-12-31", "2101-01-01"],
    "bool": ["是", "否", "true", "0", "Y", "maybe"],
    "amount": ["1,234.5", "123.4万", "１２３", "¥1,000", "-1", "1e400", "inf", "NaN", "1000000000000.01"],
    "headcount": ["0", "50", "1000000", "1000001", "-1", "3.5"],
    "claim_year": ["2024", "1999", "2101", "2,024"],
    "onboarded_count": ["0", "120", "10000001", "-3"],
    "field": [*FIELDS, *FIELDS.values(), "robots"],
    "entity_type": [*ENTITY_TYPES, *ENTITY_TYPES.values(), "charity"],
    "title_level": [*TITLE_LEVELS, *TITLE_LEVELS.values(), "省级"],
    "cert_level": [*CERT_LEVELS, *CERT_LEVELS.values(), "gold"],
    "kind": [*(k.value for k in SupportKind), "grant"],
}
RANDOM_TEXT = st.text(alphabet=st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=12)
# What openpyxl can store as text: no control characters or non-characters (invalid XML), no leading '='
# (written as a formula, read back as its missing cached value).
SHEET_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs", "Cn")), max_size=12).map(
    lambda t: t.lstrip("=")
)


def _cell(type_: str, text: st.SearchStrategy[str] = RANDOM_TEXT) -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), st.sampled_from(SAMPLES[type_]), text)


def _rows(kind: str, text: st.SearchStrategy[str] = RANDOM_TEXT) -> st.SearchStrategy[list[list[str]]]:
    """Rows of random cells, some of them wholly blank (a blank row keeps its place in the numbering)."""
    width = len(KINDS[kind])
    row = st.tuples(*(_cell(c.type, text) for c in KINDS[kind])).map(list)
    return st.lists(st.one_of(row, st.just([""] * width)), max_size=6)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@pytest.mark.parametrize("kind", sorted(KINDS))
@FUZZ
@given(data=st.data())
def test_random_csv_cells_lose_no_row(tmp_path: Path, kind: str, data: Any) -> None:
    rows = data.draw(_rows(kind))
    chinese, encoding = data.draw(st.booleans()), data.draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([c.zh if chinese else c.name for c in KINDS[kind]])
    writer.writerows(rows)
    path = tmp_path / "fuzz.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    result = _read_and_validate(path, kind)
    assert result is not None, "a CSV with a full header and any cells is a readable table"
    raw, _ = result
    if raw.encoding != "utf-8" or encoding != "gb18030":  # GB18030 bytes that happen to be UTF-8 read as such
        assert raw.row_numbers == [n for n, row in enumerate(rows, 2) if not all(_blank(v) for v in row)]


JSON_VALUE = st.one_of(
    st.none(),
    RANDOM_TEXT,
    st.booleans(),
    st.integers(),
    st.floats(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@pytest.mark.parametrize("kind", sorted(KINDS))
@FUZZ
@given(data=st.data())
def test_random_json_lines_lose_no_record(tmp_path: Path, kind: str, data: Any) -> None:
    chinese = data.draw(st.booleans())
    columns = KINDS[kind]
    records = data.draw(
        st.lists(
            st.fixed_dictionaries(
                {c.zh if chinese else c.name: st.one_of(_cell(c.type), JSON_VALUE) for c in columns if c.required},
                optional={c.zh if chinese else c.name: _cell(c.type) for c in columns if not c.required}
                | {"unknown column": JSON_VALUE},
            ),
            min_size=1,
            max_size=6,
        )
    )
    blank_lines = data.draw(st.lists(st.booleans(), min_size=len(records), max_size=len(records)))
    lines: list[str] = []
    expected: list[int] = []
    for record, blank in zip(records, blank_lines, strict=True):
        if blank:
            lines.append("  ")
        lines.append(json.dumps(record, ensure_ascii=data.draw(st.booleans())))
        expected.append(len(lines) + 1)
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _read_and_validate(path, kind)
    assert result is not None, "JSON Lines holding the required keys are a readable table"
    assert result[0].row_numbers == expected


@pytest.mark.parametrize("kind", sorted(KINDS))
@SLOW_FUZZ
@given(data=st.data())
def test_random_xlsx_cells_lose_no_row(tmp_path: Path, kind: str, data: Any) -> None:
    native = st.one_of(
        st.integers(min_value=-(10**15), max_value=10**15),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2200, 12, 31)),
    )
    cell = {c.name: st.one_of(_cell(c.type, SHEET_TEXT), native) for c in KINDS[kind]}
    rows = data.draw(st.lists(st.tuples(*(cell[c.name] for c in KINDS[kind])).map(list), max_size=6))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([c.zh for c in KINDS[kind]])
    for row in rows:
        sheet.append(row)
        for cell_ in sheet[sheet.max_row]:
            if isinstance(cell_.value, str) and cell_.value.startswith("="):
                # Text a person typed, not a formula: openpyxl would save a formula without the value Excel
                # stores beside it, and a reader sees an empty cell.
                cell_.data_type = "s"
    path = tmp_path / "fuzz.xlsx"
    book.save(path)
    result = _read_and_validate(path, kind)
    assert result is not None, "a workbook with a full header and any cells is a readable table"
    assert result[0].row_numbers == [n for n, row in enumerate(rows, 2) if not all(_blank(v) for v in row)]
