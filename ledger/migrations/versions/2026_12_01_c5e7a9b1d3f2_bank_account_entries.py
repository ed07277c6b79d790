"""bank account entries: the rows of each ``bank_accounts`` load (银行账户), the account a recipient is paid into
from a date (issue 20)

Revision ID: c5e7a9b1d3f2
Revises: a8c2e4f6b0d1
Create Date: 2026-12-01 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c5e7a9b1d3f2"
down_revision = "a8c2e4f6b0d1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_account_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("account_name", sa.Text(), nullable=False),
        sa.Column("bank_name", sa.Text(), nullable=False),
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["load_id"], ["reference_loads.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bank_account_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_account_entries_load_id"), ["load_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bank_account_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_account_entries_load_id"))
    op.drop_table("bank_account_entries")
