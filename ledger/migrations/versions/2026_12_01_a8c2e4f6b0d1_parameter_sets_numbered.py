"""parameter sets numbered: a decision refers to the parameter set it read by a small number, not by the set's
64-character hash (which the set keeps, unique, to be stored once). Existing sets are numbered in the order they
were stored (SQLite) or by hash (PostgreSQL); every decision keeps the same set.

Revision ID: a8c2e4f6b0d1
Revises: f6b1d3a5c7e9
Create Date: 2026-12-01 14:10:00
"""

from __future__ import annotations

from alembic import op

from ledger.invariants import drop_trigger_statements, trigger_statements
from ledger.reference_checks import refer_function, referred_function

revision = "a8c2e4f6b0d1"
down_revision = "f6b1d3a5c7e9"
branch_labels = None
depends_on = None

_REFERENCES = {
    ("decisions", "application_id"): ("applications", "application_id"),
    ("decisions", "intake_run_id"): ("intake_runs", "id"),
    ("applications", "intake_run_id"): ("intake_runs", "id"),
}
BY_HASH = {**_REFERENCES, ("decisions", "parameter_set"): ("parameter_sets", "hash")}
BY_NUMBER = {**_REFERENCES, ("decisions", "parameter_set"): ("parameter_sets", "id")}
"""What PostgreSQL checks per statement before and after this revision."""

_DECISIONS = """CREATE TABLE decisions_rebuilt (
    application_id VARCHAR(200) NOT NULL,
    clause VARCHAR(16) NOT NULL,
    uscc VARCHAR(18) NOT NULL,
    status VARCHAR(16) NOT NULL,
    reasons TEXT NOT NULL,
    award_total_fen BIGINT NOT NULL,
    recipient_uscc VARCHAR(18),
    decided_on DATE NOT NULL,
    kind VARCHAR(32) NOT NULL,
    project_key VARCHAR(200) NOT NULL,
    claim_year INTEGER,
    trace JSON NOT NULL,
    intake_run_id INTEGER NOT NULL,
    parameter_set {type},
    recipient_entity_type VARCHAR(32),
    recipient_business_in_minhang BOOLEAN,
    recipient_tax_in_minhang BOOLEAN,
    PRIMARY KEY (application_id),
    CONSTRAINT fk_decisions_parameter_set FOREIGN KEY(parameter_set) REFERENCES parameter_sets_rebuilt ({key}),
    FOREIGN KEY(application_id) REFERENCES applications (application_id),
    FOREIGN KEY(intake_run_id) REFERENCES intake_runs (id)
)"""
_KEPT = (
    "application_id, clause, uscc, status, reasons, award_total_fen, recipient_uscc, decided_on, kind, project_key, "
    "claim_year, trace, intake_run_id"
)
_RECIPIENT = "recipient_entity_type, recipient_business_in_minhang, recipient_tax_in_minhang"


def _sqlite_rebuild(parameter_sets: str, copy_sets: str, set_type: str, key: str, set_of_decision: str) -> None:
    """Rebuild both tables (SQLite changes neither a key nor a column's type in place), under temporary names the
    renames carry over; the ledger's insert checks, which read the decisions, are recreated after."""
    for statement in drop_trigger_statements("sqlite"):
        op.execute(statement)
    op.execute(parameter_sets)
    op.execute(copy_sets)
    op.execute(_DECISIONS.format(type=set_type, key=key))
    op.execute(
        f"INSERT INTO decisions_rebuilt ({_KEPT}, parameter_set, {_RECIPIENT}) "
        f"SELECT {_KEPT}, {set_of_decision}, {_RECIPIENT} FROM decisions d ORDER BY application_id"
    )
    for statement in (
        "DROP TABLE decisions",
        "DROP TABLE parameter_sets",
        "ALTER TABLE parameter_sets_rebuilt RENAME TO parameter_sets",
        "ALTER TABLE decisions_rebuilt RENAME TO decisions",
        *trigger_statements("sqlite", ""),
    ):
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        _sqlite_rebuild(
            'CREATE TABLE parameter_sets_rebuilt (id INTEGER NOT NULL, hash VARCHAR(64) NOT NULL, "values" JSON '
            "NOT NULL, PRIMARY KEY (id), UNIQUE (hash))",
            'INSERT INTO parameter_sets_rebuilt (id, hash, "values") '
            'SELECT row_number() OVER (ORDER BY rowid), hash, "values" FROM parameter_sets',
            "INTEGER",
            "id",
            "(SELECT p.id FROM parameter_sets_rebuilt p WHERE p.hash = d.parameter_set)",
        )
        return
    for statement in (
        "ALTER TABLE parameter_sets ADD COLUMN id INTEGER",
        "UPDATE parameter_sets p SET id = r.n FROM "
        "(SELECT hash, row_number() OVER (ORDER BY hash) AS n FROM parameter_sets) r WHERE r.hash = p.hash",
        "ALTER TABLE parameter_sets ALTER COLUMN id SET NOT NULL, DROP CONSTRAINT parameter_sets_pkey, "
        "ADD PRIMARY KEY (id), ADD CONSTRAINT parameter_sets_hash_key UNIQUE (hash)",
        "CREATE FUNCTION pg_temp.subsidy_set_number(text) RETURNS integer AS "
        "$$ SELECT id FROM parameter_sets WHERE hash = $1 $$ LANGUAGE sql STABLE",
        "ALTER TABLE decisions ALTER COLUMN parameter_set TYPE INTEGER USING pg_temp.subsidy_set_number(parameter_set)",
        "DROP FUNCTION pg_temp.subsidy_set_number(text)",
        refer_function(BY_NUMBER, "decisions"),
        referred_function(BY_NUMBER, "parameter_sets"),
    ):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        _sqlite_rebuild(
            'CREATE TABLE parameter_sets_rebuilt (hash VARCHAR(64) NOT NULL, "values" JSON NOT NULL, '
            "PRIMARY KEY (hash))",
            'INSERT INTO parameter_sets_rebuilt (hash, "values") SELECT hash, "values" FROM parameter_sets ORDER BY id',
            "VARCHAR(64)",
            "hash",
            "(SELECT p.hash FROM parameter_sets p WHERE p.id = d.parameter_set)",
        )
        return
    for statement in (
        "CREATE FUNCTION pg_temp.subsidy_set_hash(integer) RETURNS VARCHAR(64) AS "
        "$$ SELECT hash FROM parameter_sets WHERE id = $1 $$ LANGUAGE sql STABLE",
        "ALTER TABLE decisions ALTER COLUMN parameter_set TYPE VARCHAR(64) "
        "USING pg_temp.subsidy_set_hash(parameter_set)",
        "DROP FUNCTION pg_temp.subsidy_set_hash(integer)",
        "ALTER TABLE parameter_sets DROP CONSTRAINT parameter_sets_pkey, DROP CONSTRAINT parameter_sets_hash_key, "
        "ADD PRIMARY KEY (hash), DROP COLUMN id",
        refer_function(BY_HASH, "decisions"),
        referred_function(BY_HASH, "parameter_sets"),
    ):
        op.execute(statement)
