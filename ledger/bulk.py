"""The bulk path for large runs: COPY (text format) on PostgreSQL, one executemany on SQLite, inside the
caller's transaction.

Values are rendered here exactly as SQLAlchemy would store them (dates, JSON, booleans), so the ORM reads them
back unchanged. Rows come as tuples in the order of ``names`` (the hot paths build them directly) or as dicts.

PostgreSQL checks every row of a COPY (foreign keys, unique indexes) in its own server process. Inside
``copies_in_background`` a run's COPY statements go, in order, to a thread that only waits on that server (the
data goes in 1 MiB pieces, so the thread rarely needs Python's interpreter lock), while the run goes on deciding
and hashing. Any other statement on the connection and the commit first wait for the COPYs sent before them
(``install_copy_guard``), so the order of work in the transaction is what the code says; a COPY's error is raised
there, as the same SQLAlchemy exception a plain statement raises. Leaving the block by an error drops the COPYs not
yet sent before the transaction is rolled back."""

from __future__ import annotations

import io
import json
import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Engine, event, select
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session


def encode_json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def bulk_insert(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts keyed by column name) into ``table`` with the fastest path of the database."""
    if not rows:
        return
    names = list(rows[0])
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    flags = [name in json_columns for name in names]
    tuples = [tuple(encode_json(row[n]) if j else row[n] for n, j in zip(names, flags, strict=True)) for row in rows]
    bulk_insert_tuples(session, table, names, tuples)


def _plain(value: Any) -> Any:
    """Dates and times as the ISO text both databases store them as."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def bulk_insert_tuples(session: Session, table: Any, names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (tuples in the order of ``names``; JSON already encoded, dates and times as ISO text)."""
    if not rows:
        return
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    target = f"{quote(table.name)} ({', '.join(quote(n) for n in names)})"
    if connection.dialect.name == "postgresql":
        statement = f"COPY {target} FROM STDIN WITH (FORMAT text)"
        worker = connection.info.get(_WORKER)
        if worker is not None:
            worker.submit(statement, copy_text(rows))
            return
        dbapi_connection = connection.connection.dbapi_connection
        try:
            _copy(dbapi_connection, statement, copy_text(rows))
        except connection.dialect.dbapi.Error as e:  # type: ignore[union-attr]
            raise _wrapped(connection.dialect.dbapi, statement, e) from None
        return
    sql = f"INSERT INTO {target} VALUES ({', '.join('?' for _ in names)})"
    connection.exec_driver_sql(sql, rows)


COPY_PIECE = 1 << 20
"""Characters sent to the server at a time: large pieces keep the COPY thread off the interpreter lock."""
COPY_QUEUE = 2
"""COPYs waiting for the thread at most (each a chunk of rows as text): a run gets ahead of its server by this
much, no more, so memory stays bounded."""
_WORKER = "subsidy.copy_worker"


def _copy(dbapi_connection: Any, statement: str, text: str) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.copy_expert(statement, io.StringIO(text), size=COPY_PIECE)
    finally:
        cursor.close()


def _wrapped(dbapi: Any, statement: str, error: Exception) -> StatementError:
    """The same exception classes as any SQLAlchemy statement (IntegrityError, OperationalError, ...)."""
    return DBAPIError.instance(statement, None, error, dbapi.Error)


class _CopyWorker:
    """Runs the COPY statements of one connection in the order they are submitted, on a thread of its own."""

    def __init__(self, dbapi_connection: Any, dbapi: Any) -> None:
        self._connection = dbapi_connection
        self._dbapi = dbapi
        self._jobs: queue.Queue[tuple[str, str] | None] = queue.Queue(maxsize=COPY_QUEUE)
        self._error: tuple[str, Exception] | None = None
        self._thread = threading.Thread(target=self._work, name="subsidy-copy", daemon=True)
        self._thread.start()

    def submit(self, statement: str, text: str) -> None:
        self._raise_error()
        self._jobs.put((statement, text))

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                if self._error is None:  # after a failure the transaction is lost: the rest is dropped
                    try:
                        _copy(self._connection, *job)
                    except Exception as e:  # noqa: BLE001 (handed to the main thread as it is)
                        self._error = (job[0], e)
            finally:
                self._jobs.task_done()

    def wait(self) -> None:
        """Until every COPY submitted so far has finished; raise the first one's error, if any."""
        self._jobs.join()
        self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:
            statement, error = self._error
            if isinstance(error, self._dbapi.Error):
                raise _wrapped(self._dbapi, statement, error) from None
            raise error

    def stop(self, drop: bool = False) -> None:
        """End the thread once the running COPY has finished; ``drop`` (the transaction is being rolled back):
        the COPYs still waiting are not sent."""
        if drop and self._error is None:
            self._error = ("", RuntimeError("dropped: the transaction is rolled back"))
        self._jobs.put(None)
        self._thread.join()


@contextmanager
def copies_in_background(session: Session) -> Iterator[bool]:
    """Within the block, COPY statements of ``session``'s connection run on their own thread (PostgreSQL: the
    block's value is True; on SQLite nothing changes). On leaving it, every COPY has finished and its error, if
    any, is raised; on leaving it by an error, the COPYs not yet sent are dropped (the transaction is rolled
    back)."""
    connection = session.connection()
    info = connection.info  # kept: a connection the server dropped refuses to show it again
    if connection.dialect.name != "postgresql" or _WORKER in info:
        yield _WORKER in info
        return
    worker = _CopyWorker(connection.connection.dbapi_connection, connection.dialect.dbapi)
    info[_WORKER] = worker
    try:
        yield True
        worker.wait()
    except BaseException:
        info.pop(_WORKER, None)
        worker.stop(drop=True)
        raise
    info.pop(_WORKER, None)
    worker.stop()


def install_copy_guard(engine: Engine) -> None:
    """Every statement and the commit on a connection first wait for its COPYs in the background: nothing
    overtakes them, and their errors are raised where the run sees them."""

    def wait_for_copies(connection: Any, *_: Any) -> None:
        if connection.invalidated:
            return
        worker = connection.info.get(_WORKER)
        if worker is not None:
            worker.wait()

    event.listen(engine, "before_cursor_execute", wait_for_copies)
    event.listen(engine, "commit", wait_for_copies)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    """One value in COPY's text format: ``\\N`` for NULL, ``t``/``f`` for booleans, text with backslash,
    tab, newline and carriage return escaped."""
    if value is None:
        return "\\N"
    if type(value) is str:
        return value if value.isprintable() and "\\" not in value else value.translate(_COPY_ESCAPES)
    if value is True or value is False:
        return "t" if value else "f"
    return str(value)


def copy_text(rows: Sequence[tuple[Any, ...]]) -> str:
    """Rows in PostgreSQL COPY's text format, built column by column: a column of plain texts (the usual case:
    codes, ids, hashes, JSON without escapes) is taken as it is, a column of integers or of flags turned to text at
    once."""
    columns: list[Sequence[str]] = []
    for column in zip(*rows, strict=True):
        kinds = set(map(type, column))
        if kinds == {str}:
            joined = "".join(column)
            if joined.isprintable() and "\\" not in joined:
                columns.append(column)
                continue
        elif kinds == {int}:
            columns.append(list(map(str, column)))
            continue
        elif kinds == {bool}:
            columns.append(["t" if value else "f" for value in column])
            continue
        columns.append(list(map(_copy_value, column)))
    return "".join(line + "\n" for line in map("\t".join, zip(*columns, strict=True)))


LOOKUP_CHUNK = 500
INSERT_CHUNK = 100_000
"""Rows per bulk insert: the insert buffers stay bounded. Not fewer: PostgreSQL checks each statement's rows
against the tables they refer to (the ledger's invariants, the decisions' applications) in one query per
statement; 25,000 at a time made posting 300,000 applications' commitments 5 times slower."""


def lookup(session: Session, key: Any, value: Any, keys: Sequence[Any]) -> dict[Any, Any]:
    """``key → value`` for the rows whose ``key`` is among ``keys``, asked in chunks (IN lists stay small)."""
    found: dict[Any, Any] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = list(keys[start : start + LOOKUP_CHUNK])
        found.update(session.execute(select(key, value).where(key.in_(chunk))).tuples().all())
    return found


def bulk_read_parts(session: Session, statement: Any, part_rows: int = 100_000) -> Iterator[list[tuple[Any, ...]]]:
    """A large read, a part of ``part_rows`` rows at a time, each part as its columns: the statement, its few
    parameters written in, runs on the driver's cursor (a server-side one on PostgreSQL) without SQLAlchemy's row
    objects or type conversions (a third of the time for a million rows): values come as the driver gives them."""
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    dbapi_connection: Any = connection.connection.dbapi_connection
    server_side = connection.dialect.name == "postgresql"
    cursor = dbapi_connection.cursor(name="bulk_read") if server_side else dbapi_connection.cursor()
    try:
        if server_side:
            cursor.itersize = part_rows
        cursor.execute(sql)
        while rows := cursor.fetchmany(part_rows):
            yield list(zip(*rows, strict=True))
    finally:
        cursor.close()
