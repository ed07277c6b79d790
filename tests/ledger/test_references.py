"""What decisions and applications refer to always exists, on both databases: SQLite by foreign keys, PostgreSQL
by statement triggers that check a bulk write's rows at once (migration b7c3e9f2a184; the per-row foreign keys
cost 18.6 s of a 1,000,000-application intake). A row referring to nothing is refused on INSERT and UPDATE; a
referred row cannot be deleted or its key changed; on PostgreSQL a referred table cannot be truncated."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ledger.models import ApplicationRecord, DecisionRecord, IntakeRun
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file

REFUSED = [
    "UPDATE decisions SET intake_run_id = 999 WHERE application_id = 'P-00001'",
    "UPDATE decisions SET parameter_set = 999999 WHERE application_id = 'P-00001'",
    "UPDATE decisions SET application_id = 'NOPE' WHERE application_id = 'P-00001'",
    "UPDATE applications SET intake_run_id = 999 WHERE application_id = 'P-00001'",
    "DELETE FROM applications WHERE application_id = 'P-00001'",
    "UPDATE applications SET application_id = 'P-99999' WHERE application_id = 'P-00001'",
    "DELETE FROM intake_runs",
    "UPDATE intake_runs SET id = 999",
    "DELETE FROM parameter_sets",
]


def _counts(engine) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return tuple(  # type: ignore[return-value]
            s.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (ApplicationRecord, DecisionRecord, IntakeRun)
        )


@pytest.fixture
def decided(engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 4))
    return engine


@pytest.mark.parametrize("sql", REFUSED)
def test_a_reference_to_nothing_is_refused(decided, sql: str) -> None:  # type: ignore[no-untyped-def]
    before = _counts(decided)
    with pytest.raises(DBAPIError), decided.begin() as conn:
        conn.execute(text(sql))
    assert _counts(decided) == before == (4, 4, 1)


def test_a_decision_of_an_application_never_stored_is_refused(decided) -> None:  # type: ignore[no-untyped-def]
    with Session(decided) as s:
        run_id = s.execute(select(IntakeRun.id)).scalar_one()
    with pytest.raises(DBAPIError) as info, Session(decided) as s, s.begin():
        s.add(
            DecisionRecord(
                application_id="NEVER-STORED",
                clause="A4-PILOT",
                uscc="9131011265581F1PQB",
                status="rejected",
                reasons="",
                award_total_fen=0,
                decided_on=date(2024, 6, 28),
                kind="-",
                project_key="NEVER-STORED",
                trace={},
                intake_run_id=run_id,
            )
        )
    if decided.dialect.name == "postgresql":
        assert "the row of NEVER-STORED refers to a row that does not exist" in str(info.value)


def test_on_postgresql_no_row_is_checked_on_its_own_and_a_referred_table_cannot_be_truncated(decided) -> None:  # type: ignore[no-untyped-def]
    if decided.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its foreign keys stay")
    with decided.connect() as conn:
        foreign_keys = conn.execute(
            text(
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                "AND conrelid IN ('decisions'::regclass, 'applications'::regclass)"
            )
        ).scalar_one()
    assert foreign_keys == 0
    # parameter_sets is referred to by decisions alone: the trigger refuses; the others are also referred to by
    # tables that keep their foreign keys (quarantine, inbox files), which PostgreSQL checks first.
    for table in ("intake_runs", "applications", "parameter_sets"):
        with pytest.raises(DBAPIError) as info, decided.begin() as conn:
            conn.execute(text(f"TRUNCATE {table}"))
        if table == "parameter_sets":
            assert "parameter_sets: TRUNCATE of a row that other rows refer to" in str(info.value)
    assert _counts(decided) == (4, 4, 1)
