"""Quarantined rows: every bad row with its file, row, columns and reason, kept once per content."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from ledger.bulk import bulk_insert, lookup
from ledger.models import QuarantineRecord


def raw_row_hash(raw: dict[str, Any], reason: str) -> str:
    text = json.dumps([raw, reason], sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_quarantine_rows(session: Session, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The rows not quarantined before (an identical bad row sent again changes nothing), and how many were."""
    hashes = list({r["raw_hash"] for r in rows})
    seen = set(lookup(session, QuarantineRecord.raw_hash, QuarantineRecord.raw_hash, hashes))
    fresh: list[dict[str, Any]] = []
    for row in rows:
        if row["raw_hash"] not in seen:
            seen.add(row["raw_hash"])
            fresh.append(row)
    return fresh, len(rows) - len(fresh)


def store_quarantine(session: Session, run_id: int, rows: list[dict[str, Any]]) -> None:
    bulk_insert(session, QuarantineRecord.__table__, [{**r, "intake_run_id": run_id} for r in rows])
