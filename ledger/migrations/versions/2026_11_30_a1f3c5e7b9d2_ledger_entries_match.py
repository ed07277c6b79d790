"""ledger entries must match what they settle: the database refuses, on insert, a commitment that is not an
installment of an approved decision (its recipient, clause and accounts; the decision's commitments never above
its award), a payment or forfeit that does not settle one unreversed commitment installment due by then (same
recipient, clause and amount; its accounts), a reversal that does not mirror the entry it reverses or reverses a
settled commitment, and any other kind. Each key names what it is for (``commitment/<app>/<k>``,
``settlement/<app>/<k>``, ``reversal/<seq>``), so the unique key allows one settlement per installment.
SQLite checks each row before it is inserted; PostgreSQL checks each statement's new rows together after it.
The conditions are ``ledger/invariants.py``'s (which ``ledger verify`` checks again); changing them takes a new
migration that recreates these triggers.

Revision ID: a1f3c5e7b9d2
Revises: 7c2d9e4a1b3f
Create Date: 2026-11-30 16:20:00
"""

from __future__ import annotations

from alembic import op

from ledger.invariants import drop_trigger_statements, trigger_statements

revision = "a1f3c5e7b9d2"
down_revision = "7c2d9e4a1b3f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in trigger_statements(op.get_bind().dialect.name, "n.business_key"):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
