"""A diagnosis report is paid once across runs (I-14): A8 decisions are stored under their report's key, earlier
ones moved there by a migration, so a later run finds what was paid for the report; on both databases."""

from __future__ import annotations

import csv
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.db import alembic_config
from ledger.models import DecisionRecord
from tests.ledger.helpers import intake_file

ENTERPRISE, PROVIDER = "91310112MA1GB00005", "91310112MA1GB00018"


def write_reports(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A8 claims (application id, adopted, report id) of one enterprise diagnosed by one Minhang provider."""
    claims = [
        {
            "application_id": app_id,
            "clause": "A8",
            "uscc": ENTERPRISE,
            "name": "企业",
            "submitted_on": "2024-03-01",
            "business_in_minhang": "1",
            "tax_in_minhang": "1",
            "field": "ai",
            "certified": "1",
            "claim_year": "2024",
            "provider_uscc": PROVIDER,
            "provider_in_minhang": "1",
            "adopted": adopted,
            "report_id": report,
        }
        for app_id, adopted, report in rows
    ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(claims[0]))
        writer.writeheader()
        writer.writerows(claims)
    return path


def outcome(engine, app_id: str) -> tuple[str, str, int, str]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        d = s.get(DecisionRecord, app_id)
        assert d is not None
        return d.status, d.reasons, d.award_total_fen, d.project_key


def test_a_report_paid_in_an_earlier_run_pays_only_the_difference_when_adopted_later(engine, tmp_path: Path) -> None:
    intake_file(engine, write_reports(tmp_path / "a.csv", [("D-1", "0", "RPT-1"), ("D-2", "0", "")]))
    assert outcome(engine, "D-1") == ("approved", "", 4_000_000, "report:RPT-1")
    assert outcome(engine, "D-2")[3] == f"diagnosis:{ENTERPRISE}/{PROVIDER}/2024"
    intake_file(engine, write_reports(tmp_path / "b.csv", [("D-3", "1", "RPT-1"), ("D-4", "0", "")]))
    assert outcome(engine, "D-3") == ("approved", "ALREADY_SUPPORTED", 4_000_000, "report:RPT-1")  # 80,000 − 40,000
    assert outcome(engine, "D-4")[:3] == ("rejected", "ALREADY_SUPPORTED", 0)  # the same report without an id


def test_the_migration_moves_earlier_a8_decisions_to_their_report_keys_and_back(engine, tmp_path: Path) -> None:
    intake_file(engine, write_reports(tmp_path / "a.csv", [("D-1", "0", "RPT-1"), ("D-2", "0", "")]))
    with engine.connect() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "e67bf9c1649a")
        conn.commit()
        keys = {app: key for app, key in conn.execute(text("SELECT application_id, project_key FROM decisions"))}
        assert keys == {"D-1": ENTERPRISE, "D-2": ENTERPRISE}  # as earlier versions kept them
        command.upgrade(config, "head")
        conn.commit()
    assert outcome(engine, "D-1")[3] == "report:RPT-1"
    assert outcome(engine, "D-2")[3] == f"diagnosis:{ENTERPRISE}/{PROVIDER}/2024"
