"""``subsidy what-if`` as the operators and planners see it (issue 19): a Prefect flow whose steps are tasks and
whose comparison is in the run's artifacts and in CSV files; an invalid amendment refused with exit 2 naming its
line, before any flow runs; nothing written to the ledger."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.shown import markdown_cell
from flows.what_if import what_if_flow
from ledger.db import get_engine
from ledger.models import LedgerTransaction
from subsidy.cli import app
from tests.flows.runs_shown import run_shown, task_names
from tests.ledger.helpers import demo_intakes

DOUBLE_A8 = (
    "clause: A8\nparameters:\n"
    '  report_award:\n    unit: CNY\n    values:\n      "2021-08-18": "80000"\n'
    '  adopted_report_award:\n    unit: CNY\n    values:\n      "2021-08-18": "160000"\n'
)


def _entries() -> int:
    with Session(get_engine()) as s:
        return int(s.scalar(select(func.count()).select_from(LedgerTransaction)) or 0)


def test_a_what_if_run_shows_its_steps_and_comparison(database: str, tmp_path: Path) -> None:
    demo_intakes(get_engine(), tmp_path / "inputs")
    entries = _entries()
    amendment = tmp_path / "double-a8.yaml"
    amendment.write_text(DOUBLE_A8, encoding="utf-8")
    state = what_if_flow(str(amendment), [], None, str(tmp_path / "out"), return_state=True)
    result = state.result()
    run, artifacts, logs = run_shown(state.state_details.flow_run_id)
    assert run.name == "what-if-double-a8"
    assert task_names(state.state_details.flow_run_id) == [
        "read-amendment",
        "find-decided-runs",
        "decide-again",
        "read-ledger-commitments",
        "compare-with-ledger",
        "write-what-if-files",
        "publish-what-if",
    ]
    assert set(artifacts) == {"what-if-summary", "what-if-totals", "what-if-status-moves", "what-if-changed"}
    assert "Applications whose outcome changes: **2**" in artifacts["what-if-summary"]
    assert "`" not in artifacts["what-if-summary"]  # paths are escaped text, not code spans showing the escapes
    [line] = [m for m in logs if m.startswith("what-if:")]
    assert line == (
        "what-if: 53 application(s) of 2 intake run(s) decided again; 2 change their outcome; committed +120000.00 "
        "CNY in all (70005001.26 before, 70125001.26 after); nothing was written to the ledger"
    )
    totals = {row["clause"]: row for row in json.loads(artifacts["what-if-totals"])}
    assert totals["A8"] == {"clause": "A8", "fiscal_year": "2024", "before": "120000.00", "after": "240000.00",
                            "difference": "+120000.00"}  # fmt: skip
    assert totals["A2"]["difference"] == "0.00" and totals["total"]["difference"] == "+120000.00"
    with open(result.files["changed"], encoding="utf-8") as f:
        changed = list(csv.DictReader(f))
    assert [(r["clause"], r["award_before"], r["award_after"]) for r in changed] == [
        ("A8", "80000.00", "160000.00"),
        ("A8", "40000.00", "80000.00"),
    ]
    assert json.loads(artifacts["what-if-changed"]) == [{k: markdown_cell(v) for k, v in r.items()} for r in changed]
    with open(result.files["totals"], encoding="utf-8") as f:
        written = list(csv.DictReader(f))
    assert list(written[0]) == ["fiscal_year", "clause", "before", "after", "difference"]  # CONTRACT.md's columns
    a8 = [tuple(r.values()) for r in written if r["clause"] == "A8"]
    assert a8 == [("2024", "A8", "120000.00", "240000.00", "+120000.00")]
    assert (
        "total" not in {r["clause"] for r in written}
        and len(written) == len(json.loads(artifacts["what-if-totals"])) - 1
    )
    with open(result.files["changes"], encoding="utf-8") as f:
        changes = list(csv.DictReader(f))
    assert [tuple(r.values()) for r in changes] == [
        (r["application_id"], "A8", "approved", "approved", r["award_before"], r["award_after"], r["reasons_after"])
        for r in changed
    ]
    assert list(changes[0]) == [
        "application_id", "clause", "status_before", "status_after", "award_before", "award_after", "reasons_after"
    ]  # fmt: skip
    assert _entries() == entries  # nothing written to the ledger


def test_the_cli_refuses_an_invalid_amendment_naming_the_line(database: str, tmp_path: Path) -> None:
    demo_intakes(get_engine(), tmp_path / "inputs")
    bad = tmp_path / "bad.yaml"
    bad.write_text(DOUBLE_A8.replace('"160000"', "160000.5"), encoding="utf-8")
    refused = CliRunner().invoke(app, ["what-if", "--parameters", str(bad), "--out", str(tmp_path / "out")])
    assert refused.exit_code == 2
    assert f"{bad}, line 10: A8.adopted_report_award: write 160000.5 as a quoted string" in " ".join(
        refused.output.split()
    )
    assert not (tmp_path / "out").exists()
    shown = CliRunner().invoke(app, ["what-if", "--reading", "I-4=first_come", "--out", str(tmp_path / "out")])
    assert shown.exit_code == 0, shown.output
    assert "53 application(s) of 2 intake run(s) decided again; 2 change their outcome" in shown.output
    assert "I-4" in shown.output and "first_come" in shown.output


def test_a_what_if_folder_that_is_a_file_is_refused_by_name(database: str, tmp_path: Path) -> None:
    demo_intakes(get_engine(), tmp_path / "inputs")
    taken = tmp_path / "taken"
    taken.write_text("not a folder", encoding="utf-8")
    refused = CliRunner().invoke(app, ["what-if", "--out", str(taken)])
    assert refused.exit_code == 2
    assert f"{taken}: cannot hold the what-if's files" in " ".join(refused.output.split())


def test_a_what_if_on_a_database_without_a_ledger_is_refused_and_makes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "missing.db"
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", f"sqlite:///{missing}")
    refused = CliRunner().invoke(app, ["what-if", "--out", str(tmp_path / "out")])
    assert refused.exit_code == 2
    assert "does not exist: nothing to read, nothing created" in " ".join(refused.output.split())
    assert not missing.exists() and not (tmp_path / "out").exists()
