"""Faults during the whole pipeline, on SQLite and PostgreSQL: an intake killed with SIGKILL at random moments,
a PostgreSQL connection terminated in the middle of a cycle, a full disk under the SQLite default. Whatever
happens, nothing is half-posted, the ledger verifies, and the re-run ends equal to a clean run."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ledger.db import get_engine
from ledger.exports import decision_rows, payment_rows
from ledger.models import DecisionRecord, LedgerTransaction
from ledger.verify import verify_ledger
from rules.params import default_parameters
from tasks.cycle import run_cycle
from tests.conftest import killed_at_random, make_database
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
TRIALS = 10  # per backend: 20 killed intakes in all


def _state(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        verify_ledger(s)
        decisions = s.execute(select(func.count()).select_from(DecisionRecord)).scalar_one()
        entries = s.execute(select(func.count()).select_from(LedgerTransaction)).scalar_one()
    return decisions, entries


def test_an_intake_killed_at_random_moments_leaves_all_or_nothing(db_url: str, tmp_path: Path) -> None:
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    apps = write_pilot_and_rent_file(tmp_path / "apps.csv", 3000)
    clean = get_engine(db_url)
    started = time.perf_counter()
    intake_file(clean, apps)
    seconds = time.perf_counter() - started
    with Session(clean) as s:
        expected = list(decision_rows(s))
    whole = _state(clean)
    rng = random.Random(8)
    killed_before_commit = 0
    for trial in range(TRIALS):
        (tmp_path / f"t{trial}").mkdir()
        url, drop = make_database(backend, tmp_path / f"t{trial}")
        try:
            killed_at_random("tests.reliability.intake_worker", [url, str(apps)], rng, 1.3 * seconds)
            engine = get_engine(url)
            state = _state(engine)
            assert state in {(0, 0), whole}  # all of the run or none of it
            killed_before_commit += state == (0, 0)
            intake_file(engine, apps)  # the re-run: identical re-sends change nothing
            assert _state(engine) == whole
            with Session(engine) as s:
                assert list(decision_rows(s)) == expected
        finally:
            drop()
    assert killed_before_commit >= 1


def test_a_cycle_whose_postgresql_connection_is_terminated_posts_nothing_then_reruns_cleanly(tmp_path: Path) -> None:
    url, drop = make_database("postgresql", tmp_path)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        engine = get_engine(url)
        intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 6000))
        errors: list[BaseException] = []

        def cycle() -> None:
            try:
                run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())
            except BaseException as e:
                errors.append(e)

        worker = threading.Thread(target=cycle)
        worker.start()
        terminated = 0
        deadline = time.monotonic() + 30
        while worker.is_alive() and time.monotonic() < deadline and not terminated:
            with admin.connect() as conn:
                terminated = conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND state IN ('active', 'idle in transaction')"
                    )
                ).scalar_one()
            time.sleep(0.005)
        worker.join()
        assert terminated >= 1
        assert len(errors) == 1 and isinstance(errors[0], OperationalError)
        engine.dispose()
        assert _state(engine)[1] == 3000 + 3000 * 3  # only the commitments: the cycle posted nothing
        summary = run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())
        assert summary.paid == 6000
        with Session(engine) as s:
            assert len(list(payment_rows(s))) == 6000
            verify_ledger(s)
    finally:
        admin.dispose()
        drop()


def test_a_full_disk_under_sqlite_gives_a_clear_message_and_leaves_the_database_intact(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'subsidy.db'}"
    engine = get_engine(url)
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "first.csv", 50, seed=1))
    before = _state(engine)
    engine.dispose()
    size = (tmp_path / "subsidy.db").stat().st_size
    second = write_pilot_and_rent_file(tmp_path / "second.csv", 3000, seed=2)
    worker = subprocess.run(
        [sys.executable, "-m", "tests.reliability.intake_worker", url, str(second), str(size + 64 * 1024)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert worker.returncode == 2, worker.stdout + worker.stderr
    assert "Traceback" not in worker.stdout
    assert "full" in worker.stdout or "disk I/O" in worker.stdout or "too large" in worker.stdout.lower()
    assert _state(get_engine(url)) == before  # nothing of the failed run, everything of the one before
