"""Overlapping runs on PostgreSQL, and credentials that never reach a message or a log."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ledger.db import get_engine
from ledger.models import ApplicationRecord, DecisionRecord, LedgerTransaction
from ledger.verify import verify_ledger
from rules.params import default_parameters
from subsidy.cli import app
from tasks.cycle import run_cycle
from tests.conftest import make_database
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file

pytestmark = pytest.mark.slow


def test_four_intakes_and_two_cycles_at_once_decide_and_pay_everything_once(tmp_path: Path) -> None:
    url, drop = make_database("postgresql", tmp_path)
    try:
        engine = get_engine(url)
        files = [write_pilot_and_rent_file(tmp_path / f"apps-{n}.csv", 500, seed=100 + n) for n in range(4)]
        # the same applications twice in two of the files: re-sends change nothing
        files.append(files[0])
        barrier = threading.Barrier(len(files) + 2)
        errors: list[BaseException] = []

        def run(job) -> None:  # type: ignore[no-untyped-def]
            try:
                barrier.wait()
                job()
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)

        jobs = [lambda f=f: intake_file(engine, f) for f in files]
        jobs += [lambda: run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())] * 2
        threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())  # pays what the early cycles missed
        with Session(engine) as s:
            count = lambda model: s.execute(select(func.count()).select_from(model)).scalar_one()  # noqa: E731
            # the files use their own seeds, but application ids repeat across files: the first one in wins
            assert count(ApplicationRecord) == count(DecisionRecord)
            settled = s.execute(
                select(LedgerTransaction.application_id, LedgerTransaction.installment, func.count())
                .where(LedgerTransaction.kind.in_(["payment", "forfeit"]))
                .group_by(LedgerTransaction.application_id, LedgerTransaction.installment)
            ).all()
            assert settled and {n for *_, n in settled} == {1}
            assert len(settled) == count(ApplicationRecord)  # one 2024 installment per application
            verify_ledger(s)
    finally:
        drop()


def test_a_password_in_the_database_url_never_appears_in_output(tmp_path: Path, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    secret = "S3cr3t-Pa55word"
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", f"postgresql+psycopg2://postgres:{secret}@127.0.0.1:1/nowhere")
    result = CliRunner().invoke(app, ["ledger", "balance"])
    assert result.exit_code == 2
    assert "***" in result.output and secret not in result.output
    assert secret not in caplog.text
