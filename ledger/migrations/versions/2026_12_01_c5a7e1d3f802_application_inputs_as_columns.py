"""application inputs as typed columns: each input of CONTRACT.md in a column of its own instead of one JSON text
per application. The JSON repeated every input's name in every row (about 500 bytes per application on SQLite, the
largest table); the columns keep the values alone. ``content_hash`` is unchanged: it stays the SHA-256 of the
canonical inputs text, which is rebuilt from the columns exactly (amounts keep the text they were parsed to).

Revision ID: c5a7e1d3f802
Revises: b7c3e9f2a184
Create Date: 2026-12-01 06:00:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "c5a7e1d3f802"
down_revision = "b7c3e9f2a184"
branch_labels = None
depends_on = None

INPUTS: dict[str, Any] = {
    "clause": sa.String(16),
    "uscc": sa.String(18),
    "name": sa.Text,
    "submitted_on": sa.Date,
    "project_id": sa.Text,
    "entity_type": sa.String(32),
    "business_in_minhang": sa.Boolean,
    "tax_in_minhang": sa.Boolean,
    "field": sa.String(32),
    "certified": sa.Boolean,
    "major_project": sa.Boolean,
    "fixed_asset_investment": sa.Text,
    "rd_expense": sa.Text,
    "equipment_investment": sa.Text,
    "paid_in_capital": sa.Text,
    "headcount": sa.Integer,
    "financing": sa.Text,
    "annual_rent": sa.Text,
    "lease_start": sa.Date,
    "investment": sa.Text,
    "title_level": sa.String(32),
    "cert_level": sa.String(32),
    "claim_year": sa.Integer,
    "onboarded_count": sa.Integer,
    "activity_cost": sa.Text,
    "provider_uscc": sa.String(18),
    "provider_in_minhang": sa.Boolean,
    "adopted": sa.Boolean,
    "report_id": sa.Text,
}
"""The inputs as this revision stores them (amounts: the exact decimal's text), in contract order."""

_POSTGRES_CASTS = {sa.Date: "date", sa.Boolean: "boolean", sa.Integer: "integer"}


def _from_json(dialect: str, name: str, kind: Any) -> str:
    """The SQL expression reading one input out of the stored JSON text."""
    if dialect == "sqlite":
        return f"json_extract(data, '$.{name}')"  # true/false come as 1/0, as SQLite keeps booleans
    cast = _POSTGRES_CASTS.get(kind)
    return f"(data->>'{name}')::{cast}" if cast else f"data->>'{name}'"


def upgrade() -> None:
    # The columns are added in place (no table is rebuilt: decisions refer to this one) and filled from the JSON
    # by the owner; the application role may still only insert and select.
    for name, kind in INPUTS.items():
        op.add_column("applications", sa.Column(name, kind, nullable=True))
    dialect = op.get_bind().dialect.name
    assignments = ", ".join(f'"{name}" = {_from_json(dialect, name, kind)}' for name, kind in INPUTS.items())
    op.execute(f"UPDATE applications SET {assignments}")
    op.drop_column("applications", "data")


def downgrade() -> None:
    # ``data`` comes back nullable (SQLite adds a NOT NULL column in place only with a default); every row is filled.
    op.add_column("applications", sa.Column("data", sa.JSON, nullable=True))
    bind = op.get_bind()
    names = ", ".join(f'"{name}"' for name in INPUTS)
    updates = []
    for app_id, *values in bind.execute(sa.text(f"SELECT application_id, {names} FROM applications")).all():
        data = {"application_id": app_id}
        for (name, kind), value in zip(INPUTS.items(), values, strict=True):
            if value is None:
                continue
            if kind is sa.Boolean:
                value = bool(value)
            elif kind is sa.Date:
                value = str(value)[:10]  # amounts are their text already, as the JSON held them
            data[name] = value
        updates.append({"id": app_id, "data": json.dumps(dict(sorted(data.items())), ensure_ascii=False)})
    if updates:
        bind.execute(sa.text("UPDATE applications SET data = :data WHERE application_id = :id"), updates)
    for name in reversed(INPUTS):
        op.drop_column("applications", name)
