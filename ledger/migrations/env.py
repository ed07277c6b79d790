"""Alembic environment: migrates the database the application uses (or the connection it is handed)."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Column, create_engine

from core.settings import database_url
from ledger.models import REFERENCES_CHECKED_PER_STATEMENT, Base

config = context.config
target_metadata = Base.metadata


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """The models' foreign keys that PostgreSQL checks per statement instead (``REFERENCES_CHECKED_PER_STATEMENT``)
    are not compared there: the database has triggers in their place. Nor are indexes over an expression (each
    database spells the expression its own way; tests/ledger/test_migrations.py checks them)."""
    if type_ == "index" and any(not isinstance(e, Column) for e in obj.expressions):
        return False
    if type_ != "foreign_key_constraint" or context.get_bind().dialect.name != "postgresql":
        return True
    columns = tuple(obj.column_keys)
    return not (len(columns) == 1 and (obj.table.name, columns[0]) in REFERENCES_CHECKED_PER_STATEMENT)


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = config.attributes.get("engine") or create_engine(database_url())
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=target_metadata, render_as_batch=True, include_object=include_object
        )
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
