"""recoveries: an award revoked (by which document, approved by whom, why, on which day), and the ledger's entries
of a revocation: a cancellation settles an installment not yet settled (so the unique index behind the business keys
holds it in the settlement's place, ``ledger.accounts.POSTED_ONCE``; the same value as before for every earlier
entry), and withholdings, retentions, claims and receipts follow the entry before them on an installment's trail;
the insert triggers check them (``ledger.invariants``).

Revision ID: f2a4c6e8b0d3
Revises: d9f1b3c5e7a2
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.accounts import POSTED_ONCE, POSTED_ONCE_BEFORE_RECOVERIES, RECOVERY_STEPS
from ledger.invariants import posted_once_and_triggers

revision = "f2a4c6e8b0d3"
down_revision = "d9f1b3c5e7a2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recoveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(length=200), nullable=False),
        sa.Column("recipient_uscc", sa.String(length=18), nullable=False),
        sa.Column("document_ref", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id"),
    )
    for statement in posted_once_and_triggers(op.get_bind().dialect.name, POSTED_ONCE):
        op.execute(statement)


def downgrade() -> None:
    kinds = ", ".join(f"'{kind}'" for kind in ("cancel", *RECOVERY_STEPS))
    found = op.get_bind().execute(sa.text(f"SELECT COUNT(*) FROM ledger_transactions WHERE kind IN ({kinds})"))
    if found.scalar():
        raise RuntimeError(
            "the ledger holds recoveries, which the earlier schema cannot hold; the downgrade changes nothing"
        )
    for statement in posted_once_and_triggers(op.get_bind().dialect.name, POSTED_ONCE_BEFORE_RECOVERIES):
        op.execute(statement)
    op.drop_table("recoveries")
