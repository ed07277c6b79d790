"""Models and migrations agree (alembic check), and every migration can be undone and redone."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from ledger.db import alembic_config, make_engine, migrate


def test_models_and_migrations_agree_and_downgrade_works(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.check(config)  # raises when the models have changes no migration carries
            command.downgrade(config, "base")
            conn.commit()
            assert not inspect(conn).has_table("ledger_transactions")
        migrate(engine)
        assert inspect(engine).has_table("ledger_transactions")
        migrate(engine)  # a second upgrade is a no-op
    finally:
        engine.dispose()


def test_the_schema_head_the_code_knows_is_alembics(db_url: str) -> None:
    from alembic.script import ScriptDirectory

    from ledger.db import SCHEMA_HEAD, schema_revision

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_HEAD
    engine = make_engine(db_url)
    try:
        assert schema_revision(engine) is None  # a new database: migrated by get_engine
        migrate(engine)
        assert schema_revision(engine) == SCHEMA_HEAD  # already there: get_engine does not migrate again
    finally:
        engine.dispose()
