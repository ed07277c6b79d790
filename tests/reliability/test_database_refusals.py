"""A database error during a run names the run's files, and the file, row and column of the value when the
database names one (M4: PostgreSQL's DataError for one long application_id named neither file nor row). The
values of CONTRACT.md's bad data never get that far (tests/reliability/test_hostile_input.py); these tables are
tampered with after validation to reach the database."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import SubsidyError
from ledger.db import get_engine
from ledger.models import IntakeRun
from subsidy.sample import make_uscc
from tasks import intake_run
from tasks.intake import decide_and_record
from tests.conftest import make_database
from validations.batch import ValidatedTable, validate_table
from validations.readers import read_table

HEADER = "application_id,clause,uscc,name,submitted_on,business_in_minhang,tax_in_minhang,field,certified"


def _tables(tmp_path: Path) -> list[ValidatedTable]:
    rng = random.Random(31)
    tables = []
    for name in ("one.csv", "two.csv"):
        path = tmp_path / name
        rows = [f"{name[:3]}-{n},A4-PILOT,{make_uscc(rng)},甲,2024-03-01,1,1,ai,1" for n in range(3)]
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        tables.append(validate_table(read_table(path, "applications")))
    return tables


@pytest.fixture
def postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url, drop = make_database("postgresql", tmp_path)
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", url)
    try:
        yield url
    finally:
        drop()


def test_a_value_postgresql_refuses_names_its_file_row_and_column(postgresql: str, tmp_path: Path) -> None:
    tables = _tables(tmp_path)
    tables[1].frame.loc[1, "application_id"] = "X" * 300  # past validation: varchar(200) in the database
    with pytest.raises(SubsidyError) as info:
        decide_and_record.fn(tables, {}, date(2024, 6, 28))
    message = str(info.value)
    assert message.startswith("the database refused this run's data (value too long for type character varying(200))")
    assert f", at {tables[1].file}, row 3, column application_id; nothing of the run is stored." in message
    assert message.endswith(f"The run's files: {tables[0].file}, {tables[1].file}")
    with Session(get_engine(postgresql)) as s:
        assert s.execute(select(func.count()).select_from(IntakeRun)).scalar_one() == 0


def test_a_database_error_during_a_run_names_the_runs_files(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the database says (here a constraint on the quarantine's write, on either database)."""
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", db_url)
    tables = _tables(tmp_path)
    orig = Exception("new row violates a check constraint\nDETAIL: more")
    orig.diag = SimpleNamespace(context=None, message_detail=f"Key (application_id)=({tables[0].frame.iloc[2, 0]})")  # type: ignore[attr-defined]

    def refuse(*_: Any) -> None:
        raise IntegrityError("INSERT INTO quarantine ...", {}, orig)

    monkeypatch.setattr(intake_run, "store_quarantine", refuse)
    with pytest.raises(SubsidyError) as info:
        decide_and_record.fn(tables, {}, date(2024, 6, 28))
    assert str(info.value) == (
        "the database refused this run's data (new row violates a check constraint), "
        f"at {tables[0].file}, row 4, column application_id; nothing of the run is stored. "
        f"The run's files: {tables[0].file}, {tables[1].file}"
    )
    with Session(get_engine(db_url)) as s:
        assert s.execute(select(func.count()).select_from(IntakeRun)).scalar_one() == 0
