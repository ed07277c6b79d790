"""onboarding entries: the rows of each ``onboardings`` load (上云企业清单), the enterprises a provider onboarded
in a claim year, which A5 counts once, for the provider that onboarded it first (I-10)

Revision ID: e67bf9c1649a
Revises: 5b2f8e91c3d7
Create Date: 2026-11-30 14:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e67bf9c1649a"
down_revision = "5b2f8e91c3d7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "onboarding_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("provider_uscc", sa.String(length=18), nullable=False),
        sa.Column("enterprise_uscc", sa.String(length=18), nullable=False),
        sa.Column("claim_year", sa.Integer(), nullable=False),
        sa.Column("onboarded_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["reference_loads.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("onboarding_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_onboarding_entries_load_id"), ["load_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("onboarding_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_entries_load_id"))
    op.drop_table("onboarding_entries")
