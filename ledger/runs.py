"""The records of runs: an intake run and its summary, reference data refreshed on its own, the dataset checks
kept with their intake run, and rejected inbox files. The intake's unit of work step by step is in
``tasks.intake_run``; the cycle's in ``tasks.cycle``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ledger import posting
from ledger.bank_accounts import account_name_flags
from ledger.db import run_transaction
from ledger.inbox_files import store_inbox_files
from ledger.models import IntakeRun, now_utc
from ledger.references import latest_reference_checksum, store_reference
from validations.batch import ValidatedTable

SHOWN_QUARANTINE = 200
"""Quarantined rows an intake's summary lists one by one (the export lists them all)."""


@dataclass
class IntakeSummary:
    run_id: int
    as_of: date
    files: list[dict[str, Any]]
    rows_read: int = 0
    decided: int = 0
    unchanged: int = 0
    quarantined: int = 0
    redecided: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    awards_by_clause: dict[str, Decimal] = field(default_factory=dict)
    blacklist_hits: int = 0
    reference_loads: dict[str, int] = field(default_factory=dict)
    """kind → the load id of each reference file read."""
    reference_rows: dict[str, int] = field(default_factory=dict)
    """kind → the rows read of each reference file (every one stored: a bad row refuses the whole file)."""
    bank_account_flags: list[str] = field(default_factory=list)
    """Accounts of a bank-accounts file read whose holder name is not the recipient's (``ledger.bank_accounts``)."""
    chain_head: str = posting.GENESIS_HASH
    quarantine_messages: list[str] = field(default_factory=list)
    quarantine_rows: list[dict[str, Any]] = field(default_factory=list)
    """The first ``SHOWN_QUARANTINE`` quarantined rows: file, row, columns, reason and message."""
    data_docs: str | None = None


def start_intake_run(session: Session, as_of: date, files: list[dict[str, Any]]) -> IntakeRun:
    run = IntakeRun(started_at=now_utc(), as_of=as_of, files=files, validation={})
    session.add(run)
    session.flush()
    return run


def refresh_reference_data(engine: Engine, references: dict[str, tuple[ValidatedTable, str]]) -> dict[str, str]:
    """Store each reference snapshot unless the latest load of its kind has the same checksum."""
    outcome: dict[str, str] = {}
    with run_transaction(engine) as session:
        for kind, (table, checksum) in references.items():
            if latest_reference_checksum(session, kind) == checksum:
                outcome[kind] = "unchanged"
                continue
            load_id = store_reference(session, kind, table.file, checksum, table.frame)
            outcome[kind] = f"loaded {len(table.frame)} row(s) as load {load_id}"
            if kind == "bank_accounts":
                flags = account_name_flags(session, load_id)
                outcome[kind] += "".join(f"; flagged: {flag}" for flag in flags)
    return outcome


def attach_validation(engine: Engine, run_id: int, validation: dict[str, Any]) -> None:
    """Keep the dataset checks (which run beside the intake) with the intake run they belong to."""
    with run_transaction(engine) as session:
        run = session.get(IntakeRun, run_id)
        if run is not None:
            run.validation = validation


def record_inbox_rejections(engine: Engine, files: list[dict[str, Any]]) -> None:
    with run_transaction(engine) as session:
        store_inbox_files(session, None, files)
