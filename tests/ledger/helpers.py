"""Building a decided batch straight through validation and the intake transaction (no Prefect)."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from rules.params import default_parameters
from subsidy.sample import RENT_AND_PILOT_COLUMNS, make_uscc
from tasks.intake_run import record_intake
from validations.batch import validate_table
from validations.readers import read_table


def write_pilot_and_rent_file(path: Path, n: int, seed: int = 3) -> Path:
    """``n`` applications: A4-PILOT (one installment) and A2 leases from 2024 (three installments)."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(RENT_AND_PILOT_COLUMNS)
        for i in range(n):
            uscc = make_uscc(rng)
            if i % 2:
                writer.writerow(
                    [f"P-{i:05d}", "A4-PILOT", uscc, "企业", "2024-03-01", "1", "1", "ai", "1", "", "", "", "", ""]
                )
            else:
                writer.writerow(
                    [
                        f"R-{i:05d}",
                        "A2",
                        uscc,
                        "企业",
                        "2024-03-01",
                        "1",
                        "1",
                        "ai",
                        "1",
                        "500万",
                        "30",
                        "2000万",
                        rng.randint(100_000, 900_000),
                        "2024-01-01",
                    ]
                )
    return path


def intake_file(engine: Engine, path: Path, as_of: date = date(2024, 6, 28)) -> None:
    record_intake(engine, [validate_table(read_table(path, "applications"))], {}, as_of, default_parameters(), [], {})


def approve(engine: Engine, awards: list[tuple[str, str, str, int]]) -> None:
    """Approved decisions (application id, clause, recipient, award in fen) for entries posted straight to the
    ledger: the database takes a commitment only as an installment of an approved decision."""
    from datetime import datetime

    from sqlalchemy.orm import Session

    from ledger.applications import inputs_text
    from ledger.models import ApplicationRecord, DecisionRecord, IntakeRun
    from rules.model import Application

    with Session(engine) as s, s.begin():
        run = IntakeRun(started_at=datetime(2024, 6, 28), as_of=date(2024, 6, 28), files=[], validation={})
        s.add(run)
        s.flush()
        for app_id, clause, uscc, fen in awards:
            application = Application(app_id, clause, uscc, "企业", date(2024, 3, 1), True, True, "ai")
            s.add(
                ApplicationRecord(
                    **dataclasses.asdict(application),
                    content_hash=hashlib.sha256(inputs_text(application.as_inputs()).encode()).hexdigest(),
                    source_file="-",
                    source_row=1,
                    intake_run_id=run.id,
                )
            )
            s.flush()
            s.add(
                DecisionRecord(
                    application_id=app_id,
                    clause=clause,
                    uscc=uscc,
                    status="approved",
                    reasons="",
                    award_total_fen=fen,
                    recipient_uscc=uscc,
                    decided_on=date(2024, 6, 28),
                    kind="-",
                    project_key=app_id,
                    trace={},
                    intake_run_id=run.id,
                )
            )


def intake_and_cycle(engine: Engine, folder: Path) -> Any:
    """Two committing runs: an intake of 6 applications (3 pilots + 3 × 3 rent installments = entries #1–12), then
    the 2024 cycle (3 pilots + 3 rents' first year = #13–18). Returns the cycle's summary."""
    from tasks.cycle import run_cycle

    intake_file(engine, write_pilot_and_rent_file(folder / "apps.csv", 6))
    return run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())


def owner_sql(engine: Engine, table: str, statements: list[str]) -> None:
    """What an owner of the database can do: switch ``table``'s append-only triggers off and change it."""
    from sqlalchemy import text

    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            for name in ("no_update", "no_delete"):
                conn.execute(text(f"DROP TRIGGER {table}_{name}"))
        for statement in statements:
            conn.execute(text(statement))
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


def _reference(path: Path, kind: str) -> tuple[Any, str]:
    from tasks.intake import read_reference_table

    return read_reference_table(str(path), kind), hashlib.sha256(path.read_bytes()).hexdigest()


def demo_intakes(engine: Engine, folder: Path) -> None:
    """The demo's two intakes without Prefect (``flows.demo``): its sample applications with the blacklist,
    registry and external awards as of 2024-06-28, then its case decision as of 2024-09-30."""
    from subsidy.sample import make_sample
    from tasks.intake import read_file

    sample = make_sample(folder)
    references = {
        kind: _reference(getattr(sample, kind), kind) for kind in ("blacklist", "registry", "external_awards")
    }
    tables = [read_file(str(f), "applications")[0] for f in sample.applications]
    record_intake(engine, tables, references, date(2024, 6, 28), default_parameters(), [], {})
    cases = {"case_decisions": _reference(sample.case_decisions, "case_decisions")}
    record_intake(engine, [], cases, date(2024, 9, 30), default_parameters(), [], {})


@contextmanager
def migrated_down(engine: Engine, revision: str) -> Iterator[Connection]:
    """A connection to the database downgraded to ``revision`` (committed) for the block, upgraded back to the
    head after it."""
    from alembic import command

    from ledger.db import alembic_config

    with engine.connect() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        conn.commit()
        yield conn
        command.upgrade(config, "head")
        conn.commit()
