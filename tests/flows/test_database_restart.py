"""PostgreSQL restarted in the middle of a disbursement cycle run by the Prefect flow: the task retries with
backoff once the database is back, and every installment is paid exactly once."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from flows.disbursement import disbursement_flow
from ledger.db import RUN_LOCK_KEY, get_engine
from ledger.models import LedgerTransaction
from ledger.verify import verify_ledger
from tests.conftest import make_database
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file

pytestmark = [pytest.mark.slow, pytest.mark.prefect]


def _cluster() -> list[str]:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    return [versions[-1], "main"]


def _wait_for_the_run_lock(url: str) -> None:
    """Until a transaction of a run holds the run lock (ledger.db.RUN_LOCK_KEY) in the test's database."""
    watcher = create_engine(url.rsplit("/", 1)[0] + "/postgres")
    name = url.rsplit("/", 1)[1]
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            with watcher.connect() as conn:
                held = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = :key AND a.datname = :db"
                    ),
                    {"key": RUN_LOCK_KEY, "db": name},
                ).scalar_one()
            if held:
                return
            time.sleep(0.01)
    finally:
        watcher.dispose()
    raise AssertionError("the cycle never took the run lock")


@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None, reason="needs the local PostgreSQL cluster tools")
def test_the_cycle_retries_after_a_postgresql_restart_and_pays_once(
    prefect_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, drop = make_database("postgresql", tmp_path)
    try:
        monkeypatch.setenv("SUBSIDY_DATABASE_URL", url)
        engine = get_engine(url)
        intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 60000))
        outcome: dict[str, object] = {}

        def cycle() -> None:
            outcome["state"] = disbursement_flow(2024, date(2024, 12, 1), return_state=True)

        runner = threading.Thread(target=cycle)
        runner.start()
        _wait_for_the_run_lock(url)  # the cycle's transaction is under way
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", *_cluster(), "restart", "--", "-m", "fast"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(["pg_isready", "-h", "127.0.0.1", "-t", "60"], check=True, capture_output=True)
        runner.join(timeout=300)
        state = outcome["state"]
        assert state.is_completed()  # type: ignore[attr-defined]
        assert state.result().paid == 60000  # type: ignore[attr-defined]
        with get_client(sync_client=True) as client:
            [task_run] = [
                t
                for t in client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
                )  # type: ignore[attr-defined]
                if t.task_key.startswith("post_settlements") or t.name.startswith("post-settlements")
            ]
        assert task_run.run_count >= 2  # the restart hit the transaction and the task was retried
        with Session(engine) as s:
            settled = s.execute(
                select(func.count(func.distinct(LedgerTransaction.business_key))).where(
                    LedgerTransaction.kind == "payment"
                )
            ).scalar_one()
            assert (
                settled
                == s.execute(
                    select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == "payment")
                ).scalar_one()
                == 60000
            )
            verify_ledger(s)
    finally:
        drop()
