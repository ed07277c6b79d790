"""PostgreSQL checks what decisions and applications refer to once per statement, not once per row: the four
foreign keys of a bulk run's writes (a decision's application, intake run and parameter set; an application's
intake run) become statement triggers that look up a whole COPY's rows in one query. A foreign key checks each
row on its own and locks the row it finds (``FOR KEY SHARE``): 18.6 s of a 1,000,000-application intake on this
project's machine (bench/RESULTS.md). The guarantees are the foreign keys': a row referring to nothing is
refused on INSERT and UPDATE; a referred row cannot be deleted, its key changed, or its table truncated. The
application role may delete nothing in any case. SQLite keeps its foreign keys (checked by index look-ups as
each row is inserted, without the lock).

Revision ID: b7c3e9f2a184
Revises: d4e8a2c6f091
Create Date: 2026-12-01 00:40:00
"""

from __future__ import annotations

from alembic import op

from ledger.models import REFERENCES_CHECKED_PER_STATEMENT

revision = "b7c3e9f2a184"
down_revision = "d4e8a2c6f091"
branch_labels = None
depends_on = None

FOREIGN_KEYS = {
    ("decisions", "application_id"): "decisions_application_id_fkey",
    ("decisions", "intake_run_id"): "decisions_intake_run_id_fkey",
    ("decisions", "parameter_set"): "fk_decisions_parameter_set",
    ("applications", "intake_run_id"): "applications_intake_run_id_fkey",
}
"""The foreign keys replaced, by (table, column), with the names PostgreSQL gave them."""


def _refers(table: str) -> str:
    """The condition a new row ``n`` of ``table`` fails when what it refers to does not exist."""
    return " OR ".join(
        f"(n.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {target} t WHERE t.{key} = n.{column}))"
        for (source, column), (target, key) in REFERENCES_CHECKED_PER_STATEMENT.items()
        if source == table
    )


def _referred(table: str) -> str:
    """The condition a removed key ``o`` of ``table`` fails when a row still refers to it."""
    return " OR ".join(
        f"EXISTS (SELECT 1 FROM {source} s WHERE s.{column} = o.{key})"
        for (source, column), (target, key) in REFERENCES_CHECKED_PER_STATEMENT.items()
        if target == table
    )


def _referring_rows_exist(table: str) -> str:
    """The condition that a table referring to ``table`` holds any row (what a TRUNCATE of it would orphan)."""
    return " OR ".join(
        f"EXISTS (SELECT 1 FROM {source})"
        for (source, _), (target, _) in REFERENCES_CHECKED_PER_STATEMENT.items()
        if target == table
    )


def _key(table: str) -> str:
    return next(key for (_, _), (target, key) in REFERENCES_CHECKED_PER_STATEMENT.items() if target == table)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for (table, _), name in FOREIGN_KEYS.items():
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for table in sorted({source for source, _ in REFERENCES_CHECKED_PER_STATEMENT}):
        op.execute(
            f"""
            CREATE FUNCTION subsidy_{table}_refer() RETURNS trigger AS $$
            DECLARE bad record;
            BEGIN
                SELECT n.application_id INTO bad FROM new_rows n WHERE {_refers(table)} LIMIT 1;
                IF FOUND THEN
                    RAISE EXCEPTION '{table}: the row of % refers to a row that does not exist', bad.application_id
                        USING ERRCODE = 'foreign_key_violation';
                END IF;
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER {table}_refer_on_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subsidy_{table}_refer()"
            )
    for table in sorted({target for target, _ in REFERENCES_CHECKED_PER_STATEMENT.values()}):
        key = _key(table)
        op.execute(
            f"""
            CREATE FUNCTION subsidy_{table}_referred() RETURNS trigger AS $$
            DECLARE bad record;
            BEGIN
                IF TG_OP = 'TRUNCATE' THEN
                    SELECT NULL AS {key} INTO bad WHERE {_referring_rows_exist(table)};
                ELSIF TG_OP = 'DELETE' THEN
                    SELECT o.{key} INTO bad FROM old_rows o WHERE {_referred(table)} LIMIT 1;
                ELSE
                    SELECT o.{key} INTO bad FROM old_rows o
                    WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.{key} = o.{key}) AND ({_referred(table)})
                    LIMIT 1;
                END IF;
                IF FOUND THEN
                    RAISE EXCEPTION '{table}: % of a row that other rows refer to (%) refused', TG_OP, bad.{key}
                        USING ERRCODE = 'foreign_key_violation';
                END IF;
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_referred_on_delete AFTER DELETE ON {table} "
            f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION subsidy_{table}_referred()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_referred_on_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows "
            f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subsidy_{table}_referred()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_referred_on_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION subsidy_{table}_referred()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in sorted({target for target, _ in REFERENCES_CHECKED_PER_STATEMENT.values()}):
        for event in ("delete", "update", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_referred_on_{event} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS subsidy_{table}_referred()")
    for table in sorted({source for source, _ in REFERENCES_CHECKED_PER_STATEMENT}):
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_refer_on_{event} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS subsidy_{table}_refer()")
    for (table, column), name in FOREIGN_KEYS.items():
        target, key = REFERENCES_CHECKED_PER_STATEMENT[(table, column)]
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {target} ({key})")
