"""The bulk path for large runs: COPY (CSV) on PostgreSQL, one executemany on SQLite, inside the caller's
transaction.

Values are rendered here exactly as SQLAlchemy would store them (dates, JSON, booleans), so the ORM reads them
back unchanged. Rows come as tuples in the order of ``names`` (the hot paths build them directly) or as dicts."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, select
from sqlalchemy.exc import DBAPIError
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
        buffer = io.StringIO(copy_text(rows))
        options = "FORMAT text"
        statement = f"COPY {target} FROM STDIN WITH ({options})"
        dbapi = connection.dialect.dbapi
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.copy_expert(statement, buffer)
        except dbapi.Error as e:  # type: ignore[union-attr]
            # The same exception classes as any SQLAlchemy statement (IntegrityError, OperationalError, ...).
            raise DBAPIError.instance(statement, None, e, dbapi.Error) from None  # type: ignore[union-attr]
        finally:
            cursor.close()
        return
    sql = f"INSERT INTO {target} VALUES ({', '.join('?' for _ in names)})"
    connection.exec_driver_sql(sql, rows)


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
    codes, ids, hashes, JSON without escapes) is taken as it is, a column of integers turned to text at once."""
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
        columns.append(list(map(_copy_value, column)))
    return "".join(line + "\n" for line in map("\t".join, zip(*columns, strict=True)))


LOOKUP_CHUNK = 500


def lookup(session: Session, key: Any, value: Any, keys: Sequence[Any]) -> dict[Any, Any]:
    """``key → value`` for the rows whose ``key`` is among ``keys``, asked in chunks (IN lists stay small)."""
    found: dict[Any, Any] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = list(keys[start : start + LOOKUP_CHUNK])
        found.update(session.execute(select(key, value).where(key.in_(chunk))).tuples().all())
    return found
