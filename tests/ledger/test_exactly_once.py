"""Exactly once under concurrency and crashes, on SQLite and PostgreSQL: several cycles for one year at once pay
each installment once; a cycle killed with SIGKILL at a random moment leaves nothing half-posted, and the re-run
ends identical to a clean run."""

from __future__ import annotations

import random
import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db import get_engine
from ledger.exports import payment_rows
from ledger.models import LedgerTransaction
from ledger.verify import verify_ledger
from rules.params import default_parameters
from tasks.cycle import run_cycle
from tests.conftest import killed_at_random, make_database
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file


def _settlements(engine) -> dict[tuple[str, int], int]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        rows = s.execute(
            select(LedgerTransaction.application_id, LedgerTransaction.installment, func.count())
            .where(LedgerTransaction.kind.in_(["payment", "forfeit"]))
            .group_by(LedgerTransaction.application_id, LedgerTransaction.installment)
        ).all()
    return {(a, i): n for a, i, n in rows}


def test_cycles_started_together_pay_each_installment_once(db_url: str, tmp_path: Path) -> None:
    engine = get_engine(db_url)
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 400))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def cycle() -> None:
        try:
            barrier.wait()
            run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=cycle) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    settled = _settlements(engine)
    assert len(settled) == 400 and set(settled.values()) == {1}  # 200 pilots + 200 first rent installments
    with Session(engine) as s:
        assert verify_ledger(s).entries == 200 + 600 + 400


def test_a_cycle_killed_at_random_moments_then_rerun_equals_a_clean_run(db_url: str, tmp_path: Path) -> None:
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    apps = write_pilot_and_rent_file(tmp_path / "apps.csv", 3000)
    clean = get_engine(db_url)
    intake_file(clean, apps)
    started = time.perf_counter()
    run_cycle(clean, 2024, date(2024, 12, 1), default_parameters())
    cycle_seconds = time.perf_counter() - started
    with Session(clean) as s:
        expected = list(payment_rows(s))
    rng = random.Random(20241201)
    killed_before_commit = 0
    for trial in range(10):
        (tmp_path / f"t{trial}").mkdir()
        url, drop = make_database(backend, tmp_path / f"t{trial}")
        try:
            engine = get_engine(url)
            intake_file(engine, apps)
            killed_at_random("tests.ledger.cycle_worker", [url, "2024"], rng, 1.2 * cycle_seconds)
            with Session(engine) as s:
                verify_ledger(s)  # whatever the moment, the ledger is whole
            settled = _settlements(engine)
            assert len(settled) in {0, len(expected)}  # all of the cycle or none of it
            killed_before_commit += not settled
            run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())
            with Session(engine) as s:
                assert list(payment_rows(s)) == expected
                verify_ledger(s)
        finally:
            drop()
    assert killed_before_commit >= 1
