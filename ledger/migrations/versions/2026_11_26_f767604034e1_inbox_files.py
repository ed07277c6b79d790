"""inbox files: each file the inbox flow took in, by checksum, with where it was archived

Revision ID: f767604034e1
Revises: b6733191454b
Create Date: 2026-11-26 20:17:01.696911
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f767604034e1"
down_revision = "b6733191454b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("archived_as", sa.Text(), nullable=False),
        sa.Column("intake_run_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["intake_run_id"],
            ["intake_runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("checksum"),
    )


def downgrade() -> None:
    op.drop_table("inbox_files")
