"""The application works under a PostgreSQL role that may do what the code does and nothing more
(deploy/postgres-roles.sql): the whole pipeline runs under it, and every UPDATE, DELETE and TRUNCATE it is not
granted, on every table and column, is refused."""

from __future__ import annotations

import random
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from ledger.db import dispose_engine, get_engine, refresh_statistics
from ledger.decisions import DECIDED_COLUMNS
from ledger.forecast import budget_forecast
from ledger.models import Base
from ledger.runs import refresh_reference_data
from ledger.stored_runs import decided_runs, stored_outcomes, stored_runs
from ledger.verify import verify_ledger
from rules.params import default_parameters
from rules.what_if import compare, decide_again, outcomes_of
from subsidy.sample import make_uscc
from tasks.cycle import run_cycle
from tasks.intake import read_reference_table
from tests.conftest import _admin_execute, make_database
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file

ROLES_SQL = Path(__file__).resolve().parents[2] / "deploy" / "postgres-roles.sql"


def write_onboardings_file(path: Path) -> Path:
    provider, enterprise = make_uscc(random.Random(1)), make_uscc(random.Random(2))
    path.write_text(f"provider_uscc,enterprise_uscc,claim_year,onboarded_on\n{provider},{enterprise},2024,2024-03-01\n")
    return path


def test_the_app_runs_under_the_insert_select_ledger_role(tmp_path: Path) -> None:
    owner_url, drop = make_database("postgresql", tmp_path)
    role = f"subsidy_app_{uuid.uuid4().hex[:8]}"
    owner = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    try:
        get_engine(owner_url)  # the owner creates the schema
        sql = ROLES_SQL.read_text(encoding="utf-8").replace("subsidy_app", role).replace("'change-me'", "NULL")
        with owner.connect() as conn:
            conn.execute(text(sql))
        app_url = owner_url.replace("postgres@", f"{role}@", 1)
        engine = get_engine(app_url)
        intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 40))
        onboardings = write_onboardings_file(tmp_path / "onboardings.csv")
        table = read_reference_table(str(onboardings), "onboardings")
        assert refresh_reference_data(engine, {"onboardings": (table, "x" * 64)}) == {
            "onboardings": "loaded 1 row(s) as load 1"
        }
        summary = run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())
        assert summary.paid == 40
        with Session(engine) as s:
            assert verify_ledger(s).entries == 20 + 60 + 40
            # the planners' reads: the forecast, and a what-if (driver-level reads, a server-side cursor)
            assert sum(owed.installments for owed in budget_forecast(s).still_owed) == 40  # rent years 2 and 3
            runs = decided_runs(s)
            again = outcomes_of(decide_again(stored_runs(s, runs), default_parameters()))
            comparison = compare(stored_outcomes(s, runs), again)
            assert (comparison.decided, len(comparison.changed)) == (40, 0)
        with pytest.raises(ProgrammingError, match="permission denied"), engine.begin() as conn:
            conn.execute(text("UPDATE ledger_transactions SET amount_fen = 0 WHERE seq = 1"))
        with pytest.raises(ProgrammingError, match="permission denied"), engine.begin() as conn:
            conn.execute(text("DELETE FROM ledger_transactions WHERE seq = 1"))
        # ANALYZE is the owner's: this role leaves the statistics to autovacuum, without an error.
        assert refresh_statistics(engine, {"ledger_transactions": 10_000, "decisions": 10_000}) == []
        dispose_engine(app_url)
    finally:
        owner.dispose()
        drop()
        _admin_execute(f'DROP ROLE IF EXISTS "{role}"')


GRANTED_UPDATES = {
    "intake_runs": {"validation", "blacklist_load_id", "rows_read", "decided", "unchanged", "quarantined"},
    "cycles": {"paid_count", "paid_fen", "forfeited_count", "forfeited_fen", "chain_head"},
    "decisions": set(DECIDED_COLUMNS),
}


def test_the_role_may_update_only_the_columns_the_code_updates_and_delete_nothing(tmp_path: Path) -> None:
    """H1: as the application role, UPDATE of every column of every table (but the granted ones), DELETE and
    TRUNCATE of every table are refused; reference data are insert-only snapshots."""
    owner_url, drop = make_database("postgresql", tmp_path)
    role = f"subsidy_app_{uuid.uuid4().hex[:8]}"
    owner = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    try:
        get_engine(owner_url)
        sql = ROLES_SQL.read_text(encoding="utf-8").replace("subsidy_app", role).replace("'change-me'", "NULL")
        with owner.connect() as conn:
            conn.execute(text(sql))
        app = create_engine(owner_url.replace("postgres@", f"{role}@", 1), isolation_level="AUTOCOMMIT")
        refused: list[str] = []
        allowed: list[str] = []
        with app.connect() as conn:
            for table in Base.metadata.sorted_tables:
                statements = [f'UPDATE {table.name} SET "{c.name}" = "{c.name}" WHERE false' for c in table.columns]
                statements += [f"DELETE FROM {table.name} WHERE false", f"TRUNCATE {table.name}"]
                for statement in statements:
                    try:
                        conn.execute(text(statement))
                        allowed.append(statement)
                    except ProgrammingError as e:
                        assert "permission denied" in str(e)
                        refused.append(statement)
        expected = sorted(
            f'UPDATE {table} SET "{column}" = "{column}" WHERE false'
            for table, columns in GRANTED_UPDATES.items()
            for column in columns
        )
        assert sorted(allowed) == expected
        tables = Base.metadata.sorted_tables
        assert len(refused) == sum(len(t.columns) + 2 for t in tables) - len(expected) == 211  # all the others
        app.dispose()
    finally:
        owner.dispose()
        drop()
        _admin_execute(f'DROP ROLE IF EXISTS "{role}"')
