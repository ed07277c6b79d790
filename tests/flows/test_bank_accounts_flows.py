"""Bank accounts through the operators' doors (issue 20, first part): the inbox knows a ``bank-accounts*`` /
``银行账户*`` file, ``subsidy refresh --bank-accounts`` and ``subsidy intake --bank-accounts`` store a load and print
the accounts flagged, a bad row refuses the file (exit 2, naming it), and the inbox stores the snapshot."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from flows.inbox import inbox_intake_flow
from ledger.db import get_engine
from ledger.models import ReferenceLoad
from subsidy.cli import app
from tasks.inbox import kind_of
from tests.ledger.test_bank_accounts import E2, E3, accounts, applications


def _loads() -> list[tuple[str, str]]:
    with Session(get_engine()) as s:
        return [(kind, Path(file).name) for kind, file in s.execute(select(ReferenceLoad.kind, ReferenceLoad.file))]


@pytest.mark.parametrize("name", ["bank-accounts-2024.csv", "Bank_Accounts.xlsx", "银行账户.csv", "银行账户2025.jsonl"])
def test_the_inbox_knows_a_bank_accounts_file_by_its_name(name: str) -> None:
    assert kind_of(name) == "bank_accounts"


def test_cli_refresh_and_intake_store_bank_accounts_and_print_the_flags(database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    apps = applications(tmp_path / "apps.csv")
    first = runner.invoke(
        app, ["intake", str(apps), "--bank-accounts", str(accounts(tmp_path / "a.csv")), "--as-of", "2024-06-28"]
    )
    assert first.exit_code == 0, first.output
    shown = " ".join(first.output.split())
    assert "reference data bank_accounts: 3 row(s) read and stored as load 1" in shown
    assert f"flagged {E2} account" in shown and f"flagged {E3} account" in shown
    refreshed = runner.invoke(app, ["refresh", "--bank-accounts", str(accounts(tmp_path / "银行账户.csv"))])
    assert refreshed.exit_code == 0, refreshed.output
    assert "unchanged" in refreshed.output  # the same snapshot, by its bytes
    assert _loads() == [("bank_accounts", "a.csv")]


def test_cli_refresh_refuses_a_bank_accounts_file_with_a_bad_row(database: str, tmp_path: Path) -> None:
    path = accounts(tmp_path / "bank-accounts.csv")
    path.write_text(path.read_text(encoding="utf-8").replace("03360100040012345", "0336 0100"), encoding="utf-8")
    result = CliRunner().invoke(app, ["refresh", "--bank-accounts", str(path)])
    assert result.exit_code == 2
    shown = " ".join(result.output.split())
    assert "bank-accounts.csv" in shown and "row 4" in shown and "account_no" in shown and "Traceback" not in shown
    assert _loads() == []


def test_the_inbox_stores_a_bank_accounts_file_as_a_load(database: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    accounts(inbox / "银行账户-2024.csv")
    summary = inbox_intake_flow(str(inbox), as_of=date(2024, 6, 28))
    assert (summary.processed, summary.rejected) == (["银行账户-2024.csv"], [])
    assert _loads() == [("bank_accounts", "银行账户-2024.csv")]
