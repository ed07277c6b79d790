"""After a run has grown a table a lot, PostgreSQL's planner gets fresh statistics (ANALYZE), so the next run does
not plan for an empty ledger; SQLite has nothing to refresh."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine, text

from ledger.db import refresh_statistics
from rules.params import default_parameters
from tasks.cycle import run_cycle
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file


def _planner_rows(engine: Engine, table: str) -> float:
    with engine.connect() as conn:
        return float(
            conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table}).scalar_one()
        )


def test_a_run_that_grows_a_table_by_more_than_a_tenth_refreshes_its_statistics(engine: Engine, tmp_path: Path) -> None:
    # 120 applications: 60 pilots (one installment) and 60 leases (three): 240 commitment entries.
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "a.csv", 120))
    if engine.dialect.name == "sqlite":
        assert refresh_statistics(engine, {"ledger_transactions": 10_000}) == []
        return
    assert _planner_rows(engine, "ledger_transactions") == 240
    assert _planner_rows(engine, "applications") == 120
    assert _planner_rows(engine, "decisions") == 120

    # 20 more entries: below 50 + 10 % of 240, the statistics stay as they are.
    second = write_pilot_and_rent_file(tmp_path / "b.csv", 10, seed=4)
    second.write_text(second.read_text(encoding="utf-8").replace("P-0", "Q-0").replace("R-0", "S-0"), encoding="utf-8")
    intake_file(engine, second)
    assert _planner_rows(engine, "ledger_transactions") == 240
    # The cycle pays the 2024 installments: 60 pilots + 60 first lease years + 5 + 5 of the second file = 130 entries.
    summary = run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())
    assert summary.paid == 130
    assert _planner_rows(engine, "ledger_transactions") == 240 + 20 + 130
    assert refresh_statistics(engine, {"ledger_transactions": 50}) == []
    assert refresh_statistics(engine, {"ledger_transactions": 51, "no_such_table": 1_000}) == []  # 51 ≤ 50 + 39
    assert refresh_statistics(engine, {"ledger_transactions": 90}) == ["ledger_transactions"]


def test_statistics_that_cannot_be_refreshed_leave_the_committed_run_as_it_is(caplog) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    from tests.conftest import POSTGRES_ADMIN_URL

    gone = create_engine(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/subsidy_no_such_database")
    try:
        assert refresh_statistics(gone, {"ledger_transactions": 1_000}) == []
    finally:
        gone.dispose()
    assert "statistics of ledger_transactions not refreshed" in caplog.text
