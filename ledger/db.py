"""Engine, schema migrations and the locked transactions that make runs safe to overlap.

SQLite: WAL, a busy timeout, foreign keys, and every transaction begins IMMEDIATE (the write lock is taken
at the start, so two runs cannot interleave). PostgreSQL: a run's transaction takes a transaction-scoped
advisory lock before it reads what it will write.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from core.errors import DatabaseError
from core.settings import database_url, redact_url
from ledger.bulk import install_copy_guard

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA_HEAD = "f2a4c6e8b0d3"
"""The newest migration (a test holds it equal to Alembic's head): a database already there is not migrated
again, and a query does not load Alembic at all."""
RUN_LOCK_KEY = 0x5B5D1D  # advisory lock id shared by every writing run of this application
log = logging.getLogger(__name__)
ANALYZE_BASE_ROWS, ANALYZE_SHARE = 50, 0.1
"""A table is analysed when a run added more than 50 rows + 10 % of the rows its statistics know of (the
thresholds of PostgreSQL's autovacuum) or it was never analysed."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``, with the SQLite settings that make it safe for concurrent runs."""
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 60})
            _configure_sqlite(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True)
            install_copy_guard(engine)
    except (SQLAlchemyError, ValueError) as e:
        raise DatabaseError(f"cannot use database {redact_url(url)}: {e.__class__.__name__}") from None
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Large runs insert a million rows into indexes whose keys arrive in no particular order: a page cache of
        # 128 MiB (instead of 2 MiB) keeps those B-trees in memory (about 100 MB of them for 1,000,000
        # applications); temporary B-trees (sorts) stay in memory too. 256 MiB was no faster and cost the intake of
        # 1,000,000 another 110 MB (bench/RESULTS.md, 2026-12-01).
        cursor.execute("PRAGMA cache_size=-131072")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config(stdout=sys.stdout)  # the stream of now: Config's default is the one when alembic was imported
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (idempotent; serialised between processes)."""
    from alembic import command

    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": RUN_LOCK_KEY + 1})
            try:
                config = alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
            finally:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RUN_LOCK_KEY + 1})
                    connection.commit()
    except OperationalError as e:
        raise DatabaseError(
            f"cannot reach database {redact_url(str(engine.url.render_as_string(hide_password=False)))}: "
            f"{_first_line(e)}"
        ) from None


_ENGINES: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """The migrated engine for ``url`` (default: SUBSIDY_DATABASE_URL), one per process and URL."""
    url = url or database_url()
    engine = _ENGINES.get(url)
    if engine is None:
        engine = make_engine(url)
        if schema_revision(engine) != SCHEMA_HEAD:
            migrate(engine)
        _ENGINES[url] = engine
    return engine


def existing_engine(url: str | None = None) -> Engine:
    """The engine of a database that already holds the ledger, for a command that only reads: DatabaseError, with
    nothing created, when the SQLite file does not exist or the database holds no ledger."""
    url = url or database_url()
    if url not in _ENGINES:
        probe = make_engine(url)
        try:
            where = probe.url.database
            if probe.dialect.name == "sqlite" and where not in (None, "", ":memory:") and not Path(where).exists():
                raise DatabaseError(f"database {redact_url(url)} does not exist: nothing to read, nothing created")
            try:
                found = has_schema(probe)
            except OperationalError as e:
                raise DatabaseError(f"cannot reach database {redact_url(url)}: {_first_line(e)}") from None
            if not found:
                raise DatabaseError(f"database {redact_url(url)} holds no subsidy ledger: nothing to read")
        finally:
            probe.dispose()
    return get_engine(url)


def _first_line(error: OperationalError) -> str:
    return str(error.orig).strip().splitlines()[0] if error.orig else str(error)


def close_engines() -> None:
    """At the end of a command: SQLite's write-ahead log is checkpointed into the database file (a copy of the
    file alone then holds every table), and every pooled connection is closed."""
    for url in list(_ENGINES):
        engine = _ENGINES[url]
        if engine.dialect.name == "sqlite":
            try:
                connection = engine.raw_connection()
                try:
                    connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
                finally:
                    connection.close()
            except SQLAlchemyError as e:  # another process still reading: its own end checkpoints
                log.warning("write-ahead log of %s not checkpointed: %s", redact_url(url), e)
        dispose_engine(url)


def backup_sqlite(engine: Engine, target: Path) -> int:
    """A consistent copy of a SQLite database into the new file ``target`` (SQLite's online backup: pages copied
    under a read transaction, the write-ahead log included); the pages copied."""
    import sqlite3

    if target.exists():
        raise DatabaseError(f"{target} already exists: a backup never overwrites a file")
    source = engine.raw_connection()
    copy = sqlite3.connect(target)
    try:
        source.driver_connection.backup(copy)  # type: ignore[union-attr]
        pages = copy.execute("PRAGMA page_count").fetchone()[0]
    finally:
        copy.close()
        source.close()
    return int(pages)


def dispose_engine(url: str) -> None:
    """Close the pooled connections of ``url``'s engine and forget it."""
    engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


def schema_revision(engine: Engine) -> str | None:
    """The migration a database is at (None: no schema yet, or it cannot be read; migrating then says why)."""
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except SQLAlchemyError:
        return None


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("ledger_transactions")


@contextmanager
def run_transaction(engine: Engine) -> Iterator[Session]:
    """One atomic unit of a run: all of it is stored or none. Serialised against every other writing run."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        if engine.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": RUN_LOCK_KEY})
        yield session


def refresh_statistics(engine: Engine, added: Mapping[str, int]) -> list[str]:
    """After a run has committed: on PostgreSQL, ANALYZE each table it grew by more than the autovacuum
    thresholds (``added``: table → rows the run inserted), as PostgreSQL advises after a bulk load. Autovacuum
    would do so a minute or more later, or never where it is off; meanwhile the planner takes a freshly filled
    ledger for an empty one, and a cycle right after a large intake plans its search for due installments as
    nested loops (1,000,000 applications: 5.2 s instead of 0.6 s). Only tables the connected role owns (an
    INSERT/SELECT role leaves this to autovacuum); best effort: a failure is logged, the run stands. The tables
    analysed."""
    if engine.dialect.name != "postgresql" or not any(added.values()):
        return []
    analysed: list[str] = []
    try:
        with engine.connect() as connection:
            for table, rows in added.items():
                if rows <= ANALYZE_BASE_ROWS:
                    continue
                known = connection.execute(
                    text(
                        "SELECT c.reltuples, pg_has_role(c.relowner, 'USAGE') FROM pg_class c "
                        "WHERE c.oid = to_regclass(:table)"
                    ),
                    {"table": table},
                ).first()
                if known is None or not known[1]:
                    continue
                if known[0] < 0 or rows > ANALYZE_BASE_ROWS + ANALYZE_SHARE * known[0]:
                    connection.exec_driver_sql(f"ANALYZE {engine.dialect.identifier_preparer.quote(table)}")
                    analysed.append(table)
            connection.commit()
    except SQLAlchemyError as e:
        log.warning("statistics of %s not refreshed: %s", ", ".join(added), e)
    return analysed
