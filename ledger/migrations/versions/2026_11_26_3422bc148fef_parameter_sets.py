"""parameter sets: the parameter values and readings of decisions, stored once and shared

Revision ID: 3422bc148fef
Revises: f767604034e1
Create Date: 2026-11-26 20:41:16.329283
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3422bc148fef"
down_revision = "f767604034e1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parameter_sets",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("hash"),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parameter_set", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key("fk_decisions_parameter_set", "parameter_sets", ["parameter_set"], ["hash"])


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_decisions_parameter_set", type_="foreignkey")
        batch_op.drop_column("parameter_set")

    op.drop_table("parameter_sets")
