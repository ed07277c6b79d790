"""The ``onboardings`` reference file (上云企业清单) through the command and the inbox: ``subsidy refresh
--onboardings F`` and ``subsidy intake --onboardings F`` store a load; inbox file names starting with
``onboardings`` or ``上云`` are onboardings files."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from flows.inbox import inbox_intake_flow
from ledger import references
from ledger.db import get_engine
from ledger.models import ReferenceLoad
from rules.model import Onboarding
from subsidy.cli import app
from subsidy.sample import make_uscc
from tasks.inbox import kind_of

pytestmark = pytest.mark.prefect
PROVIDER, E1, E2 = (make_uscc(random.Random(seed)) for seed in (61, 62, 63))
LINES = ["服务商统一社会信用代码,上云企业统一社会信用代码,申报年度,上云日期", f"{PROVIDER},{E1},2024,2024-03-01"]
EXPECTED = [Onboarding(PROVIDER, E1, 2024, date(2024, 3, 1))]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _stored() -> tuple[list[tuple[str, str]], list[Onboarding]]:
    with Session(get_engine()) as s:
        loads = [(kind, Path(file).name) for kind, file in s.execute(select(ReferenceLoad.kind, ReferenceLoad.file))]
        return loads, references.reference_in_force(s).onboardings


@pytest.mark.parametrize("name", ["onboardings-2024.csv", "Onboardings_2024.xlsx", "上云企业清单.csv", "上云.jsonl"])
def test_the_inbox_knows_an_onboardings_file_by_its_name(name: str) -> None:
    assert kind_of(name) == "onboardings"


def test_other_inbox_names_keep_their_kinds() -> None:
    assert [kind_of(n) for n in ("申报-上云.csv", "apps.csv", "case-decisions.csv", "失信.csv")] == [
        "applications",
        "applications",
        "case_decisions",
        "blacklist",
    ]


def test_cli_refresh_onboardings_stores_a_load(database: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "上云企业清单.csv", LINES)
    runner = CliRunner()
    result = runner.invoke(app, ["refresh", "--onboardings", str(path)])
    assert result.exit_code == 0, result.output
    assert "onboardings" in result.output and "loaded 1 row(s) as load 1" in result.output
    assert _stored() == ([("onboardings", "上云企业清单.csv")], EXPECTED)
    again = runner.invoke(app, ["refresh", "--onboardings", str(path)])
    assert again.exit_code == 0 and "unchanged" in again.output


def test_cli_refresh_refuses_an_onboardings_file_with_a_bad_row(database: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "onboardings.csv", [*LINES, f"{PROVIDER},{E2},1999,2024-03-01"])
    result = CliRunner().invoke(app, ["refresh", "--onboardings", str(path)])
    assert result.exit_code == 2
    assert "onboardings.csv" in result.output and "row 3" in result.output and "Traceback" not in result.output
    assert _stored() == ([], [])


def test_cli_intake_takes_an_onboardings_file(database: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "onboardings.csv", LINES)
    result = CliRunner().invoke(app, ["intake", "--onboardings", str(path), "--as-of", "2024-06-28"])
    assert result.exit_code == 0, result.output
    assert _stored() == ([("onboardings", "onboardings.csv")], EXPECTED)


def test_the_inbox_stores_an_onboardings_file_as_a_load(database: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _write(inbox / "上云企业清单-2024.csv", LINES)
    summary = inbox_intake_flow(str(inbox), as_of=date(2024, 6, 28))
    assert (summary.processed, summary.rejected) == (["上云企业清单-2024.csv"], [])
    assert _stored() == ([("onboardings", "上云企业清单-2024.csv")], EXPECTED)
