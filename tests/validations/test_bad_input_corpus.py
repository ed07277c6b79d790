"""A corpus of bad inputs, each with the message it must produce (CONTRACT.md 'Input files').

Whole-file problems: ``read_table`` refuses the file with an ``InputFileError`` naming the file and the problem.
Bad rows: ``validate_table`` quarantines exactly the bad row (spreadsheet row number, header is row 1), names
its column(s) and the problem, and keeps the good rows around it. Some spellings look odd but are valid: they
must parse to the exact value and stay out of quarantine. Every fixture is written here, in ``tmp_path``.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from core.errors import InputFileError
from subsidy.sample import make_uscc
from validations.batch import validate_table
from validations.columns import KINDS
from validations.readers import read_table

USCC = [make_uscc(random.Random(seed)) for seed in range(4)]


def _wrong_check_digit(uscc: str) -> str:
    return uscc[:-1] + ("0" if uscc[-1] != "0" else "1")


# ---------------------------------------------------------------------------------------------- file writers


def _header(kind: str, chinese: bool) -> list[str]:
    return [c.zh if chinese else c.name for c in KINDS[kind]]


def _cells(kind: str, row: dict[str, Any]) -> list[Any]:
    return [row.get(c.name) for c in KINDS[kind]]


def write_csv(path: Path, header: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header: list[Any], rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def write_rows(folder: Path, kind: str, rows: list[dict[str, Any]], fmt: str) -> Path:
    """``csv`` (UTF-8, English header), ``gbk`` (GBK, Chinese header), ``xlsx`` (Chinese header), ``jsonl``."""
    if fmt == "csv":
        return write_csv(folder / f"{kind}.csv", _header(kind, False), [_cells(kind, r) for r in rows])
    if fmt == "gbk":
        return write_csv(folder / f"{kind}.csv", _header(kind, True), [_cells(kind, r) for r in rows], "gbk")
    if fmt == "xlsx":
        return write_xlsx(folder / f"{kind}.xlsx", _header(kind, True), [_cells(kind, r) for r in rows])
    if fmt == "jsonl":
        return write_jsonl(folder / f"{kind}.jsonl", [{k: v for k, v in r.items() if v is not None} for r in rows])
    raise AssertionError(fmt)


# ------------------------------------------------------------------------------------- whole-file problems


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    path.write_bytes(buffer.getvalue())
    return path


def _xlsx_with_damaged_sheet(path: Path) -> Path:
    write_xlsx(path, _header("registry", False), [[USCC[0], "是", "是", "2024-01-01"]])
    with zipfile.ZipFile(path) as src:
        members = {n: src.read(n) for n in src.namelist()}
    members["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row r='1'><c"
    return _zip(path, members)


def _empty_first_sheet(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.create_sheet("second").append(_header("blacklist", False))
    book.save(path)
    return path


def _write(name: str, content: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path

    return build


def _build(name: str, make: Callable[[Path], Any]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        make(path)
        return path

    return build


APP_EN = ",".join(_header("applications", False))
BLACKLIST_ZH = "统一社会信用代码,列入日期,移出日期,来源"

WHOLE_FILE_CASES = [
    pytest.param(
        "applications",
        _write("a.csv", b""),
        "is empty: no header row",
        id="an empty CSV file has no header row",
    ),
    pytest.param(
        "applications",
        _write("a.csv", b"\r\n  \n,,,\n"),
        "is empty: no header row",
        id="a CSV of blank lines and empty cells has no header row",
    ),
    pytest.param(
        "blacklist",
        _write("b.jsonl", b"\n   \n\n"),
        "is empty: no JSON records",
        id="a JSON Lines file of blank lines has no records",
    ),
    pytest.param(
        "registry",
        _write("r.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        "is binary, not a CSV, XLSX or JSON Lines table",
        id="a PNG picture is a binary file",
    ),
    pytest.param(
        "blacklist",
        _write("b.csv", "uscc,listed_on\n".encode("utf-16")),
        "is binary, not a CSV, XLSX or JSON Lines table",
        id="a UTF-16 text export is refused as binary",
    ),
    pytest.param(
        "applications",
        _write("a.csv", APP_EN.encode() + b"\nP-1,A1,\xff\xfe\xfa\n"),
        "cannot be read as text: byte",
        id="bytes that are neither UTF-8 nor GB18030 cannot be decoded",
    ),
    pytest.param(
        "case_decisions",
        _write("c.csv", b"\xef\xbb\xbfapplication_id,\xff\xfe\n"),
        "starts with a UTF-8 mark but byte 18 is not UTF-8",
        id="a UTF-8 BOM followed by bytes that are not UTF-8 is refused",
    ),
    pytest.param(
        "applications",
        _write("a.csv", b"application_id,clause,name,submitted_on,business_in_minhang,tax_in_minhang,field\n"),
        "missing required column(s): uscc (统一社会信用代码)",
        id="applications without the uscc column are refused",
    ),
    pytest.param(
        "applications",
        _write(
            "a.csv", "申请编号,条款,统一社会信用代码,企业名称,申报日期,工商注册在闵行,税务登记在闵行\n".encode("gbk")
        ),
        "missing required column(s): field (所属领域)",
        id="a GBK file with Chinese headers but no 所属领域 names the column in both languages",
    ),
    pytest.param(
        "blacklist",
        _write("b.csv", "统一社会信用代码,移出日期,来源\n".encode("gbk")),
        "missing required column(s): listed_on (列入日期)",
        id="a GBK blacklist without 列入日期 is refused",
    ),
    pytest.param(
        "registry",
        _write("r.csv", b"uscc,business_in_minhang,tax_in_minhang\n"),
        "missing required column(s): effective_on (生效日期)",
        id="a registry without effective_on is refused",
    ),
    pytest.param(
        "external_awards",
        _write("e.csv", b"uscc,project_id,policy\n"),
        "missing required column(s): kind (支持类别), amount (金额)",
        id="external awards without kind and amount name both columns",
    ),
    pytest.param(
        "case_decisions",
        _write("c.csv", b"application_id,amount,decided_on\nAPP-1,100,2024-05-01\n"),
        "missing required column(s): approved_by (审批人), document_ref (文号)",
        id="case decisions without approved_by and document_ref columns are refused",
    ),
    pytest.param(
        "external_awards",
        _build("e.xlsx", lambda p: write_xlsx(p, ["统一社会信用代码", "金额"], [[USCC[0], 100]])),
        "missing required column(s): kind (支持类别)",
        id="an XLSX of external awards without 支持类别 is refused",
    ),
    pytest.param(
        "blacklist",
        _write("b.csv", b"uscc,listed_on,uscc\n"),
        "duplicate header: 'uscc' and 'uscc' both mean uscc",
        id="the same header twice is refused",
    ),
    pytest.param(
        "applications",
        _write("a.csv", (APP_EN + ",申请编号\n").encode()),
        "duplicate header: 'application_id' and '申请编号' both mean application_id",
        id="the English and the Chinese header of one column are refused together",
    ),
    pytest.param(
        "blacklist",
        _write("b.csv", f"{BLACKLIST_ZH}, USCC \n".encode("gbk")),
        "duplicate header: '统一社会信用代码' and ' USCC ' both mean uscc",
        id="an upper-case English header duplicating a Chinese one in a GBK file is refused",
    ),
    pytest.param(
        "registry",
        _write(
            "r.jsonl",
            b'{"uscc": "x", "business_in_minhang": 1, "tax_in_minhang": 1, "effective_on": "2024-01-01"}\n'
            b'{"uscc": "y", "tax_in_minhang": 1,\n',
        ),
        "line 2 is not JSON",
        id="a JSON Lines line cut in half is not JSON",
    ),
    pytest.param(
        "blacklist",
        _write("b.jsonl", b'["uscc", "listed_on"]\n'),
        "line 1 is not a JSON object",
        id="a JSON Lines line holding an array is not an object",
    ),
    pytest.param(
        "blacklist",
        _write("b.jsonl", b'{"uscc": "x", "listed_on": "2024-01-01"}\n\n"just text"\n'),
        "line 3 is not a JSON object",
        id="a JSON Lines line holding a string is not an object and blank lines keep the numbering",
    ),
    pytest.param(
        "case_decisions",
        _write("c.jsonl", b"[" * 100_000 + b"\n"),
        "line 1 is nested too deeply to be a record",
        id="a JSON Lines line nested a hundred thousand deep is refused",
    ),
    pytest.param(
        "blacklist",
        _write(
            "b.jsonl",
            json.dumps({"uscc": USCC[0], "统一社会信用代码": USCC[0], "listed_on": "2024-01-01"}).encode(),
        ),
        "duplicate header: 'uscc' and '统一社会信用代码' both mean uscc",
        id="JSON keys in English and Chinese for one column are refused",
    ),
    pytest.param(
        "applications",
        _write("a.xlsx", b"PK\x03\x04" + b"this is not a zip archive" * 20),
        "is not a readable XLSX workbook (BadZipFile)",
        id="a zip signature followed by garbage is a corrupt XLSX",
    ),
    pytest.param(
        "registry",
        _build("r.xlsx", _xlsx_with_damaged_sheet),
        "is not a readable XLSX workbook (ParseError)",
        id="an XLSX whose sheet XML is cut off is a corrupt XLSX",
    ),
    pytest.param(
        "external_awards",
        _build("e.xlsx", lambda p: _zip(p, {"readme.txt": b"hello"})),
        "is not a readable XLSX workbook (KeyError)",
        id="a zip archive without a workbook is not an XLSX",
    ),
    pytest.param(
        "case_decisions",
        _build("c.xlsx", lambda p: _zip(p, {"[Content_Types].xml": b"<Types><<<"})),
        "is not a readable XLSX workbook (ParseError)",
        id="a zip archive with a broken content-types part is not an XLSX",
    ),
    pytest.param(
        "blacklist",
        _write("b.xlsx", b"uscc,listed_on\n"),
        "is not a readable XLSX workbook (BadZipFile)",
        id="a CSV saved under an xlsx name is not an XLSX",
    ),
    pytest.param(
        "blacklist",
        _build("b.xlsx", _empty_first_sheet),
        "is empty: the first sheet has no header row",
        id="an XLSX whose first sheet is empty is refused even when a later sheet has data",
    ),
    pytest.param(
        "applications",
        _write("a.csv", (APP_EN + "\n" + "x" * (16 * 1024**2 + 1) + "\n").encode()),
        "is not a readable CSV table (field larger than field limit",
        id="a CSV cell longer than 16 MiB is refused",
    ),
    pytest.param(
        "registry",
        _build("folder.csv", lambda p: p.mkdir()),
        "is a folder, not a file",
        id="a folder named like a CSV is not a file",
    ),
    pytest.param(
        "external_awards",
        lambda folder: folder / "nowhere" / "awards.csv",
        "does not exist",
        id="a file that does not exist is named",
    ),
]


@pytest.mark.parametrize(("kind", "build", "phrase"), WHOLE_FILE_CASES)
def test_whole_file_problem(tmp_path: Path, kind: str, build: Callable[[Path], Path], phrase: str) -> None:
    path = build(tmp_path)
    with pytest.raises(InputFileError) as info:
        read_table(path, kind)
    assert info.value.file == str(path)
    assert str(info.value).startswith(f"{path}: ")
    assert phrase in info.value.problem


MISSING_EVERY_REQUIRED = {
    "applications": "missing required column(s): application_id (申请编号), clause (条款), uscc (统一社会信用代码), "
    "name (企业名称), submitted_on (申报日期), business_in_minhang (工商注册在闵行), tax_in_minhang (税务登记在闵行), "
    "field (所属领域)",
    "blacklist": "missing required column(s): uscc (统一社会信用代码), listed_on (列入日期)",
    "registry": "missing required column(s): uscc (统一社会信用代码), business_in_minhang (工商注册在闵行), "
    "tax_in_minhang (税务登记在闵行), effective_on (生效日期)",
    "external_awards": "missing required column(s): uscc (统一社会信用代码), kind (支持类别), amount (金额)",
    "case_decisions": "missing required column(s): application_id (申请编号), amount (金额), approved_by (审批人), "
    "document_ref (文号), decided_on (决定日期)",
    "onboardings": "missing required column(s): provider_uscc (服务商统一社会信用代码), enterprise_uscc "
    "(上云企业统一社会信用代码), claim_year (申报年度), onboarded_on (上云日期)",
    "bank_accounts": "missing required column(s): uscc (收款人统一社会信用代码), account_name (户名), "
    "bank_name (开户行), account_no (账号), effective_on (生效日期)",
    "bank_returns": "missing required column(s): reference (业务参考号), amount (金额), status (状态), "
    "value_date (入账日期)",
}

GENERIC_PROBLEMS = [
    pytest.param("x.csv", b"", "is empty: no header row", id="an empty file is refused"),
    pytest.param("x.csv", b"\x00\x01\x02\x03binary", "is binary", id="a binary file is refused"),
    pytest.param("x.csv", b"a,b\n\xff\xff\xff\n", "cannot be read as text", id="undecodable bytes are refused"),
    pytest.param("x.xlsx", b"PK\x03\x04garbage", "is not a readable XLSX workbook", id="a corrupt XLSX is refused"),
    pytest.param("x.jsonl", b"{not json}\n", "line 1 is not JSON", id="a JSON Lines line that is not JSON"),
    pytest.param("x.csv", "姓名,电话\n张三,123\n".encode("gbk"), None, id="a table of another kind lacks its columns"),
]


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize(("name", "content", "phrase"), GENERIC_PROBLEMS)
def test_whole_file_problems_for_every_kind(
    tmp_path: Path, kind: str, name: str, content: bytes, phrase: str | None
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError) as info:
        read_table(path, kind)
    assert info.value.file == str(path)
    if phrase is None:
        assert info.value.problem == MISSING_EVERY_REQUIRED[kind]
    else:
        assert phrase in info.value.problem


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("fmt", ["csv", "gbk", "xlsx"])
def test_a_file_with_only_a_header_is_read_as_no_rows(tmp_path: Path, kind: str, fmt: str) -> None:
    """A header and no rows is a valid, empty snapshot (the GX suite flags an empty batch, not the reader)."""
    path = write_rows(tmp_path, kind, [], fmt)
    table = validate_table(read_table(path, kind))
    assert (len(table.frame), table.quarantined, table.row_numbers) == (0, [], [])
    assert list(table.frame.columns) == [c.name for c in KINDS[kind]]


# ------------------------------------------------------------------------------------------------ bad rows

BASE: dict[str, dict[str, Any]] = {
    "applications": {
        "application_id": "APP-1",
        "clause": "A4-PILOT",
        "uscc": USCC[0],
        "name": "闵行智造有限公司",
        "submitted_on": "2024-03-01",
        "business_in_minhang": "是",
        "tax_in_minhang": "是",
        "field": "智能制造",
        "certified": "是",
    },
    "blacklist": {"uscc": USCC[1], "listed_on": "2024-01-01", "source": "信用中国"},
    "registry": {"uscc": USCC[1], "business_in_minhang": "是", "tax_in_minhang": "否", "effective_on": "2024-06-01"},
    "external_awards": {
        "uscc": USCC[2],
        "project_id": "P-9",
        "kind": "investment",
        "amount": "300万",
        "policy": "上海市产业转型升级专项",
    },
    "case_decisions": {
        "application_id": "APP-7",
        "amount": "800万",
        "approved_by": "区政府常务会议",
        "document_ref": "闵府〔2024〕12号",
        "decided_on": "2024-05-01",
    },
}
A2 = {
    "clause": "A2",
    "paid_in_capital": "500万",
    "headcount": "50",
    "financing": "1000万",
    "annual_rent": "120万",
    "lease_start": "2024-01-01",
}
A3_INV = {"clause": "A3-INV", "investment": "2000万"}
A5 = {"clause": "A5", "entity_type": "cloud_provider", "claim_year": "2024", "onboarded_count": "120"}
A8 = {"clause": "A8", "claim_year": "2024", "provider_uscc": USCC[3], "provider_in_minhang": "是", "adopted": "是"}


@dataclass(frozen=True)
class Bad:
    """A row that must be quarantined: its columns and a phrase of its message."""

    kind: str
    cells: dict[str, Any]
    columns: str
    phrase: str
    fmt: str = "csv"


@dataclass(frozen=True)
class Good:
    """A row that looks odd but is valid: ``expect`` maps columns to their exact parsed values."""

    kind: str
    cells: dict[str, Any]
    expect: dict[str, Any] = field(default_factory=dict)
    fmt: str = "csv"


ROW_CASES = [
    # --- USCC
    pytest.param(
        Bad("applications", {"uscc": _wrong_check_digit(USCC[0])}, "uscc", "GB 32100 check digit"),
        id="a USCC with a wrong check digit is quarantined",
    ),
    pytest.param(
        Bad("applications", {"uscc": USCC[0][:-1]}, "uscc", "is not a valid unified social credit code"),
        id="a USCC one character short is quarantined",
    ),
    pytest.param(
        Bad("blacklist", {"uscc": "91310112MA1GBIOZS0"}, "uscc", "GB 32100 check digit", "gbk"),
        id="a USCC with the letters I O Z S outside the alphabet is quarantined",
    ),
    pytest.param(
        Bad("applications", {**A8, "provider_uscc": _wrong_check_digit(USCC[3])}, "provider_uscc", "GB 32100"),
        id="an A8 provider USCC with a wrong check digit is quarantined",
    ),
    pytest.param(
        Good("applications", {"uscc": f"  {USCC[0].lower()}  "}, {"uscc": USCC[0]}),
        id="a lower-case USCC with surrounding spaces is valid after normalisation",
    ),
    pytest.param(
        Good("registry", {"uscc": f" {USCC[1].lower()}\t"}, {"uscc": USCC[1]}, "xlsx"),
        id="a lower-case USCC in an XLSX cell is valid after normalisation",
    ),
    # --- amounts
    pytest.param(
        Bad("applications", {**A3_INV, "investment": "-1"}, "investment", "value (-1) must be at least 0"),
        id="a negative investment is quarantined",
    ),
    pytest.param(
        Bad("applications", {**A3_INV, "investment": "inf"}, "investment", "'inf' is not an amount"),
        id="an infinite investment is quarantined",
    ),
    pytest.param(
        Bad("external_awards", {"amount": "NaN"}, "amount", "'NaN' is not an amount"),
        id="an external award of NaN is quarantined",
    ),
    pytest.param(
        Bad(
            "applications",
            {**A3_INV, "investment": "1,000,000,000,000.01"},
            "investment",
            "value (1000000000000.01) must be at most 1000000000000",
        ),
        id="an investment one cent above a trillion is quarantined",
    ),
    pytest.param(
        Bad(
            "case_decisions",
            {"amount": "100000001万"},
            "amount",
            "value (1000000010000) must be at most 1000000000000",
        ),
        id="a case decision above a trillion written in 万 is quarantined",
    ),
    pytest.param(
        Bad("applications", {**A3_INV, "investment": "1e400"}, "investment", "'1e400' is out of range for an amount"),
        id="an investment of 1e400 is out of range",
    ),
    pytest.param(
        Bad("external_awards", {"amount": "1e999999999万"}, "amount", "is out of range for an amount"),
        id="an award with a huge exponent in 万 is out of range rather than a crash",
    ),
    pytest.param(
        Bad("external_awards", {"amount": "¥-5"}, "amount", "value (-5) must be at least 0", "xlsx"),
        id="a negative award with a yen sign in an XLSX is quarantined",
    ),
    pytest.param(
        Bad("case_decisions", {"amount": "一百万"}, "amount", "'一百万' is not an amount", "gbk"),
        id="an amount in Chinese numerals is not an amount",
    ),
    pytest.param(
        Good("applications", {**A3_INV, "investment": "１２３４５６７．８９"}, {"investment": Decimal("1234567.89")}),
        id="full-width digits are a valid amount",
    ),
    pytest.param(
        Good("external_awards", {"amount": "￥１，２３４"}, {"amount": Decimal("1234")}, "gbk"),
        id="a full-width yen sign and comma in a GBK file are a valid amount",
    ),
    pytest.param(
        Good("applications", {**A3_INV, "investment": "123.4万元"}, {"investment": Decimal("1234000")}),
        id="an amount in 万元 is multiplied by ten thousand",
    ),
    pytest.param(
        Good("case_decisions", {"amount": "0.0001万"}, {"amount": Decimal("1")}, "xlsx"),
        id="a tiny amount in 万 is exact",
    ),
    pytest.param(
        Good("external_awards", {"amount": "100000000万"}, {"amount": Decimal("1000000000000")}),
        id="exactly a trillion written in 万 is valid",
    ),
    pytest.param(
        Good(
            "applications",
            {**A3_INV, "investment": "123456789012.3456789012345678901"},
            {"investment": Decimal("123456789012.3456789012345678901")},
        ),
        id="an amount with more than 28 significant digits is kept exact",
    ),
    pytest.param(
        Good("external_awards", {"amount": "-0"}, {"amount": Decimal("0")}),
        id="minus zero is zero",
    ),
    # --- integers
    pytest.param(
        Bad("applications", {**A2, "headcount": "1000001"}, "headcount", "value (1000001) must be at most 1000000"),
        id="a headcount above a million is quarantined",
    ),
    pytest.param(
        Bad("applications", {**A2, "headcount": "12.5"}, "headcount", "'12.5' is not a whole number"),
        id="a headcount with a fraction is quarantined",
    ),
    pytest.param(
        Bad("applications", {**A5, "claim_year": "1999"}, "claim_year", "value (1999) must be at least 2000"),
        id="a claim year of 1999 is quarantined",
    ),
    pytest.param(
        Bad("applications", {**A5, "claim_year": "2101"}, "claim_year", "value (2101) must be at most 2100", "xlsx"),
        id="a claim year of 2101 is quarantined",
    ),
    pytest.param(
        Bad("applications", {**A5, "onboarded_count": "-3"}, "onboarded_count", "value (-3) must be at least 0"),
        id="a negative onboarded count is quarantined",
    ),
    pytest.param(
        Bad("applications", {**A5, "onboarded_count": "9" * 5000}, "onboarded_count", "out of range for a whole"),
        id="an onboarded count of five thousand digits is out of range rather than a crash",
    ),
    pytest.param(
        Good("applications", {**A2, "headcount": "1,000,000"}, {"headcount": 1_000_000}),
        id="a headcount of exactly a million with commas is valid",
    ),
    # --- booleans and dates
    pytest.param(
        Bad("applications", {"business_in_minhang": "maybe"}, "business_in_minhang", "'maybe' is not yes/no"),
        id="a yes-no cell saying maybe is quarantined",
    ),
    pytest.param(
        Bad("registry", {"tax_in_minhang": "对"}, "tax_in_minhang", "'对' is not yes/no", "gbk"),
        id="a registry flag written as 对 is quarantined",
    ),
    pytest.param(
        Bad("applications", {"submitted_on": "2024-02-30"}, "submitted_on", "'2024-02-30' is not a real calendar day"),
        id="February the thirtieth is not a real day",
    ),
    pytest.param(
        Bad("registry", {"effective_on": "2024年13月1日"}, "effective_on", "is not a real calendar day", "xlsx"),
        id="a thirteenth month in a Chinese date is not a real day",
    ),
    pytest.param(
        Bad("applications", {"submitted_on": "next Tuesday"}, "submitted_on", "'next Tuesday' is not a date"),
        id="words are not a date",
    ),
    pytest.param(
        Bad(
            "applications",
            {**A2, "lease_start": "1999-12-31"},
            "lease_start",
            "value (1999-12-31) is not a date between 2000 and 2100",
        ),
        id="a lease starting in 1999 is implausible",
    ),
    pytest.param(
        Bad("applications", {**A2, "lease_start": "2023-02-29"}, "lease_start", "'2023-02-29' is not a real calendar"),
        id="an impossible lease start is reported once and not again as missing for clause A2",
    ),
    # --- enumerations
    pytest.param(
        Bad("applications", {"clause": "A9"}, "clause", "'A9' is not a clause of the policy"),
        id="an unknown clause is quarantined",
    ),
    pytest.param(
        Bad("applications", {"field": "robots"}, "field", "'robots' is not a field (one of ai,"),
        id="an unknown field is quarantined",
    ),
    pytest.param(
        Bad("applications", {"clause": "A4-CERT", "cert_level": "gold"}, "cert_level", "is not a certification level"),
        id="an unknown certification level is quarantined",
    ),
    pytest.param(
        Bad(
            "applications",
            {"clause": "A3-TITLE", "title_level": "省级"},
            "title_level",
            "'省级' is not a title level",
            "gbk",
        ),
        id="a provincial title level is quarantined",
    ),
    pytest.param(
        Bad("applications", {"entity_type": "charity"}, "entity_type", "'charity' is not an entity type"),
        id="an unknown entity type is quarantined",
    ),
    pytest.param(
        Bad("external_awards", {"kind": "grant"}, "kind", "'grant' is not a kind of support"),
        id="an external award of an unknown kind is quarantined",
    ),
    pytest.param(
        Good(
            "applications",
            {"clause": " a4-cert ", "cert_level": "流程级", "entity_type": "企业"},
            {"clause": "A4-CERT", "cert_level": "process", "entity_type": "enterprise"},
            "gbk",
        ),
        id="a lower-case clause and Chinese enumerations are valid",
    ),
    # --- clause-required fields
    pytest.param(
        Bad("applications", {**A2, "lease_start": None}, "clause_required", "clause A2 requires lease_start"),
        id="an A2 application without lease_start is quarantined",
    ),
    pytest.param(
        Bad(
            "applications",
            {**A8, "provider_uscc": None, "provider_in_minhang": None},
            "clause_required",
            "clause A8 requires provider_uscc, provider_in_minhang",
            "jsonl",
        ),
        id="an A8 application without its provider is quarantined",
    ),
    pytest.param(
        Bad("applications", {"clause": "A1"}, "clause_required", "fixed_asset_investment, rd_expense, equipment"),
        id="an A1 application without any of its three amounts is quarantined",
    ),
    pytest.param(
        Bad("applications", {"name": None}, "name", "name: value is required but empty", "xlsx"),
        id="an application without a name is quarantined",
    ),
    # --- blacklist, case decisions
    pytest.param(
        Bad(
            "blacklist",
            {"listed_on": "2024-03-01", "removed_on": "2024-01-01"},
            "removed_on",
            "removed_on: value (2024-01-01) removed_on must be after listed_on",
        ),
        id="a blacklist entry removed before it was listed is quarantined on removed_on only",
    ),
    pytest.param(
        Bad(
            "blacklist",
            {"listed_on": "2024/3/1", "removed_on": "2024年3月1日"},
            "removed_on",
            "removed_on must be after listed_on",
            "gbk",
        ),
        id="a blacklist entry removed on the day it was listed is quarantined",
    ),
    pytest.param(
        Bad("case_decisions", {"approved_by": None}, "approved_by", "approved_by: value is required but empty"),
        id="a case decision without approved_by is quarantined",
    ),
    pytest.param(
        Bad("case_decisions", {"document_ref": "   "}, "document_ref", "document_ref: value is required but empty"),
        id="a case decision whose document_ref is only spaces is quarantined",
    ),
    pytest.param(
        Bad(
            "case_decisions",
            {"approved_by": None, "document_ref": None},
            "approved_by;document_ref",
            "approved_by: value is required but empty; document_ref: value is required but empty",
            "jsonl",
        ),
        id="a case decision without approved_by and document_ref names both",
    ),
    # --- text stored verbatim
    pytest.param(
        Good(
            "applications",
            {"name": "Robert'); DROP TABLE applications;--"},
            {"name": "Robert'); DROP TABLE applications;--"},
        ),
        id="SQL-looking text in a name is stored verbatim",
    ),
    pytest.param(
        Good(
            "applications",
            {"name": '=HYPERLINK("http://evil.example","点击")'},
            {"name": '=HYPERLINK("http://evil.example","点击")'},
        ),
        id="formula-looking text in a name is stored verbatim",
    ),
    pytest.param(
        Good("applications", {"name": "+cmd|' /C calc'!A0"}, {"name": "+cmd|' /C calc'!A0"}, "gbk"),
        id="a DDE-looking name in a GBK file is stored verbatim",
    ),
    pytest.param(
        Good("applications", {"name": "行一\u2028行二"}, {"name": "行一\u2028行二"}, "jsonl"),
        id="a name holding a Unicode line separator in JSON Lines is stored verbatim",
    ),
    pytest.param(
        Good("applications", {"name": "<img src=x onerror=alert(1)>"}, {"name": "<img src=x onerror=alert(1)>"}),
        id="markup in a name is stored verbatim",
    ),
    pytest.param(
        Good("applications", {"name": "红\x1b[31m字\t"}, {"name": "红\x1b[31m字"}, "jsonl"),
        id="a control character in a name (not an id) is stored verbatim",
    ),
    # --- L4: digits, thousands separators and dates as CONTRACT.md spells them, nothing else
    pytest.param(
        Bad("applications", {**A3_INV, "investment": "①⓪⓪⓪⓪⓪⓪"}, "investment", "'①' is not a digit 0-9"),
        id="L4 circled digits are not an amount",
    ),
    pytest.param(
        Bad("external_awards", {"amount": "6,0,0,0,0,0"}, "amount", "separators must group the digits by three"),
        id="L4 thousands separators between every digit are not an amount",
    ),
    pytest.param(
        Bad("applications", {**A2, "headcount": "6,0,0,0"}, "headcount", "is not a whole number: thousands separ"),
        id="L4 a headcount with separators between every digit is not a whole number",
    ),
    pytest.param(
        Bad("applications", {**A5, "claim_year": "²⁰²⁴"}, "claim_year", "'²' is not a digit 0-9", "xlsx"),
        id="L4 superscript digits are not a claim year",
    ),
    pytest.param(
        Bad("applications", {"submitted_on": "2024/3/1 x"}, "submitted_on", "'2024/3/1 x' is not a date"),
        id="L4 a date followed by more text is not a date",
    ),
    pytest.param(
        Bad(
            "registry", {"effective_on": "2024-03-01T25:00"}, "effective_on", "'2024-03-01T25:00' is not a date", "xlsx"
        ),
        id="L4 a date with an hour 25 written in an XLSX text cell is not a date",
    ),
    pytest.param(
        Bad("blacklist", {"listed_on": "2024-03-01 10:00:00"}, "listed_on", "is not a date", "jsonl"),
        id="L4 a date with a time of day is not a date",
    ),
    pytest.param(
        Good("registry", {"effective_on": datetime(2024, 3, 1, 17, 30)}, {"effective_on": date(2024, 3, 1)}, "xlsx"),
        id="an Excel date cell with a time of day is its day",
    ),
    # --- L4 / M4: text bounds and control characters, the same on every database
    pytest.param(
        Bad("applications", {"name": "名" * 1_000_000}, "name", "(1,000,000 characters)) is longer than 200 char"),
        id="L4 a name of a million characters is quarantined",
    ),
    pytest.param(
        Good("applications", {"name": "名" * 200}, {"name": "名" * 200}, "gbk"),
        id="a name of exactly 200 characters is valid",
    ),
    pytest.param(
        Bad("applications", {"application_id": "A" * 201}, "application_id", "is longer than 64 characters"),
        id="M4 an application_id of 201 characters is quarantined",
    ),
    pytest.param(
        Bad("applications", {"application_id": "申" * 65}, "application_id", "is longer than 64 characters", "xlsx"),
        id="an application_id of 65 Chinese characters is quarantined",
    ),
    pytest.param(
        Good("applications", {"application_id": "申" * 64}, {"application_id": "申" * 64}, "xlsx"),
        id="an application_id of exactly 64 characters is valid",
    ),
    pytest.param(
        Bad("applications", {"application_id": "APP\x00-9"}, "application_id", "holds a NUL character", "jsonl"),
        id="M4 a NUL in an application_id is quarantined",
    ),
    pytest.param(
        Bad("applications", {"field": "ai\x00"}, "field", "'ai\\x00' is not a field", "jsonl"),
        id="a NUL in an enumerated cell is quarantined",
    ),
    pytest.param(
        Bad("applications", {"name": "甲\x00乙"}, "name", "'甲\\x00乙' holds a NUL character", "jsonl"),
        id="a NUL in a name is quarantined",
    ),
    pytest.param(
        Bad("applications", {"project_id": "P-\u202e1"}, "project_id", "holds a control character"),
        id="a bidi override in a project_id is quarantined",
    ),
    pytest.param(
        Bad("case_decisions", {"application_id": "APP-\u200b7"}, "application_id", "holds a control character"),
        id="a zero-width space in a case decision's application_id is quarantined",
    ),
    pytest.param(
        Bad("external_awards", {"project_id": "P" * 65}, "project_id", "is longer than 64 characters", "gbk"),
        id="an external award's project_id of 65 characters is quarantined",
    ),
    pytest.param(
        Bad("external_awards", {"policy": "政" * 1001}, "policy", "is longer than 1000 characters", "jsonl"),
        id="a policy name of 1,001 characters is quarantined",
    ),
    pytest.param(
        Bad("blacklist", {"source": "s" * 1001}, "source", "is longer than 1000 characters"),
        id="a blacklist source of 1,001 characters is quarantined",
    ),
    pytest.param(
        Bad("case_decisions", {"document_ref": "文" * 1001}, "document_ref", "is longer than 1000 characters", "xlsx"),
        id="a document reference of 1,001 characters is quarantined",
    ),
    pytest.param(
        Good("case_decisions", {"approved_by": "审" * 1000}, {"approved_by": "审" * 1000}),
        id="a text of exactly 1,000 characters is valid",
    ),
]


@pytest.mark.parametrize("case", ROW_CASES)
def test_row(tmp_path: Path, case: Bad | Good) -> None:
    base = BASE[case.kind]
    rows = [
        {**base, **({"application_id": "GOOD-1"} if "application_id" in base else {})},
        {**base, **case.cells},
        {**base, **({"application_id": "GOOD-2"} if "application_id" in base else {})},
    ]
    table = validate_table(read_table(write_rows(tmp_path, case.kind, rows, case.fmt), case.kind))
    if isinstance(case, Bad):
        [q] = table.quarantined
        assert (q.row, q.columns, q.reason) == (3, case.columns, "INVALID_DATA")
        assert case.phrase in q.message
        assert q.file == table.file
        assert table.row_numbers == [2, 4]
        assert len(table.frame) == 2
    else:
        assert [q.message for q in table.quarantined] == []
        assert table.row_numbers == [2, 3, 4]
        parsed = table.records()[1]
        for column, value in case.expect.items():
            assert parsed[column] == value
            assert type(parsed[column]) is type(value)


def test_an_a2_row_with_a_bad_lease_start_does_not_also_say_it_is_missing(tmp_path: Path) -> None:
    rows = [{**BASE["applications"], **A2, "lease_start": "2023-02-29"}]
    [q] = validate_table(read_table(write_rows(tmp_path, "applications", rows, "csv"), "applications")).quarantined
    assert q.message == "lease_start: '2023-02-29' is not a real calendar day"


def _ragged_csv(path: Path, header: str, encoding: str = "utf-8") -> Path:
    good = list(BASE["applications"].values())
    lines = [header, ",".join(good), ",".join([*good, "EXTRA"]), ",".join([*good, "", ""]), ",".join(good)]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _ragged_xlsx(path: Path, header: str) -> Path:
    good = list(BASE["applications"].values())
    return write_xlsx(path, header.split(","), [good, [*good, "EXTRA"], [*good, None, ""], good])


RAGGED = "the row has more cells than the header (9 columns): column 10: 'EXTRA'"
NINE = ",".join(BASE["applications"])


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda p: _ragged_csv(p / "a.csv", NINE), id="CSV (csv module)"),
        pytest.param(lambda p: _ragged_csv(p / "a.csv", NINE + ",,"), id="CSV with a wider blank header (pandas)"),
        pytest.param(lambda p: _ragged_csv(p / "a.csv", NINE.replace("name", "企业名称"), "gbk"), id="GBK CSV"),
        pytest.param(lambda p: _ragged_xlsx(p / "a.xlsx", NINE), id="XLSX"),
    ],
)
def test_a_row_with_more_cells_than_the_header_is_quarantined(tmp_path: Path, build: Callable[[Path], Path]) -> None:
    """L4: the extra cell is not silently dropped; empty cells beyond the header are no data and pass."""
    path = build(tmp_path)
    table = validate_table(read_table(path, "applications"))
    [q] = table.quarantined
    assert (q.file, q.row, q.columns, q.reason) == (str(path), 3, "extra_cells", "INVALID_DATA")
    assert q.message == f"extra_cells: {RAGGED}"
    assert table.row_numbers == [2, 4, 5]


def test_a_nul_past_the_first_4_kib_of_a_csv_quarantines_its_row(tmp_path: Path) -> None:
    """M4: the NUL is bad data in its row (file, row, column), not a database error; the quarantined row keeps
    its text with the NUL shown as ␀, which every database stores."""
    good = _cells("applications", BASE["applications"])
    rows = [[f"APP-{n}", *good[1:]] for n in range(200)]
    rows[150][3] = "闵行\x00智造"
    path = write_csv(tmp_path / "a.csv", _header("applications", False), rows)
    assert path.read_bytes().index(b"\x00") > 4096
    table = validate_table(read_table(path, "applications"))
    [q] = table.quarantined
    assert (q.row, q.columns) == (152, "name")
    assert q.message == "name: '闵行\\x00智造' holds a NUL character (\\x00), which no cell may hold"
    assert q.raw["name"] == "闵行\u2400智造"
    assert len(table.frame) == 199


# ----------------------------------------------------------------------------------------- row numbering


def test_blank_csv_lines_keep_their_place_in_the_row_numbers(tmp_path: Path) -> None:
    good, bad = BASE["blacklist"], {**BASE["blacklist"], "uscc": _wrong_check_digit(USCC[1])}
    header = _header("blacklist", False)
    path = write_csv(tmp_path / "b.csv", header, [[], _cells("blacklist", good), [], [], _cells("blacklist", bad)])
    table = validate_table(read_table(path, "blacklist"))
    assert table.row_numbers == [3]
    assert [(q.row, q.columns) for q in table.quarantined] == [(6, "uscc")]


def test_a_multi_line_csv_cell_is_one_spreadsheet_row(tmp_path: Path) -> None:
    good = {**BASE["blacklist"], "source": "信用中国\n（上海）"}
    bad = {**BASE["blacklist"], "listed_on": "someday"}
    path = write_csv(tmp_path / "b.csv", _header("blacklist", False), [_cells("blacklist", r) for r in (good, bad)])
    table = validate_table(read_table(path, "blacklist"))
    assert table.frame.iloc[0]["source"] == "信用中国\n（上海）"
    assert [(q.row, q.columns) for q in table.quarantined] == [(3, "listed_on")]


def test_blank_and_leading_xlsx_rows_keep_their_place_in_the_row_numbers(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([None])
    sheet.append(_header("registry", True))
    sheet.append([USCC[0], "是", "是", datetime(2024, 3, 1)])
    sheet.cell(row=7, column=1, value=_wrong_check_digit(USCC[0]))
    for column, value in enumerate(["是", "否", "2024-04-01"], 2):
        sheet.cell(row=7, column=column, value=value)
    book.save(tmp_path / "r.xlsx")
    table = validate_table(read_table(tmp_path / "r.xlsx", "registry"))
    assert table.row_numbers == [3]
    assert table.frame.iloc[0]["effective_on"] == date(2024, 3, 1)
    assert [(q.row, q.columns) for q in table.quarantined] == [(7, "uscc")]


def test_an_xlsx_with_a_wrong_stored_dimension_loses_no_row(tmp_path: Path) -> None:
    """Some writers store ``<dimension ref="A1"/>``; read-only openpyxl would stop at row 1 and drop the rest."""
    path = write_xlsx(tmp_path / "b.xlsx", _header("blacklist", False), [_cells("blacklist", BASE["blacklist"])] * 3)
    with zipfile.ZipFile(path) as src:
        members = {n: src.read(n) for n in src.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    assert '<dimension ref="A1:D4" />' in sheet
    members["xl/worksheets/sheet1.xml"] = sheet.replace('<dimension ref="A1:D4" />', '<dimension ref="A1" />').encode()
    table = validate_table(read_table(_zip(path, members), "blacklist"))
    assert table.row_numbers == [2, 3, 4]


def test_json_lines_rows_are_numbered_by_line_and_keep_numbers_exact(tmp_path: Path) -> None:
    """Record on line n is row n + 1; JSON numbers keep every digit (a float would not); NaN is bad data."""
    uscc = USCC[2]
    lines = [
        f'{{"uscc": "{uscc}", "kind": "investment", "amount": 123456789012.345678}}',
        "",
        f'{{"uscc": "{uscc}", "kind": "rent", "amount": 5, "policy": NaN}}',
        f'{{"uscc": "{uscc}", "kind": "title", "amount": NaN}}',
        f'{{"uscc": "{uscc}", "kind": "pilot", "amount": {"9" * 5000}}}',
    ]
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = validate_table(read_table(path, "external_awards"))
    assert table.row_numbers == [2, 4]
    assert table.frame.iloc[0]["amount"] == Decimal("123456789012.345678")
    assert table.frame.iloc[1]["policy"] == "NaN"
    assert [(q.row, q.columns) for q in table.quarantined] == [(5, "amount"), (6, "amount")]
    assert "'NaN' is not an amount" in table.quarantined[0].message
    assert "is out of range for an amount" in table.quarantined[1].message
