"""The demo's bank: the recipients' accounts (银行账户), and the return file (银行回单) a bank sends back for a payment
file, shaped as banks write them (a row number, the account and holder, the amount with thousands separators, the
currency, 成功/失败 and the reason), with the lines it is told to bounce."""

from __future__ import annotations

import csv
from pathlib import Path

from subsidy.sample import write_csv

ACCOUNT_COLUMNS = ["uscc", "account_name", "bank_name", "account_no", "effective_on"]
BANKS = ("工商银行闵行支行", "建设银行莘庄支行", "农业银行七宝支行", "中国银行虹桥支行")
RETURN_HEADER = ["序号", "业务参考号", "收款账号", "收款户名", "金额", "币种", "状态", "入账日期", "失败原因"]


def account_no(n: int, renewed: bool = False) -> str:
    return f"{3105016137360000 + n * 7919 + (500_000 if renewed else 0):019d}"


def sample_accounts(folder: Path, names: dict[str, str], without: str, misnamed: str) -> Path:
    """An account under its name for every recipient but ``without`` (none) and ``misnamed`` (a holder name that
    is not the enterprise's: flagged, and held by every payment file)."""
    rows: list[dict[str, object]] = [
        {
            "uscc": uscc,
            "account_name": "上海闵行某贸易有限公司" if uscc == misnamed else name,
            "bank_name": BANKS[n % len(BANKS)],
            "account_no": account_no(n),
            "effective_on": "2024-01-01",
        }
        for n, (uscc, name) in enumerate(sorted(names.items()))
        if uscc != without
    ]
    return write_csv(folder / "bank-accounts.csv", ACCOUNT_COLUMNS, rows)


def renewed_accounts(accounts: Path, uscc: str, effective_on: str, out: Path) -> Path:
    """The accounts snapshot again, ``uscc`` with a new account from ``effective_on`` (its old one was closed)."""
    with open(accounts, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for n, row in enumerate(rows):
        if row["uscc"] == uscc:
            row.update(account_no=account_no(n, renewed=True), effective_on=effective_on)
    return write_csv(out, ACCOUNT_COLUMNS, [dict(row) for row in rows])


def bank_return(payment_file: Path, out: Path, value_date: str, bounced: dict[str, str]) -> Path:
    """The bank's return file for ``payment_file``: every line paid on ``value_date`` except those whose recipient
    ``bounced`` names, returned with the reason given."""
    with open(payment_file, newline="", encoding="utf-8-sig") as f:
        lines = list(csv.DictReader(f))
    returned = []
    for n, line in enumerate(lines, start=1):
        whole, cents = line["amount"].split(".")
        why = bounced.get(line["payee_uscc"], "")
        returned.append(
            [n, line["reference"], line["account_no"], line["payee_name"], f"{int(whole):,}.{cents}", "人民币",
             "失败" if why else "成功", value_date, why]
        )  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(RETURN_HEADER)
        writer.writerows(returned)
    return out
