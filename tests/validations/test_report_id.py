"""The A8 diagnosis report's id (``report_id`` 诊断报告编号, CONTRACT.md 'applications'): optional text read under
its English or Chinese header, at most 64 characters and without control characters (I-14 identifies a report
by it); a longer value or a control character quarantines the row with its file, row and column."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest

from subsidy.sample import make_uscc
from validations.batch import validate_table
from validations.columns import APPLICATION_ZH
from validations.readers import read_table

USCC = [make_uscc(random.Random(seed)) for seed in range(2)]
A8 = {
    "application_id": "APP-1",
    "clause": "A8",
    "uscc": USCC[0],
    "name": "闵行智造有限公司",
    "submitted_on": "2024-03-01",
    "business_in_minhang": "是",
    "tax_in_minhang": "是",
    "field": "智能制造",
    "certified": "是",
    "claim_year": "2024",
    "provider_uscc": USCC[1],
    "provider_in_minhang": "是",
    "adopted": "否",
}


def _write(path: Path, rows: list[dict[str, str]], chinese: bool = False, encoding: str = "utf-8") -> Path:
    names = list(rows[0])
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([APPLICATION_ZH[n] if chinese else n for n in names])
    writer.writerows([[r[n] for n in names] for r in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(("chinese", "encoding"), [(False, "utf-8"), (True, "utf-8-sig"), (True, "gbk")])
def test_report_id_is_read_under_its_english_or_chinese_header(tmp_path: Path, chinese: bool, encoding: str) -> None:
    assert APPLICATION_ZH["report_id"] == "诊断报告编号"
    rows = [
        {**A8, "application_id": "APP-1", "report_id": " 诊断-2024-001 "},
        {**A8, "application_id": "APP-2", "report_id": ""},
        {**A8, "application_id": "APP-3", "report_id": "R" * 64},
    ]
    table = validate_table(read_table(_write(tmp_path / "a.csv", rows, chinese, encoding), "applications"))
    assert table.quarantined == []
    assert table.values("report_id").tolist() == ["诊断-2024-001", None, "R" * 64]


def test_a_file_without_the_column_reads_report_id_as_not_given(tmp_path: Path) -> None:
    table = validate_table(read_table(_write(tmp_path / "a.csv", [A8]), "applications"))
    assert table.quarantined == []
    assert table.values("report_id").tolist() == [None]


@pytest.mark.parametrize(
    ("report_id", "phrase"),
    [
        pytest.param("R" * 65, "is longer than 64 characters", id="65 characters"),
        pytest.param("诊" * 65, "is longer than 64 characters", id="65 Chinese characters"),
        pytest.param("RPT\x00-1", "holds a NUL character", id="NUL (JSON Lines: NUL is bad data in any cell)"),
        pytest.param("RPT-\u202e1", "holds a control character", id="a bidi override"),
        pytest.param("RPT-\u200b1", "holds a control character", id="a zero-width space"),
        pytest.param("RPT\n-1", "holds a control character", id="a line break inside"),
    ],
)
def test_a_bad_report_id_quarantines_its_row_with_file_row_and_column(
    tmp_path: Path, report_id: str, phrase: str
) -> None:
    rows = [
        {**A8, "application_id": "GOOD-1", "report_id": "RPT-1"},
        {**A8, "application_id": "BAD-1", "report_id": report_id},
        {**A8, "application_id": "GOOD-2", "report_id": "RPT-2"},
    ]
    path = _write_jsonl(tmp_path / "a.jsonl", rows) if "\x00" in report_id else _write(tmp_path / "a.csv", rows)
    table = validate_table(read_table(path, "applications"))
    [q] = table.quarantined
    assert (q.file, q.row, q.columns, q.reason) == (str(path), 3, "report_id", "INVALID_DATA")
    assert q.message.startswith("report_id: ") and phrase in q.message
    assert q.describe().startswith(f"{path}, row 3: report_id: ")
    assert table.values("application_id").tolist() == ["GOOD-1", "GOOD-2"]
