"""Intake and disbursement cycles through Prefect, on SQLite and PostgreSQL, checked value by value."""

from __future__ import annotations

import csv
import hashlib
import json
import random
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.errors import ReferenceDataError
from core.shown import markdown_cell
from flows.disbursement import disbursement_flow
from flows.intake import intake_flow
from flows.records import export_flow, verify_flow
from ledger.db import get_engine
from ledger.models import IntakeRun
from subsidy.cli import app
from subsidy.sample import make_uscc
from tests.flows.runs_shown import run_shown as _run_shown
from tests.flows.runs_shown import task_names as _task_names

pytestmark = pytest.mark.prefect

rng = random.Random(7)
E1, E2, E3, E4, E5, E7 = (make_uscc(rng) for _ in range(6))
HEADER = (
    "application_id,clause,uscc,name,submitted_on,business_in_minhang,tax_in_minhang,field,certified,"
    "paid_in_capital,headcount,financing,annual_rent,lease_start"
)
ROWS = [
    f"E1,A2,{E1},甲,2024-03-01,true,true,ai,true,500万,30,2000万,1200000,2023-03-01",
    f'E2,A2,{E2},乙,2024-03-02,true,true,ai,true,5000000,31,20000000,"2,000,000",2024-01-01',
    f"E3,A4-PILOT,{E3},丙,2024-03-03,是,是,工业互联网,是,,,,,",
    f"E4,A4-PILOT,{E4},丁,2024-03-04,true,true,ai,true,,,,,",
    f"E5,A2,{E5},戊,2024-03-05,true,true,ai,false,5000000,29,20000000,100000,2024-01-01",
    "E6,A2,not-a-uscc,己,2024-03-06,true,true,ai,true,5000000,30,20000000,100000,2024-01-01",
    f"E7,A2,{E7},庚,2024-03-07,true,true,ai,true,5000000,30,20000000,100000.005,2024-01-01",
]


def _write(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_intake_and_two_cycles_export_exactly_what_the_policy_gives(database: str, tmp_path: Path) -> None:
    apps = _write(tmp_path / "apps.csv", [HEADER, *ROWS])
    blacklist = _write(
        tmp_path / "blacklist.csv",
        ["uscc,listed_on,removed_on,source", f"{E4},2024-01-01,,信用中国", f"{E7},2025-01-10,,信用中国"],
    )
    summary = intake_flow([apps], blacklist=blacklist, as_of=date(2024, 6, 28))
    assert (summary.rows_read, summary.decided, summary.quarantined, summary.unchanged) == (7, 6, 1, 0)
    assert summary.blacklist_hits == 1
    docs = Path(summary.data_docs)
    assert docs.name == "index.html" and docs.is_file()
    assert any(p.suffix == ".html" for p in (docs.parent / "validations").rglob("*"))

    c2024 = disbursement_flow(2024, date(2024, 12, 1))
    c2025 = disbursement_flow(2025, date(2025, 12, 1))
    assert (c2024.paid, c2024.paid_fen, c2024.forfeited) == (5, 500_000_001, 0)
    assert (c2025.paid, c2025.paid_fen, c2025.forfeited, c2025.forfeited_fen) == (2, 160_000_000, 1, 10_000_001)

    export_flow("decisions", str(tmp_path / "decisions.csv"))
    export_flow("payments", str(tmp_path / "payments.csv"))
    decisions = _read(tmp_path / "decisions.csv")
    assert list(decisions[0]) == [
        "application_id",
        "clause",
        "uscc",
        "status",
        "reasons",
        "award_total",
        "recipient_uscc",
    ]
    assert [
        (d["application_id"], d["status"], d["reasons"], d["award_total"], d["recipient_uscc"]) for d in decisions
    ] == [
        ("E1", "approved", "", "3000000.00", E1),
        ("E2", "approved", "CAPPED", "3000000.00", E2),
        ("E3", "approved", "", "500000.00", E3),
        ("E4", "rejected", "BLACKLISTED", "0.00", ""),
        ("E5", "rejected", "NOT_CERTIFIED;BELOW_THRESHOLD", "0.00", ""),
        ("E7", "approved", "", "250000.02", E7),
        ("E6", "quarantined", "INVALID_DATA", "0.00", ""),
    ]
    payments = _read(tmp_path / "payments.csv")
    assert list(payments[0]) == [
        "application_id",
        "clause",
        "recipient_uscc",
        "fiscal_year",
        "installment",
        "amount",
        "status",
        "reasons",
        "bank_status",
        "bank_reference",
    ]
    assert {(p["bank_status"], p["bank_reference"]) for p in payments} == {("", "")}  # no payment file yet
    assert [
        (p["application_id"], p["fiscal_year"], p["installment"], p["amount"], p["status"], p["reasons"])
        for p in payments
    ] == [
        ("E1", "2024", "1", "1200000.00", "paid", ""),
        ("E1", "2024", "2", "1200000.00", "paid", ""),
        ("E2", "2024", "1", "2000000.00", "paid", ""),
        ("E3", "2024", "1", "500000.00", "paid", ""),
        ("E7", "2024", "1", "100000.01", "paid", ""),
        ("E1", "2025", "3", "600000.00", "paid", ""),
        ("E2", "2025", "2", "1000000.00", "paid", ""),
        ("E7", "2025", "2", "100000.01", "forfeited", "BLACKLISTED"),
    ]

    # Re-running anything pays nothing twice.
    again = disbursement_flow(2025, date(2025, 12, 2))
    assert (again.due, again.paid, again.forfeited) == (0, 0, 0)
    resent = intake_flow([apps], as_of=date(2024, 7, 1))
    assert (resent.rows_read, resent.decided, resent.unchanged, resent.quarantined) == (7, 0, 7, 0)
    assert _read(tmp_path / "payments.csv") == payments
    report, balances = verify_flow()
    assert report.entries == 9 + 8  # 9 commitments (E1×3, E2×2, E3, E7×3) and 8 settlements
    a2 = balances.by_clause["A2"]
    assert (a2.committed_fen, a2.paid_fen, a2.forfeited_fen) == (625_000_002, 610_000_001, 10_000_001)
    assert a2.outstanding_fen == 5_000_000  # E7's third installment, due 2026


def test_a_changed_application_under_a_used_id_is_quarantined_and_the_original_stands(
    database: str, tmp_path: Path
) -> None:
    first = _write(tmp_path / "a.csv", [HEADER, ROWS[2]])
    intake_flow([first], as_of=date(2024, 6, 28))
    changed = _write(tmp_path / "b.csv", [HEADER, ROWS[2].replace(",丙,", ",丙改,")])
    summary = intake_flow([changed], as_of=date(2024, 6, 29))
    assert (summary.decided, summary.quarantined) == (0, 1)
    export_flow("quarantine", str(tmp_path / "q.csv"))
    [q] = _read(tmp_path / "q.csv")
    assert (q["application_id"], q["reason"]) == ("E3", "DUPLICATE_APPLICATION")
    export_flow("decisions", str(tmp_path / "d.csv"))
    assert [(d["application_id"], d["status"], d["award_total"]) for d in _read(tmp_path / "d.csv")] == [
        ("E3", "approved", "500000.00")
    ]


def test_cli_refuses_a_file_without_required_columns_and_changes_nothing(database: str, tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.csv", ["application_id,clause,uscc", "X,A2,1"])
    result = CliRunner().invoke(app, ["intake", bad, "--as-of", "2024-06-28"])
    assert result.exit_code == 2
    assert "bad.csv" in result.output and "missing required column(s)" in result.output
    assert "Traceback" not in result.output
    with Session(get_engine()) as s:
        assert s.execute(select(func.count()).select_from(IntakeRun)).scalar_one() == 0


def test_cli_explain_prints_the_clause_parameters_and_trace(database: str, tmp_path: Path) -> None:
    apps = _write(tmp_path / "apps.csv", [HEADER, ROWS[1]])
    runner = CliRunner()
    assert runner.invoke(app, ["intake", apps, "--as-of", "2024-06-28"]).exit_code == 0
    result = runner.invoke(app, ["explain", "E2"])
    assert result.exit_code == 0, result.output
    for expected in ("第二条", "A2.cumulative_cap", "3000000", "2021-08-18", "CAPPED", "A2 cumulative cap"):
        assert expected in result.output
    verify = runner.invoke(app, ["ledger", "verify"])
    assert verify.exit_code == 0 and "ledger verified" in verify.output


def test_a_major_project_waits_for_its_case_decision_then_is_paid_in_the_case_year(
    database: str, tmp_path: Path
) -> None:
    major = ROWS[2].replace("E3,", "M1,", 1) + ""
    header = HEADER + ",major_project"
    apps = _write(tmp_path / "apps.csv", [header, major + ",是"])
    first = intake_flow([apps], as_of=date(2024, 6, 28))
    assert first.by_status == {"manual": 1}
    bad = _write(
        tmp_path / "bad-cases.csv",
        ["application_id,amount,approved_by,document_ref,decided_on", "M1,800000,,闵经委〔2025〕3号,2025-01-15"],
    )
    with pytest.raises(ReferenceDataError, match="approved_by"):
        intake_flow([], case_decisions=bad, as_of=date(2025, 1, 20))
    cases = _write(
        tmp_path / "cases.csv",
        [
            "application_id,amount,approved_by,document_ref,decided_on",
            "M1,80万,区经委主任办公会,闵经委〔2025〕3号,2025年1月15日",
        ],
    )
    second = intake_flow([], case_decisions=cases, as_of=date(2025, 1, 20))
    assert (second.decided, second.redecided, second.by_status) == (0, 1, {"approved": 1})
    assert (second.rows_read, second.reference_rows) == (0, {"case_decisions": 1})  # the one row read is counted
    export_flow("decisions", str(tmp_path / "d.csv"))
    [d] = _read(tmp_path / "d.csv")
    assert (d["status"], d["reasons"], d["award_total"]) == ("approved", "CASE_BY_CASE", "800000.00")
    assert disbursement_flow(2024, date(2024, 12, 1)).paid == 0  # due in 2025, the case decision's year
    assert disbursement_flow(2025, date(2025, 12, 1)).paid_fen == 80_000_000


def test_a_cycle_run_publishes_its_summary_and_tables_as_artifacts(database: str, tmp_path: Path) -> None:
    apps = _write(tmp_path / "apps.csv", [HEADER, ROWS[0], ROWS[2]])
    intake_flow([apps], as_of=date(2024, 6, 28))
    state = disbursement_flow(2024, date(2024, 12, 1), return_state=True)
    run, artifacts, logs = _run_shown(state.state_details.flow_run_id)
    assert _task_names(state.state_details.flow_run_id) == [
        "find-due-installments",
        "screen-recipients",
        "post-settlements",
        "publish-cycle-summary",
    ]  # the cycle's steps as the operator sees them in the UI, in order
    assert set(artifacts) == {"cycle-summary", "cycle-by-clause", "ledger-by-year"}
    assert "| 3 | 3 | 2900000.00 | 0 | 0.00 | 0 |" in artifacts["cycle-summary"]  # E1 ×2 and E3 due in 2024
    by_clause = {row["clause"]: row for row in json.loads(artifacts["cycle-by-clause"])}
    assert (by_clause["A2"]["paid"], by_clause["A4-PILOT"]["paid"]) == ("2400000.00", "500000.00")
    assert by_clause["total"] == {"clause": "total", "paid": "2900000.00", "forfeited": "0.00"}
    by_year = {row["fiscal_year"]: row for row in json.loads(artifacts["ledger-by-year"])}
    assert by_year[2024] == {"fiscal_year": 2024, "committed": "2900000.00", "paid": "2900000.00", "forfeited": "0.00"}
    assert by_year[2025]["committed"] == "600000.00"
    assert by_year["total"]["paid"] == "2900000.00"
    assert (run.name, [m for m in logs if m.startswith("cycle 2024 (as of 2024-12-01)")]) == (
        "cycle-2024",
        [f"cycle 2024 (as of 2024-12-01): due 3, paid 3 (2900000.00), forfeited 0 (0.00), already settled 0; "
         f"chain head {state.result().chain_head}"],
    )  # fmt: skip


def test_an_intake_run_is_named_for_its_file_and_shows_split_files_and_quarantine(
    database: str, tmp_path: Path
) -> None:
    apps = _write(tmp_path / "apps.csv", [HEADER, ROWS[0], ROWS[2], ROWS[5]])
    state = intake_flow([apps], as_of=date(2024, 6, 28), return_state=True)
    run, artifacts, logs = _run_shown(state.state_details.flow_run_id)
    assert run.name == "intake-2024-06-28-apps.csv"
    assert "| count | 2 | 0 | 0 |" in artifacts["intake-summary"]  # approved, rejected, manual
    [given] = json.loads(artifacts["intake-files"])
    assert (given["rows"], given["sha256"]) == (3, hashlib.sha256(Path(apps).read_bytes()).hexdigest())
    [bad] = json.loads(artifacts["intake-quarantine"])
    assert (bad["file"], bad["row"], bad["columns"], bad["reason"]) == (
        markdown_cell(apps),
        4,
        "uscc",
        "INVALID\\_DATA",
    )
    [line] = [m for m in logs if m.startswith("intake run")]
    assert "rows read 3 = decided 2 + unchanged 0 + quarantined 1; decisions approved 2;" in line


def test_cli_explain_of_a_quarantined_application_shows_file_row_and_reason(database: str, tmp_path: Path) -> None:
    apps = _write(tmp_path / "apps.csv", [HEADER, ROWS[5]])
    runner = CliRunner()
    assert runner.invoke(app, ["intake", apps, "--as-of", "2024-06-28"]).exit_code == 0
    result = runner.invoke(app, ["explain", "E6"])
    assert result.exit_code == 0, result.output
    for expected in ("quarantined", "apps.csv", "INVALID_DATA", "uscc", "GB 32100"):
        assert expected in result.output
