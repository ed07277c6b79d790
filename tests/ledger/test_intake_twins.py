"""A file as a district office sends it (XLSX or GBK CSV, Chinese headers, amounts in 万元, 是/否) gives the same
decisions as its English UTF-8 twin; exports never let a spreadsheet run a cell. No Prefect here."""

from __future__ import annotations

import csv
import random
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.orm import Session

from ledger.exports import DECISION_COLUMNS, decision_rows, neutralise, write_csv
from rules.params import default_parameters
from subsidy.sample import make_uscc
from tasks.intake_run import record_intake
from validations.batch import validate_table
from validations.columns import APPLICATION_ZH
from validations.readers import read_table

rng = random.Random(11)
U = [make_uscc(rng) for _ in range(4)]
COLUMNS = [
    "application_id",
    "clause",
    "uscc",
    "name",
    "submitted_on",
    "business_in_minhang",
    "tax_in_minhang",
    "field",
    "certified",
    "paid_in_capital",
    "headcount",
    "financing",
    "annual_rent",
    "lease_start",
    "investment",
    "cert_level",
]
ENGLISH = [
    [
        "T-1",
        "A2",
        U[0],
        '=HYPERLINK("x")',
        "2024-03-01",
        "true",
        "true",
        "ai",
        "true",
        "5000000",
        "30",
        "20000000",
        "1234567.89",
        "2023-05-01",
        "",
        "",
    ],
    [
        "T-2",
        "A3-INV",
        U[1],
        "Robert'); DROP TABLE decisions;--",
        "2024-03-02",
        "true",
        "true",
        "intelligent_manufacturing",
        "true",
        "",
        "",
        "",
        "",
        "",
        "12345678.9",
        "",
    ],
    [
        "T-3",
        "A4-CERT",
        U[2],
        "<script>alert(1)</script>",
        "2024-03-03",
        "true",
        "false",
        "industrial_internet",
        "true",
        "",
        "",
        "",
        "",
        "",
        "",
        "ecosystem",
    ],
    [
        "T-4",
        "A2",
        U[3],
        "@SUM(1)",
        "2024-03-04",
        "true",
        "true",
        "ai",
        "false",
        "4999999.99",
        "29",
        "2000万",
        "100",
        "2024-01-01",
        "",
        "",
    ],
]
ZH_VALUES = {
    "true": "是",
    "false": "否",
    "ai": "人工智能",
    "intelligent_manufacturing": "智能制造",
    "industrial_internet": "工业互联网",
    "ecosystem": "生态级",
}


def _as_office_cell(column: str, value: str) -> object:
    if value in ZH_VALUES:
        return ZH_VALUES[value]
    if column in {"paid_in_capital", "financing", "annual_rent", "investment"} and value and "万" not in value:
        return f"{Decimal(value) / 10000}万元"
    return value


def _english(path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([COLUMNS, *ENGLISH])
    return path


def _xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([APPLICATION_ZH[c] for c in COLUMNS])
    for row in ENGLISH:
        cells = [_as_office_cell(c, v) for c, v in zip(COLUMNS, row, strict=True)]
        cells[4] = datetime.fromisoformat(row[4])  # an Excel date cell
        sheet.append(cells)
        sheet.cell(row=sheet.max_row, column=COLUMNS.index("name") + 1).data_type = "s"  # text, not a formula
    book.save(path)
    return path


def _gbk(path: Path) -> Path:
    with open(path, "w", newline="", encoding="gbk") as f:
        writer = csv.writer(f)
        writer.writerow([APPLICATION_ZH[c] for c in COLUMNS])
        for row in ENGLISH:
            cells = [_as_office_cell(c, v) for c, v in zip(COLUMNS, row, strict=True)]
            cells[4] = cells[4].replace("-0", "年", 1).replace("-0", "月", 1) + "日"  # 2024年3月1日
            writer.writerow(cells)
    return path


def _decide(engine, path: Path) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    table = validate_table(read_table(path, "applications"))
    record_intake(engine, [table], {}, date(2024, 6, 28), default_parameters(), [], {})
    with Session(engine) as s:
        return list(decision_rows(s))


@pytest.mark.parametrize("office_format", ["xlsx", "gbk"])
def test_an_office_file_decides_like_its_english_twin(tmp_path: Path, office_format: str) -> None:
    from ledger.db import dispose_engine, get_engine

    english_url, office_url = f"sqlite:///{tmp_path / 'en.db'}", f"sqlite:///{tmp_path / 'office.db'}"
    english = _decide(get_engine(english_url), _english(tmp_path / "en.csv"))
    assert [(d["application_id"], d["status"], d["reasons"], d["award_total"]) for d in english] == [
        ("T-1", "approved", "CAPPED", "3000000.00"),  # 1,234,567.89 × (1 + 1 + 0.5) is above 3,000,000
        ("T-2", "approved", "", "1234567.89"),
        ("T-3", "rejected", "OUT_OF_SCOPE", "0.00"),
        ("T-4", "rejected", "NOT_CERTIFIED;BELOW_THRESHOLD", "0.00"),
    ]
    path = _xlsx(tmp_path / "office.xlsx") if office_format == "xlsx" else _gbk(tmp_path / "office.csv")
    assert _decide(get_engine(office_url), path) == english
    dispose_engine(english_url)
    dispose_engine(office_url)


def test_exports_neutralise_formulas_and_keep_text_verbatim(db_url: str, tmp_path: Path) -> None:
    from ledger.db import get_engine

    engine = get_engine(db_url)
    _decide(engine, _english(tmp_path / "en.csv"))
    from ledger.models import ApplicationRecord

    with Session(engine) as s:
        names = {a.application_id: a.name for a in s.query(ApplicationRecord)}
        write_csv(tmp_path / "d.csv", DECISION_COLUMNS, decision_rows(s))
    assert names["T-2"] == "Robert'); DROP TABLE decisions;--"
    assert names["T-1"] == '=HYPERLINK("x")'
    assert neutralise('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert neutralise("@SUM(1)") == "'@SUM(1)"
    assert neutralise("-1+2") == "'-1+2" and neutralise("+1)") == "'+1)" and neutralise("plain") == "plain"
    assert neutralise("-1") == "-1" and neutralise("+120000.00") == "+120000.00"  # a number is no formula
