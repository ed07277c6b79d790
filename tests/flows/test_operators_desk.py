"""The operators' desk (issue 17, findings 1-5 and 9), through the installed command: queries answer without a
Prefect server (the API named here does not exist), every command names its database, a read-only command on a
missing database creates nothing, an early cycle and an empty intake are refused, SQLite's log is checkpointed
and ``db backup`` makes a copy that holds the ledger."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from ledger.db import dispose_engine, get_engine
from rules.params import default_parameters
from tasks.cycle import run_cycle
from tests.conftest import make_database
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file

SUBSIDY = str(Path(sys.executable).with_name("subsidy"))
NO_SERVER = "http://127.0.0.1:9/api"  # nothing listens: a command that needed Prefect would fail


def _subsidy(folder: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SUBSIDY_DATABASE_URL": url, "PREFECT_API_URL": NO_SERVER, "COLUMNS": "200"}
    return subprocess.run([SUBSIDY, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def paid_2024(tmp_path: Path) -> str:
    """A SQLite ledger with six awards and the 2024 cycle run, its engine closed as a command's would be."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    engine = get_engine(url)
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 6))
    run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())
    dispose_engine(url)
    return url


def test_queries_answer_without_prefect_and_name_their_database(tmp_path: Path, paid_2024: str) -> None:
    for args in (
        ("ledger", "balance", "--year", "2024"),
        ("ledger", "verify"),
        ("explain", "R-00000"),
        ("export", "decisions", "--out", "d.csv"),
        ("disburse", "--year", "2025", "--as-of", "2025-12-01", "--dry-run"),
        ("forecast", "--by-recipient", "--out", "f.csv"),
    ):
        done = _subsidy(tmp_path, paid_2024, *args)
        assert done.returncode == 0, (args, done.stderr)
        assert done.stdout.startswith(f"database: {paid_2024}\n"), args
    assert (tmp_path / "d.csv").read_text(encoding="utf-8").count("\n") == 7  # header + six decisions
    forecast = (tmp_path / "f.csv").read_text(encoding="utf-8")
    assert forecast == (  # three leases owed for 2025 and 2026
        "fiscal_year,clause,outstanding,recipients\n2025,A2,1099517.00,3\n2026,A2,549758.50,3\n"
    )
    preview = _subsidy(tmp_path, paid_2024, "disburse", "--year", "2025", "--as-of", "2025-12-01", "--dry-run")
    assert "dry run: nothing written" in preview.stdout and "913101127JH4BXKFLM" in preview.stdout
    assert "already ran" not in preview.stdout  # no cycle of 2025 ran


def test_a_read_only_command_on_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'absent.db'}"
    done = _subsidy(tmp_path, url, "ledger", "balance", "--year", "2024")
    assert done.returncode == 2
    assert "absent.db does not exist: nothing to read, nothing created" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_early_cycle_and_an_empty_intake_are_refused_before_anything_starts(tmp_path: Path, paid_2024: str) -> None:
    early = _subsidy(tmp_path, paid_2024, "disburse", "--year", "2026", "--as-of", "2024-12-05")
    assert early.returncode == 2
    assert "the cycle of 2026 cannot run as of 2024-12-05" in " ".join(early.stderr.split())
    empty = _subsidy(tmp_path, paid_2024, "intake")
    assert empty.returncode == 2 and "Usage: subsidy intake" in empty.stderr
    shown = _subsidy(tmp_path, paid_2024, "intake", "--help")
    assert "Decision date, YYYY-MM-DD" in shown.stdout
    again = _subsidy(tmp_path, paid_2024, "disburse", "--year", "2024", "--as-of", "2024-12-05", "--dry-run")
    assert "cycle 2024 already ran on" in again.stdout and "(as of 2024-12-01): paid 6 (2599517.00)" in again.stdout


def test_the_log_is_checkpointed_and_a_backup_holds_the_ledger(tmp_path: Path, paid_2024: str) -> None:
    database = Path(paid_2024.removeprefix("sqlite:///"))
    assert _subsidy(tmp_path, paid_2024, "ledger", "verify").returncode == 0
    wal = database.with_name(database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    done = _subsidy(tmp_path, paid_2024, "db", "backup", "copy.db")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        entries = copy.execute("SELECT count(*) FROM ledger_transactions").fetchone()
    assert entries == (18,)  # 12 installments committed (A2 in three), 6 paid in 2024
    refused = _subsidy(tmp_path, paid_2024, "db", "backup", "copy.db")
    assert refused.returncode == 2 and "already exists" in refused.stderr


def test_a_postgresql_backup_names_pg_dump_without_the_password(tmp_path: Path) -> None:
    url, drop = make_database("postgresql", tmp_path)
    try:
        get_engine(url)
        secret = url.replace("postgres@", "postgres:s3cret@", 1)
        done = _subsidy(tmp_path, secret, "db", "backup", "copy.dump")
        assert done.returncode == 2
        assert "pg_dump --format=custom --file copy.dump 'postgresql://postgres:***@" in " ".join(done.stderr.split())
        assert "s3cret" not in done.stderr + done.stdout
    finally:
        drop()
