"""PostgreSQL's statement triggers in place of the foreign keys of bulk writes (migration b7c3e9f2a184): what the new
rows of a statement refer to must exist, and a row referred to cannot be deleted, its key changed, or its table
truncated. Each function takes the references as ``(table, column) → (table, key)``, so a migration that changes
them recreates the triggers from its own frozen copy."""

from __future__ import annotations

from collections.abc import Mapping

References = Mapping[tuple[str, str], tuple[str, str]]


def _refers(references: References, table: str) -> str:
    """The condition a new row ``n`` of ``table`` fails when what it refers to does not exist."""
    return " OR ".join(
        f"(n.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {target} t WHERE t.{key} = n.{column}))"
        for (source, column), (target, key) in references.items()
        if source == table
    )


def _referred(references: References, table: str) -> str:
    """The condition a removed key ``o`` of ``table`` fails when a row still refers to it."""
    return " OR ".join(
        f"EXISTS (SELECT 1 FROM {source} s WHERE s.{column} = o.{key})"
        for (source, column), (target, key) in references.items()
        if target == table
    )


def _referring_rows_exist(references: References, table: str) -> str:
    """The condition that a table referring to ``table`` holds any row (what a TRUNCATE of it would orphan)."""
    return " OR ".join(
        f"EXISTS (SELECT 1 FROM {source})" for (source, _), (target, _) in references.items() if target == table
    )


def refer_function(references: References, table: str) -> str:
    """``CREATE OR REPLACE`` the function checking the new rows of ``table`` (each named by its application)."""
    return f"""
        CREATE OR REPLACE FUNCTION subsidy_{table}_refer() RETURNS trigger AS $$
        DECLARE bad record;
        BEGIN
            SELECT n.application_id INTO bad FROM new_rows n WHERE {_refers(references, table)} LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION '{table}: the row of % refers to a row that does not exist', bad.application_id
                    USING ERRCODE = 'foreign_key_violation';
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """


def referred_function(references: References, table: str) -> str:
    """``CREATE OR REPLACE`` the function checking what a DELETE, UPDATE or TRUNCATE of ``table`` removes."""
    key = next(key for (_, _), (target, key) in references.items() if target == table)
    referred = _referred(references, table)
    return f"""
        CREATE OR REPLACE FUNCTION subsidy_{table}_referred() RETURNS trigger AS $$
        DECLARE bad record;
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                SELECT NULL AS {key} INTO bad WHERE {_referring_rows_exist(references, table)};
            ELSIF TG_OP = 'DELETE' THEN
                SELECT o.{key} INTO bad FROM old_rows o WHERE {referred} LIMIT 1;
            ELSE
                SELECT o.{key} INTO bad FROM old_rows o
                WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.{key} = o.{key}) AND ({referred})
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


def create_statements(references: References) -> list[str]:
    """Every function and trigger, for the tables that refer and the tables referred to."""
    statements = []
    for table in sorted({source for source, _ in references}):
        statements.append(refer_function(references, table))
        statements += [
            f"CREATE TRIGGER {table}_refer_on_{event.lower()} AFTER {event} ON {table} "
            f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subsidy_{table}_refer()"
            for event in ("INSERT", "UPDATE")
        ]
    for table in sorted({target for target, _ in references.values()}):
        statements += [
            referred_function(references, table),
            f"CREATE TRIGGER {table}_referred_on_delete AFTER DELETE ON {table} "
            f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION subsidy_{table}_referred()",
            f"CREATE TRIGGER {table}_referred_on_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows "
            f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subsidy_{table}_referred()",
            f"CREATE TRIGGER {table}_referred_on_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION subsidy_{table}_referred()",
        ]
    return statements


def drop_statements(references: References) -> list[str]:
    """Undo ``create_statements``."""
    statements = []
    for table in sorted({target for target, _ in references.values()}):
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_referred_on_{e} ON {table}" for e in ("delete", "update", "truncate")
        ]
        statements.append(f"DROP FUNCTION IF EXISTS subsidy_{table}_referred()")
    for table in sorted({source for source, _ in references}):
        statements += [f"DROP TRIGGER IF EXISTS {table}_refer_on_{e} ON {table}" for e in ("insert", "update")]
        statements.append(f"DROP FUNCTION IF EXISTS subsidy_{table}_refer()")
    return statements
