"""The ``bank_accounts`` reference file (银行账户, issue 20): uscc, account_name, bank_name, account_no (8 to 32
digits) and effective_on, all required, under English or Chinese headers. Like every reference kind, a file with any
bad row is refused whole, with a message naming the file, the row and the column."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from pathlib import Path

import pytest

from core.errors import ReferenceDataError
from subsidy.sample import make_uscc
from tasks.intake import read_reference_table
from validations.columns import KINDS

USCC = make_uscc(random.Random(51))
GOOD = {
    "uscc": USCC,
    "account_name": "上海闵智科技有限公司",
    "bank_name": "中国工商银行上海市闵行支行",
    "account_no": "1001234509876543210",
    "effective_on": "2024-01-01",
}


def write(path: Path, rows: list[dict[str, str]], chinese: bool = False, encoding: str = "utf-8") -> Path:
    header = [c.zh if chinese else c.name for c in KINDS["bank_accounts"]]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, *([r.get(c.name, "") for c in KINDS["bank_accounts"]] for r in rows)])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_the_columns_and_their_chinese_headers() -> None:
    assert [(c.name, c.zh, c.required) for c in KINDS["bank_accounts"]] == [
        ("uscc", "收款人统一社会信用代码", True),
        ("account_name", "户名", True),
        ("bank_name", "开户行", True),
        ("account_no", "账号", True),
        ("effective_on", "生效日期", True),
    ]


@pytest.mark.parametrize(("chinese", "encoding"), [(False, "utf-8"), (True, "gbk"), (True, "utf-8-sig")])
def test_a_bank_accounts_file_is_read_under_english_or_chinese_headers(
    tmp_path: Path, chinese: bool, encoding: str
) -> None:
    other = {**GOOD, "uscc": f" {USCC.lower()} ", "account_no": "62220212345678", "effective_on": "2025年1月1日"}
    table = read_reference_table(str(write(tmp_path / "b.csv", [GOOD, other], chinese, encoding)), "bank_accounts")
    assert table.quarantined == []
    rows = table.frame.to_dict("records")
    assert [(r["uscc"], r["account_no"], r["effective_on"]) for r in rows] == [
        (USCC, "1001234509876543210", date(2024, 1, 1)),
        (USCC, "62220212345678", date(2025, 1, 1)),
    ]
    assert rows[0]["account_name"] == "上海闵智科技有限公司" and rows[0]["bank_name"] == "中国工商银行上海市闵行支行"


@pytest.mark.parametrize(
    ("bad", "column", "words"),
    [
        ({"account_no": "6222 0212 3456"}, "account_no", "is not a bank account number (8 to 32 digits, no spaces)"),
        ({"account_no": "1234567"}, "account_no", "is not a bank account number"),
        ({"account_no": "1" * 33}, "account_no", "is not a bank account number"),
        ({"account_no": "62220212345678X"}, "account_no", "is not a bank account number"),
        ({"uscc": "91310112MA1FL0000X"}, "uscc", "GB 32100 check digit"),
        ({"account_name": ""}, "account_name", "is required but empty"),
        ({"effective_on": "2024-13-01"}, "effective_on", "effective_on"),
    ],
)
def test_a_file_with_one_bad_row_is_refused_whole_naming_row_and_column(
    tmp_path: Path, bad: dict[str, str], column: str, words: str
) -> None:
    path = write(tmp_path / "b.csv", [GOOD, {**GOOD, **bad}])
    with pytest.raises(ReferenceDataError) as refused:
        read_reference_table(str(path), "bank_accounts")
    message = str(refused.value)
    assert message.startswith(f"{path}: 1 bad row(s), file refused: row 3: ")
    assert column in message and words in message
