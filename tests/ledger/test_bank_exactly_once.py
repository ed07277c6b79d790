"""Exactly once at the bank (issue 20), on SQLite and PostgreSQL: payment files issued at once send each payment
once; return files reconciled at once post each outcome once; a reconciliation killed with SIGKILL at a random
moment leaves all of its outcomes or none, and the re-run ends as a clean run does."""

from __future__ import annotations

import csv
import hashlib
import random
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ledger.db import get_engine
from ledger.models import LedgerTransaction, PaymentLine
from ledger.payment_files import IssuedFile
from ledger.runs import refresh_reference_data
from ledger.verify import ledger_balances, verify_ledger
from rules.params import default_parameters
from tasks import bank_round
from tasks.cycle import run_cycle
from tasks.intake import read_reference_table
from tests.conftest import killed_at_random, make_database
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file


def accounts_for(apps: Path, out: Path) -> Path:
    """An account under its name (企业) for every applicant of ``apps``."""
    with open(apps, encoding="utf-8") as f:
        usccs = sorted({row["uscc"] for row in csv.DictReader(f)})
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["uscc", "account_name", "bank_name", "account_no", "effective_on"])
        writer.writerows(
            [u, "企业", "工商银行闵行支行", f"{6222020000000000 + n:019d}", "2024-01-01"] for n, u in enumerate(usccs)
        )
    return out


def paid_and_sent(engine: Engine, tmp_path: Path, n: int) -> IssuedFile:
    apps = write_pilot_and_rent_file(tmp_path / "apps.csv", n)
    intake_file(engine, apps)
    accounts = accounts_for(apps, tmp_path / "bank-accounts.csv")
    table = read_reference_table(str(accounts), "bank_accounts")
    refresh_reference_data(engine, {"bank_accounts": (table, hashlib.sha256(accounts.read_bytes()).hexdigest())})
    run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())
    return bank_round.issue(engine, 2024, date(2024, 12, 10))


def return_file(issued: IssuedFile, out: Path) -> Path:
    """Every line paid, but the first returned."""
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["reference", "amount", "status", "value_date", "reason"])
        for n, x in enumerate(issued.lines):
            fen = f"{x.amount_fen // 100}.{x.amount_fen % 100:02d}"
            writer.writerow(
                [x.reference, fen, "failed" if n == 0 else "success", "2024-12-15", "账户冻结" if n == 0 else ""]
            )
    return out


def outcomes(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        rows = s.execute(
            select(LedgerTransaction.kind, func.count())
            .where(LedgerTransaction.kind.in_(["issue", "reissue", "clear", "bounce"]))
            .group_by(LedgerTransaction.kind)
        )
        return dict(rows.tuples().all())


def together(runs: int, step: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(runs)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(step())
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


def test_files_issued_and_returns_reconciled_at_once_post_each_step_once(db_url: str, tmp_path: Path) -> None:
    engine = get_engine(db_url)
    first = paid_and_sent(engine, tmp_path, 200)  # 100 pilots + 100 first rent installments, one line each
    issued = together(3, lambda: bank_round.issue(engine, 2024, date(2024, 12, 11)))
    assert len(first.lines) == 200 and [i.new for i in issued] == [False] * 3
    rows, checksum = bank_round.read_return_file(str(return_file(first, tmp_path / "return.csv")))
    results = together(3, lambda: bank_round.post_outcomes(engine, "return.csv", checksum, rows))
    assert sorted(len(r.cleared) for r in results) == [0, 0, 199]
    assert sorted(r.already for r in results) == [0, 200, 200]
    assert outcomes(engine) == {"issue": 200, "clear": 199, "bounce": 1}
    again = together(2, lambda: bank_round.issue(engine, 2024, date(2024, 12, 20)))
    assert sorted(len(i.lines) for i in again) == [1, 1] and sorted(i.new for i in again) == [False, True]
    assert outcomes(engine) == {"issue": 200, "clear": 199, "bounce": 1, "reissue": 1}
    with Session(engine) as s:
        verify_ledger(s)
        assert s.scalar(select(func.count()).select_from(PaymentLine)) == 201


def test_a_reconciliation_killed_at_random_moments_then_rerun_equals_a_clean_run(db_url: str, tmp_path: Path) -> None:
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    clean = get_engine(db_url)
    (tmp_path / "clean").mkdir()
    issued = paid_and_sent(clean, tmp_path / "clean", 3000)
    returned = return_file(issued, tmp_path / "return.csv")
    started = time.perf_counter()
    rows, checksum = bank_round.read_return_file(str(returned))
    bank_round.post_outcomes(clean, str(returned), checksum, rows)
    seconds = time.perf_counter() - started
    with Session(clean) as s:
        expected = ledger_balances(s)
    assert outcomes(clean) == {"issue": 3000, "clear": 2999, "bounce": 1}
    rng = random.Random(20241215)
    killed_before_commit = 0
    for trial in range(6):
        (tmp_path / f"t{trial}").mkdir()
        url, drop = make_database(backend, tmp_path / f"t{trial}")
        try:
            engine = get_engine(url)
            paid_and_sent(engine, tmp_path / f"t{trial}", 3000)
            killed_at_random("tests.ledger.bank_worker", [url, str(returned)], rng, 1.2 * seconds)
            with Session(engine) as s:
                verify_ledger(s)  # whatever the moment, the ledger is whole
            found = outcomes(engine)
            assert found in ({"issue": 3000}, {"issue": 3000, "clear": 2999, "bounce": 1})  # all of it or none
            killed_before_commit += found == {"issue": 3000}
            bank_round.post_outcomes(engine, str(returned), checksum, rows)
            with Session(engine) as s:
                assert ledger_balances(s) == expected
                verify_ledger(s)
        finally:
            drop()
    assert killed_before_commit >= 1
