"""A8 decisions keyed by their diagnosis report (I-14): a report is paid once whoever claims it, so X-HIGHEST
finds what an earlier run paid for it by ``project_key`` = ``report:<report_id>`` or, without a report id,
``diagnosis:<enterprise>/<provider>/<claim year>`` (earlier versions kept the applicant's own project key)

Revision ID: 7c2d9e4a1b3f
Revises: e67bf9c1649a
Create Date: 2026-11-30 15:40:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "7c2d9e4a1b3f"
down_revision = "e67bf9c1649a"
branch_labels = None
depends_on = None


def _a8_inputs() -> list[tuple[str, dict[str, Any]]]:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT d.application_id, a.data FROM decisions d "
            "JOIN applications a ON a.application_id = d.application_id WHERE d.clause = 'A8'"
        )
    )
    return [(app_id, json.loads(data) if isinstance(data, str) else data) for app_id, data in rows]


def _set_keys(keys: list[dict[str, str]]) -> None:
    if keys:
        op.get_bind().execute(sa.text("UPDATE decisions SET project_key = :key WHERE application_id = :app"), keys)


def upgrade() -> None:
    keys = []
    for app_id, data in _a8_inputs():
        report = data.get("report_id")
        key = (
            f"report:{report}"
            if report
            else f"diagnosis:{data['uscc']}/{data.get('provider_uscc')}/{data.get('claim_year')}"
        )
        keys.append({"key": key, "app": app_id})
    _set_keys(keys)


def downgrade() -> None:
    _set_keys([{"key": data.get("project_id") or data["uscc"], "app": app_id} for app_id, data in _a8_inputs()])
