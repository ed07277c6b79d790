"""The bulk path stores every value as the ORM would: COPY's text format on PostgreSQL, executemany on SQLite."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Boolean, Column, Date, Integer, MetaData, Table, Text, func, select
from sqlalchemy.exc import IntegrityError

from ledger.bulk import bulk_insert_tuples, copies_in_background, copy_text
from ledger.db import run_transaction

_scratch = MetaData()
SCRATCH = Table(
    "bulk_scratch",
    _scratch,
    Column("n", Integer, primary_key=True),
    Column("text", Text, nullable=True),
    Column("flag", Boolean, nullable=True),
    Column("day", Date, nullable=True),
)
NAMES = ("n", "text", "flag", "day")

TRICKY = [
    "",
    "plain",
    "tab\there",
    "line\nbreak",
    "carriage\rreturn",
    "back\\slash",
    "\\N",
    "\\.",
    '{"a":"b\\"c"}',
    "闵行企业\u2028分隔",
    "\x1f\x00unit".replace("\x00", ""),
    "trailing\\",
]


def _round_trip(engine: Any, texts: list[str | None]) -> list[tuple[Any, ...]]:
    _scratch.drop_all(engine, checkfirst=True)
    _scratch.create_all(engine)
    rows = [
        (i, t, None if i % 3 == 0 else i % 2 == 0, None if i % 4 == 0 else date(2024, 1, 1 + i % 28).isoformat())
        for i, t in enumerate(texts)
    ]
    with run_transaction(engine) as session:
        bulk_insert_tuples(session, SCRATCH, NAMES, rows)
    with engine.connect() as connection:
        stored = connection.execute(select(SCRATCH).order_by(SCRATCH.c.n)).all()
    _scratch.drop_all(engine)
    expected = [(n, t, f, None if d is None else date.fromisoformat(d)) for n, t, f, d in rows]
    assert [tuple(r) for r in stored] == expected
    return stored


def test_tricky_texts_null_and_empty_survive_the_bulk_path(engine) -> None:  # type: ignore[no-untyped-def]
    _round_trip(engine, [*TRICKY, None, ""])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.none() | st.text(st.characters(codec="utf-8", exclude_characters="\x00")), max_size=8))
def test_any_text_survives_the_bulk_path(engine, texts: list[str | None]) -> None:  # type: ignore[no-untyped-def]
    _round_trip(engine, texts)


def test_copy_text_escapes_only_what_copy_reads_specially() -> None:
    assert copy_text([(1, "a\tb", None, True), (2, "c\\d", "", False)]) == "1\ta\\tb\t\\N\tt\n2\tc\\\\d\t\tf\n"


def _copy_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "subsidy-copy"]


def _rows(start: int, stop: int) -> list[tuple[Any, ...]]:
    return [(i, f"row {i}", i % 2 == 0, None) for i in range(start, stop)]


@pytest.fixture
def scratch(engine):  # type: ignore[no-untyped-def]
    """The scratch table, empty, on each backend's engine (dropped afterwards)."""
    _scratch.drop_all(engine, checkfirst=True)
    _scratch.create_all(engine)
    try:
        yield engine
    finally:
        _scratch.drop_all(engine)


def _stored(engine: Any) -> tuple[int, int | None]:
    with engine.connect() as connection:
        count, last = connection.execute(select(func.count(), func.max(SCRATCH.c.n)).select_from(SCRATCH)).one()
    return count, last


def test_copies_in_background_are_done_before_the_next_statement_and_the_commit(scratch) -> None:  # type: ignore[no-untyped-def]
    with run_transaction(scratch) as session, copies_in_background(session) as overlapped:
        assert overlapped is (scratch.dialect.name == "postgresql")
        bulk_insert_tuples(session, SCRATCH, NAMES, _rows(0, 30_000))
        bulk_insert_tuples(session, SCRATCH, NAMES, _rows(30_000, 60_000))
        # A statement sent now sees every row of the COPYs sent before it.
        assert session.execute(select(func.count()).select_from(SCRATCH)).scalar_one() == 60_000
        bulk_insert_tuples(session, SCRATCH, NAMES, _rows(60_000, 60_005))
    assert _stored(scratch) == (60_005, 60_004)
    assert _copy_threads() == []


def test_a_failing_background_copy_fails_the_run_and_stores_nothing(scratch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), run_transaction(scratch) as session, copies_in_background(session):
        bulk_insert_tuples(session, SCRATCH, NAMES, _rows(0, 1_000))
        bulk_insert_tuples(session, SCRATCH, NAMES, _rows(999, 2_000))  # row 999 again
        bulk_insert_tuples(session, SCRATCH, NAMES, _rows(2_000, 3_000))
    assert _stored(scratch) == (0, None)
    assert _copy_threads() == []


def test_an_error_while_copies_run_rolls_all_of_them_back(scratch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ZeroDivisionError), run_transaction(scratch) as session, copies_in_background(session):
        bulk_insert_tuples(session, SCRATCH, NAMES, _rows(0, 50_000))
        bulk_insert_tuples(session, SCRATCH, NAMES, _rows(50_000, 100_000))
        _ = 1 / 0
    assert _stored(scratch) == (0, None)
    assert _copy_threads() == []
