"""The ``onboardings`` reference file (上云企业清单, CONTRACT.md): provider_uscc, enterprise_uscc, claim_year
(2000 … 2100) and onboarded_on, all required, under English or Chinese headers. Like every reference kind, a
file with any bad row is refused whole, with a message naming the file and the row."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from core.errors import ReferenceDataError
from subsidy.sample import make_uscc
from tasks.intake import read_reference_table
from validations.columns import KINDS

PROVIDER, ENTERPRISE, OTHER = (make_uscc(random.Random(seed)) for seed in (41, 42, 43))
GOOD = {"provider_uscc": PROVIDER, "enterprise_uscc": ENTERPRISE, "claim_year": "2024", "onboarded_on": "2024-03-01"}


def _write(path: Path, rows: list[dict[str, str]], chinese: bool = False, encoding: str = "utf-8") -> Path:
    header = [c.zh if chinese else c.name for c in KINDS["onboardings"]]
    cells = [[r.get(c.name, "") for c in KINDS["onboardings"]] for r in rows]
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        for line in [header, *cells]:
            book.active.append(line)
        book.save(path)
        return path
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, *cells])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_the_columns_and_their_chinese_headers() -> None:
    assert [(c.name, c.zh, c.required) for c in KINDS["onboardings"]] == [
        ("provider_uscc", "服务商统一社会信用代码", True),
        ("enterprise_uscc", "上云企业统一社会信用代码", True),
        ("claim_year", "申报年度", True),
        ("onboarded_on", "上云日期", True),
    ]


@pytest.mark.parametrize(
    ("name", "chinese", "encoding"),
    [("o.csv", False, "utf-8"), ("o.csv", True, "gbk"), ("o.csv", True, "utf-8-sig"), ("o.xlsx", True, "")],
)
def test_an_onboardings_file_is_read_under_english_or_chinese_headers(
    tmp_path: Path, name: str, chinese: bool, encoding: str
) -> None:
    rows = [
        GOOD,
        {
            "provider_uscc": f" {PROVIDER.lower()} ",
            "enterprise_uscc": OTHER,
            "claim_year": "２０２５",
            "onboarded_on": "2025年1月31日",
        },
    ]
    table = read_reference_table(str(_write(tmp_path / name, rows, chinese, encoding)), "onboardings")
    assert table.quarantined == []
    assert table.records() == [
        {
            "provider_uscc": PROVIDER,
            "enterprise_uscc": ENTERPRISE,
            "claim_year": 2024,
            "onboarded_on": date(2024, 3, 1),
        },
        {"provider_uscc": PROVIDER, "enterprise_uscc": OTHER, "claim_year": 2025, "onboarded_on": date(2025, 1, 31)},
    ]


@pytest.mark.parametrize(
    ("cells", "phrase"),
    [
        pytest.param({"claim_year": "1999"}, "claim_year: value (1999) must be at least 2000", id="year before 2000"),
        pytest.param({"claim_year": "2101"}, "claim_year: value (2101) must be at most 2100", id="year after 2100"),
        pytest.param({"claim_year": "2024.5"}, "claim_year: '2024.5' is not a whole number", id="year not whole"),
        pytest.param({"onboarded_on": "someday"}, "onboarded_on: 'someday' is not a date", id="no date"),
        pytest.param({"onboarded_on": ""}, "onboarded_on: value is required but empty", id="date missing"),
        pytest.param({"enterprise_uscc": ""}, "enterprise_uscc: value is required but empty", id="enterprise missing"),
        pytest.param({"provider_uscc": PROVIDER[:-1] + ("0" if PROVIDER[-1] != "0" else "1")}, "GB 32100", id="check"),
    ],
)
def test_a_bad_row_refuses_the_whole_file_naming_file_and_row(
    tmp_path: Path, cells: dict[str, str], phrase: str
) -> None:
    path = _write(tmp_path / "onboardings-2024.csv", [GOOD, {**GOOD, **cells}, GOOD])
    with pytest.raises(ReferenceDataError) as info:
        read_reference_table(str(path), "onboardings")
    assert info.value.file == str(path)
    assert str(info.value).startswith(f"{path}: 1 bad row(s), file refused: row 3: ")
    assert phrase in str(info.value)
