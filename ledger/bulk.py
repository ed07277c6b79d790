"""The bulk path for large runs: COPY on PostgreSQL, one executemany on SQLite, inside the caller's transaction.

Values are rendered here exactly as SQLAlchemy would store them (dates, JSON, booleans), so the ORM reads them
back unchanged."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def _copy_text(value: Any, is_json: bool) -> str:
    if value is None:
        return "\\N"
    if is_json:
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    elif isinstance(value, bool):
        value = "t" if value else "f"
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    else:
        value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _sqlite_value(value: Any, is_json: bool) -> Any:
    if value is None:
        return None
    if is_json:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def bulk_insert(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts keyed by column name) into ``table`` with the fastest path of the database."""
    if not rows:
        return
    names = list(rows[0])
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    flags = [name in json_columns for name in names]
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    target = f"{quote(table.name)} ({', '.join(quote(n) for n in names)})"
    if connection.dialect.name == "postgresql":
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_text(row[n], j) for n, j in zip(names, flags, strict=True)))
            buffer.write("\n")
        buffer.seek(0)
        statement = f"COPY {target} FROM STDIN"
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
    values = [tuple(_sqlite_value(row[n], j) for n, j in zip(names, flags, strict=True)) for row in rows]
    sql = f"INSERT INTO {target} VALUES ({', '.join('?' for _ in names)})"
    connection.exec_driver_sql(sql, values)


LOOKUP_CHUNK = 500


def lookup(session: Session, key: Any, value: Any, keys: Sequence[Any]) -> dict[Any, Any]:
    """``key → value`` for the rows whose ``key`` is among ``keys``, asked in chunks (IN lists stay small)."""
    found: dict[Any, Any] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = list(keys[start : start + LOOKUP_CHUNK])
        found.update(session.execute(select(key, value).where(key.in_(chunk))).tuples().all())
    return found
