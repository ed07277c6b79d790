"""decision recipient registration: what the application said of the recipient's registration, with the decision;
no secondary indexes on decisions

A disbursement cycle screens each due installment's recipient with the registration flags the application gave
(the provider's for A8 when it is the recipient). They are kept with the decision, so a cycle reads three columns
instead of parsing every application's JSON. The decisions' indexes on the applicant were used by nothing
(earlier grants are summed over the whole table) and slowed every insert.

Revision ID: 5b2f8e91c3d7
Revises: 9c1e5a7d2b40
Create Date: 2026-11-26 23:20:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "5b2f8e91c3d7"
down_revision = "9c1e5a7d2b40"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_grant_key")
        batch_op.drop_index(batch_op.f("ix_decisions_uscc"))
        batch_op.add_column(sa.Column("recipient_entity_type", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("recipient_business_in_minhang", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("recipient_tax_in_minhang", sa.Boolean(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT d.application_id, d.uscc, d.recipient_uscc, a.data FROM decisions d "
            "JOIN applications a ON a.application_id = d.application_id"
        )
    ).all()
    updates = []
    for app_id, uscc, recipient, data in rows:
        values = json.loads(data) if isinstance(data, str) else data
        if recipient and recipient != uscc:  # A8: the provider, by the application's own statement
            flags = ("enterprise", bool(values.get("provider_in_minhang")), bool(values.get("provider_in_minhang")))
        else:
            flags = (
                values.get("entity_type") or "enterprise",
                bool(values.get("business_in_minhang")),
                bool(values.get("tax_in_minhang")),
            )
        updates.append({"id": app_id, "e": flags[0], "b": flags[1], "t": flags[2]})
    if updates:
        bind.execute(
            sa.text(
                "UPDATE decisions SET recipient_entity_type = :e, recipient_business_in_minhang = :b, "
                "recipient_tax_in_minhang = :t WHERE application_id = :id"
            ),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column("recipient_tax_in_minhang")
        batch_op.drop_column("recipient_business_in_minhang")
        batch_op.drop_column("recipient_entity_type")
        batch_op.create_index(batch_op.f("ix_decisions_uscc"), ["uscc"], unique=False)
        batch_op.create_index("ix_decisions_grant_key", ["uscc", "project_key", "kind"], unique=False)
