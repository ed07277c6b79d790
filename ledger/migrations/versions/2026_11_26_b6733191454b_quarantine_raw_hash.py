"""quarantine raw hash: the same bad row sent again is not quarantined twice

Revision ID: b6733191454b
Revises: ed41b9de4870
Create Date: 2026-11-26 20:07:39.240660
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b6733191454b"
down_revision = "ed41b9de4870"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_quarantine_raw_hash"), ["raw_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_raw_hash"))
        batch_op.drop_column("raw_hash")
