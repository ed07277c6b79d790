"""Reading files: encodings, headers, formats, whole-file problems; rows kept or quarantined."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from core.errors import InputFileError
from validations.batch import validate_table
from validations.columns import APPLICATION_ZH
from validations.readers import read_table

HEADER = [
    "application_id",
    "clause",
    "uscc",
    "name",
    "submitted_on",
    "business_in_minhang",
    "tax_in_minhang",
    "field",
    "certified",
]
ROW = ["P-1", "A4-PILOT", "91310112MA1GBXYZ1X", "闵行测试企业", "2024年3月1日", "是", "是", "智能制造", "是"]


def _fix_uscc() -> str:
    from stdnum.cn import uscc

    body = "91310112MA1GB4Y21"
    return body + uscc.calc_check_digit(body)


def _csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
@pytest.mark.parametrize("chinese_header", [False, True])
def test_csv_in_every_encoding_with_either_header(tmp_path: Path, encoding: str, chinese_header: bool) -> None:
    header = [APPLICATION_ZH[h] for h in HEADER] if chinese_header else HEADER
    row = [*ROW[:2], _fix_uscc(), *ROW[3:]]
    table = validate_table(read_table(_csv(tmp_path / "a.csv", header, [row], encoding), "applications"))
    assert table.quarantined == []
    record = table.frame.iloc[0]
    assert (record["application_id"], record["name"], record["field"]) == (
        "P-1",
        "闵行测试企业",
        "intelligent_manufacturing",
    )
    assert record["submitted_on"].isoformat() == "2024-03-01"


def test_xlsx_first_sheet_with_excel_date_cells(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([APPLICATION_ZH[h] for h in HEADER])
    sheet.append([*ROW[:2], _fix_uscc(), ROW[3], datetime(2024, 3, 1), True, True, "ai", 1])
    book.create_sheet("ignored").append(["not", "read"])
    book.save(tmp_path / "a.xlsx")
    table = validate_table(read_table(tmp_path / "a.xlsx", "applications"))
    assert table.quarantined == []
    assert table.frame.iloc[0]["submitted_on"].isoformat() == "2024-03-01"
    assert table.frame.iloc[0]["certified"] is True


def test_json_lines(tmp_path: Path) -> None:
    record = dict(zip(HEADER, [*ROW[:2], _fix_uscc(), *ROW[3:]], strict=True))
    (tmp_path / "a.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    table = validate_table(read_table(tmp_path / "a.jsonl", "applications"))
    assert len(table.frame) == 1 and table.quarantined == []


def test_bad_rows_are_quarantined_with_file_row_and_column(tmp_path: Path) -> None:
    good = [*ROW[:2], _fix_uscc(), *ROW[3:]]
    bad_uscc = [*ROW[:2], "91310112MA1GB4Y21" + ("Y" if _fix_uscc()[-1] != "Y" else "X"), *ROW[3:]]
    bad_date = [*good[:4], "2024-02-30", *good[5:]]
    path = _csv(tmp_path / "a.csv", HEADER, [good, bad_uscc, bad_date], "utf-8")
    table = validate_table(read_table(path, "applications"))
    assert len(table.frame) == 1
    assert [(q.row, q.columns) for q in table.quarantined] == [(3, "uscc"), (4, "submitted_on")]
    assert "GB 32100" in table.quarantined[0].message
    assert "not a real calendar day" in table.quarantined[1].message


def test_a_clause_missing_its_required_inputs_is_quarantined(tmp_path: Path) -> None:
    header = [*HEADER, "annual_rent"]
    row = [ROW[0], "A2", _fix_uscc(), *ROW[3:], "100万"]
    table = validate_table(read_table(_csv(tmp_path / "a.csv", header, [row], "utf-8"), "applications"))
    [q] = table.quarantined
    assert "clause A2 requires paid_in_capital, headcount, financing, lease_start" in q.message


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty"),
        (b"application_id,clause\nX,A2\n", "missing required column(s): uscc"),
        (b"\x00\x01\x02binary", "is binary"),
        (b"\xff\xfe\xfa\xfb\x81\x30", "cannot be read as text"),
    ],
)
def test_whole_file_problems_name_the_file_and_the_problem(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as info:
        read_table(path, "applications")
    assert str(path) in str(info.value) and problem in str(info.value)


def test_duplicate_headers_are_refused(tmp_path: Path) -> None:
    header = [*HEADER, "申请编号"]
    with pytest.raises(InputFileError, match="duplicate header"):
        read_table(_csv(tmp_path / "a.csv", header, [], "utf-8"), "applications")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        read_table(tmp_path / "nope.csv", "applications")
