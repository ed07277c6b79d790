"""Money out and back through the operators' doors (issue 20): ``subsidy payments-file`` writes the bank's file
(CSV or XLSX) and lists the held recipients, issuing again sends nothing twice; ``subsidy reconcile`` clears and
returns lines and reports what it cannot post; a bad return file is refused (exit 2, naming row and column); the
inbox reconciles a ``bank-return*`` / ``银行回单*`` file and skips it when dropped again."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from flows.inbox import inbox_intake_flow
from ledger.db import get_engine
from ledger.models import LedgerTransaction
from ledger.runs import refresh_reference_data
from rules.params import default_parameters
from subsidy.cli import app
from tasks.cycle import run_cycle
from tasks.inbox import kind_of
from tasks.intake import read_reference_table
from tests.ledger.helpers import intake_file
from tests.ledger.test_bank_round import E1, E2, E3, PILOT_FEN, applications, load_accounts, rent_installment


def _paid(tmp_path: Path) -> int:
    """The applications decided, E1 and E2 with accounts, the 2024 cycle run; E2's 2024 rent installment."""
    engine = get_engine()
    intake_file(engine, applications(tmp_path / "apps.csv"))
    load_accounts(engine, tmp_path / "bank-accounts.csv")
    run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())
    return rent_installment(engine, 2024)


def _entries() -> dict[str, int]:
    with Session(get_engine()) as s:
        rows = s.execute(select(LedgerTransaction.kind, func.count()).group_by(LedgerTransaction.kind))
        return dict(rows.tuples().all())


@pytest.mark.parametrize("name", ["bank-return-2024-12.csv", "Bank_Return.xlsx", "银行回单20241215.csv"])
def test_the_inbox_knows_a_bank_return_file_by_its_name(name: str) -> None:
    assert kind_of(name) == "bank_returns"


def test_cli_issues_a_payment_file_once_and_reconciles_the_return(database: str, tmp_path: Path) -> None:
    rent = _paid(tmp_path)
    runner = CliRunner()
    out = tmp_path / "pf.xlsx"
    issued = runner.invoke(app, ["payments-file", "--year", "2024", "--on", "2024-12-10", "--out", str(out)])
    assert issued.exit_code == 0, issued.output
    shown = " ".join(issued.output.split())
    assert "Payment file PF00001 of 2024, issued 2024-12-10" in shown
    assert f"{E3} │ 2024 │ 500000.00 │ no bank account in force on 2024-12-10" in shown
    total = f"{(PILOT_FEN + rent) // 100}.{rent % 100:02d}"
    assert f"count 2, total {total} CNY, SHA-256 {hashlib.sha256(out.read_bytes()).hexdigest()}" in shown
    rows = [[c.value for c in row] for row in load_workbook(out).active.iter_rows()]
    assert rows[0] == ["reference", "payee_uscc", "payee_name", "bank_name", "account_no", "amount", "purpose"]
    account_of = {r[1]: r[4] for r in rows[1:]}
    assert account_of == {E1: "1001234509876543210", E2: "31050161373600001234"}  # every digit, as text
    reference = {r[1]: r[0] for r in rows[1:]}

    again = runner.invoke(app, ["payments-file", "--year", "2024", "--out", str(tmp_path / "again.csv")])
    assert again.exit_code == 0, again.output
    assert "Nothing new to send: payment file PF00001 of 2024 as issued" in " ".join(again.output.split())
    assert _entries()["issue"] == 2

    back = tmp_path / "return.csv"
    with open(back, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(
            [
                ["业务参考号", "金额", "状态", "入账日期", "失败原因"],
                [reference[E1], "500,000.00", "成功", "2024-12-15", ""],
                [reference[E2], f"{rent // 100}.{rent % 100:02d}", "失败", "2024-12-15", "户名不符"],
                ["PF00009-000001", "1.00", "成功", "2024-12-15", ""],
            ]
        )
    reconciled = runner.invoke(app, ["reconcile", str(back)])
    assert reconciled.exit_code == 0, reconciled.output
    shown = " ".join(reconciled.output.split())
    assert f"returned {reference[E2]}: 户名不符 (sent again by the next payment file)" in shown
    assert "reported row 4 PF00009-000001: no payment file issued this reference" in shown
    assert (_entries()["clear"], _entries()["bounce"]) == (1, 1)
    balances = runner.invoke(app, ["ledger", "balance", "--year", "2024"])
    assert balances.exit_code == 0
    a2 = next(line for line in balances.output.splitlines() if "│ A2" in line)
    assert a2.split("│")[8].strip() == f"{rent // 100}.{rent % 100:02d}"  # returned


def test_cli_refuses_a_return_file_with_a_bad_row(database: str, tmp_path: Path) -> None:
    _paid(tmp_path)
    back = tmp_path / "bank-return.csv"
    back.write_text("reference,amount,status,value_date\nPF00001-000001,abc,成功,2024-12-15\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["reconcile", str(back)])
    assert result.exit_code == 2
    shown = " ".join(result.output.split())
    assert "bank-return.csv" in shown and "row 2" in shown and "amount" in shown and "Traceback" not in shown
    assert "clear" not in _entries()


def test_the_inbox_reconciles_a_return_file_once(database: str, tmp_path: Path) -> None:
    _paid(tmp_path)
    engine = get_engine()
    from tasks import bank_round

    line = next(x for x in bank_round.issue(engine, 2024, date(2024, 12, 10)).lines if x.payee_uscc == E1)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    content = f"reference,amount,status,value_date,reason\n{line.reference},500000,success,2024-12-15,\n"
    (inbox / "银行回单-1.csv").write_text(content, encoding="utf-8")
    summary = inbox_intake_flow(str(inbox), as_of=date(2024, 12, 16))
    assert summary.processed == ["银行回单-1.csv"] and summary.rejected == []
    assert [r.cleared for r in summary.reconciled] == [[line.reference]]
    (inbox / "bank-return-copy.csv").write_text(content, encoding="utf-8")  # the same bytes again
    again = inbox_intake_flow(str(inbox), as_of=date(2024, 12, 17))
    assert again.reconciled == [] and again.skipped == ["bank-return-copy.csv: already processed"]
    assert _entries()["clear"] == 1
    checksum = hashlib.sha256(content.encode()).hexdigest()
    with Session(engine) as s:
        from ledger.models import BankReturn, InboxFile

        assert s.scalar(select(BankReturn.checksum)) == checksum
        assert s.scalar(select(InboxFile.kind).where(InboxFile.checksum == checksum)) == "bank_returns"


def test_refresh_then_issue_sends_to_the_account_in_force(database: str, tmp_path: Path) -> None:
    _paid(tmp_path)
    path = tmp_path / "bank-accounts-2.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(
            [
                ["uscc", "account_name", "bank_name", "account_no", "effective_on"],
                [E3, "上海丙科技有限公司", "农业银行七宝支行", "03360100040012345", "2024-12-01"],
            ]
        )
    table = read_reference_table(str(path), "bank_accounts")
    refresh_reference_data(get_engine(), {"bank_accounts": (table, hashlib.sha256(path.read_bytes()).hexdigest())})
    result = CliRunner().invoke(
        app, ["payments-file", "--year", "2024", "--on", "2024-12-10", "--out", str(tmp_path / "f.csv")]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader((tmp_path / "f.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [(r[1], r[4]) for r in rows[1:]] == [(E3, "03360100040012345")]


def test_the_flows_show_their_steps_and_artifacts_with_input_text_escaped(database: str, tmp_path: Path) -> None:
    from flows.bank import payment_file_flow, reconcile_flow
    from tests.flows.runs_shown import run_shown, task_names

    _paid(tmp_path)
    state = payment_file_flow(2024, date(2024, 12, 10), str(tmp_path / "pf.csv"), return_state=True)
    run_id = state.state_details.flow_run_id
    run, artifacts, logs = run_shown(run_id)
    assert run.name == "payment-file-2024"
    assert task_names(run_id) == ["issue-payment-file", "write-payment-file", "publish-payment-file"]
    assert set(artifacts) == {"payment-file", "payment-file-lines", "payment-file-held"}
    assert "| 2 | 900000.00 | 0 | 1 |" in artifacts["payment-file"]  # count, total, sent again, held
    sha = hashlib.sha256((tmp_path / "pf.csv").read_bytes()).hexdigest()
    assert f"SHA-256 of the file: `{sha}`" in artifacts["payment-file"]
    [held] = json.loads(artifacts["payment-file-held"])
    assert (held["recipient"], held["amount (CNY)"], held["why held"]) == (
        E3,
        "500000.00",
        "no bank account in force on 2024-12-10",
    )
    lines = {row["payee"]: row["reference"] for row in json.loads(artifacts["payment-file-lines"])}
    back = tmp_path / "bank-return.csv"
    back.write_text(
        "reference,amount,status,value_date,reason\n"
        f"{lines[E1]},500000,failed,2024-12-15,<img src=x onerror=alert(1)> [see](http://x)\n",
        encoding="utf-8",
    )
    state = reconcile_flow(str(back), return_state=True)
    run_id = state.state_details.flow_run_id
    run, artifacts, logs = run_shown(run_id)
    assert run.name == "reconcile-bank-return.csv"
    assert task_names(run_id) == ["read-return-file", "post-bank-outcomes", "publish-reconciliation"]
    [returned] = json.loads(artifacts["bank-returned-lines"])
    assert returned["bank's reason"] == "\\<img src=x onerror=alert(1)\\> \\[see\\](http\\://x)"
    assert any(m.startswith("return file bank-return.csv: 1 row(s); cleared 0 line(s)") for m in logs)


def test_cli_revokes_an_award_records_money_paid_back_and_exports_it(database: str, tmp_path: Path) -> None:
    from tasks import bank_round
    from tests.ledger.test_bank_round import reconcile, return_file

    rent = _paid(tmp_path)
    lines = bank_round.issue(get_engine(), 2024, date(2024, 12, 10)).lines
    reconcile(
        get_engine(),
        return_file(tmp_path / "back.csv", [(x.reference, f"{x.amount_fen / 100:.2f}", "success", "") for x in lines]),
    )
    runner = CliRunner()
    incomplete = runner.invoke(app, ["recover", "R-2", "--document-ref", "闵经委〔2025〕3号"])
    said = " ".join(incomplete.output.replace("│", " ").split())
    assert incomplete.exit_code == 2 and "a revocation needs --document-ref, --approved-by and --reason" in said
    args = [
        "recover",
        "R-2",
        "--document-ref",
        "闵经委〔2025〕3号",
        "--approved-by",
        "区经委",
        "--reason",
        "审计发现虚报",
    ]
    revoked = runner.invoke(app, [*args, "--on", "2025-03-01"])
    assert revoked.exit_code == 0, revoked.output
    shown = " ".join(revoked.output.split())
    assert "R-2 revoked (闵经委〔2025〕3号, 2025-03-01)" in shown
    assert f"claimed back │ 1 │ {rent // 100}.{rent % 100:02d}" in shown and "cancelled │ 2, 3 │" in shown
    again = runner.invoke(app, [*args, "--on", "2025-03-02"])
    assert "R-2 already revoked: nothing posted (闵经委〔2025〕3号, 2025-03-01)" in " ".join(again.output.split())
    paid_back = runner.invoke(
        app, ["recover", "R-2", "--received", "--amount", "1,000.50", "--value-date", "2025-04-01"]
    )
    assert paid_back.exit_code == 0, paid_back.output
    owed = rent - 100050
    assert (
        f"R-2: 1000.50 CNY paid back on 2025-04-01 (recorded); still owed back {owed // 100}.{owed % 100:02d} CNY"
        in (" ".join(paid_back.output.split()))
    )
    too_much = runner.invoke(
        app, ["recover", "R-2", "--received", "--amount", "100000000", "--value-date", "2025-04-02"]
    )
    assert too_much.exit_code == 2 and "still owed back" in too_much.output and "Traceback" not in too_much.output
    exported = runner.invoke(app, ["export", "recoveries", "--out", str(tmp_path / "r.csv")])
    assert exported.exit_code == 0, exported.output
    [row] = list(csv.DictReader((tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()))
    assert row == {
        "application_id": "R-2", "recipient_uscc": E2, "document_ref": "闵经委〔2025〕3号", "approved_by": "区经委",
        "reason": "审计发现虚报", "cancelled": row["cancelled"], "claimed": f"{rent // 100}.{rent % 100:02d}",
        "received": "1000.50", "outstanding": f"{owed // 100}.{owed % 100:02d}",
    }  # fmt: skip
    verified = runner.invoke(app, ["ledger", "verify"])
    assert verified.exit_code == 0, verified.output
