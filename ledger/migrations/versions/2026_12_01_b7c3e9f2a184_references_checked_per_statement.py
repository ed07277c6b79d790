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

from ledger.reference_checks import create_statements, drop_statements

revision = "b7c3e9f2a184"
down_revision = "d4e8a2c6f091"
branch_labels = None
depends_on = None

REFERENCES = {
    ("decisions", "application_id"): ("applications", "application_id"),
    ("decisions", "intake_run_id"): ("intake_runs", "id"),
    ("decisions", "parameter_set"): ("parameter_sets", "hash"),
    ("applications", "intake_run_id"): ("intake_runs", "id"),
}
"""What this revision checks per statement (a copy: ``ledger.models.REFERENCES_CHECKED_PER_STATEMENT`` at it)."""
FOREIGN_KEYS = {
    ("decisions", "application_id"): "decisions_application_id_fkey",
    ("decisions", "intake_run_id"): "decisions_intake_run_id_fkey",
    ("decisions", "parameter_set"): "fk_decisions_parameter_set",
    ("applications", "intake_run_id"): "applications_intake_run_id_fkey",
}
"""The foreign keys replaced, by (table, column), with the names PostgreSQL gave them."""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for (table, _), name in FOREIGN_KEYS.items():
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for statement in create_statements(REFERENCES):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in drop_statements(REFERENCES):
        op.execute(statement)
    for (table, column), name in FOREIGN_KEYS.items():
        target, key = REFERENCES[(table, column)]
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {target} ({key})")
