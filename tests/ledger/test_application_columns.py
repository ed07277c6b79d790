"""An application is stored as its inputs in typed columns: read back, it is the application that was validated,
value for value (amounts as written: 1.0 and 1.00 stay apart), and its stored hash is the SHA-256 of its inputs
text rebuilt from the columns; the migration moves earlier JSON-held applications into the columns and back,
unchanged; on both databases."""

from __future__ import annotations

import csv
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from core.errors import LedgerIntegrityError
from ledger.applications import inputs_text, stored_application
from ledger.db import alembic_config
from ledger.models import ApplicationRecord
from ledger.queries import load_decision
from ledger.verify import verify_ledger
from rules.model import Application
from subsidy.sample import make_sample
from tests.ledger.helpers import intake_file
from tests.ledger.test_inputs_text import applications_from_frame
from validations.batch import validate_table
from validations.readers import read_table

BEFORE_COLUMNS = "b7c3e9f2a184"
"""The revision that kept each application's inputs as one JSON text."""


def _sample_with_written_scales(tmp_path: Path) -> list[Path]:
    """The demo's application files, the CSV's amounts rewritten as ``N.0`` / ``N.00`` / ``N万`` on alternate rows
    and a name JSON must escape: values equal as numbers, different as written."""
    sample = make_sample(tmp_path / "sample")
    paths = []
    for path in sample.applications:
        try:
            with open(path, encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
        except (UnicodeDecodeError, csv.Error):  # the spreadsheet and the GB18030 file go as they are
            paths.append(path)
            continue
        rent = next(c for c in rows[0] if c in {"annual_rent", "年租金"})
        name = next(c for c in rows[0] if c in {"name", "企业名称"})
        for i, row in enumerate(rows):
            if row[rent]:
                row[rent] = ["700000.0", "700000.00", "70万", "700000"][i % 4]
            if i % 5 == 0:
                row[name] = 'He said "闵行\\企业"'
        out = tmp_path / path.name
        with open(out, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        paths.append(out)
    return paths


def _validated(paths: list[Path]) -> dict[str, Application]:
    out: dict[str, Application] = {}
    for path in paths:
        for application in applications_from_frame(validate_table(read_table(path, "applications")).frame):
            out.setdefault(application.application_id, application)
    return out


def _stored(engine: Engine) -> dict[str, tuple[Application, str]]:
    with Session(engine) as s:
        return {r.application_id: (stored_application(r), r.content_hash) for r in s.scalars(select(ApplicationRecord))}


def _digest(application: Application) -> str:
    return hashlib.sha256(inputs_text(application.as_inputs()).encode("utf-8")).hexdigest()


def test_stored_applications_are_the_validated_ones_and_their_hash_is_rebuilt_from_the_columns(
    engine: Engine, tmp_path: Path
) -> None:
    paths = _sample_with_written_scales(tmp_path)
    for path in paths:
        intake_file(engine, path)
    validated = _validated(paths)
    stored = _stored(engine)
    assert set(stored) == set(validated) and len(stored) > 50
    for app_id, (application, digest) in stored.items():
        assert application == validated[app_id]
        assert digest == _digest(application)
    rents = {str(a.annual_rent) for a, _ in stored.values() if a.annual_rent is not None}
    assert {"700000.0", "700000.00", "700000"} <= rents  # each as written: the hash tells them apart
    quoted = next(a for a, _ in stored.values() if a.name.startswith("He said"))
    assert quoted.name == 'He said "闵行\\企业"'
    assert isinstance(quoted.submitted_on.year, int) and isinstance(quoted.business_in_minhang, bool)
    shown = load_decision(engine, quoted.application_id)
    assert shown is not None and shown["trace"]["inputs"] == quoted.as_inputs()


def test_the_migration_moves_json_held_inputs_into_columns_and_back_unchanged(engine: Engine, tmp_path: Path) -> None:
    paths = _sample_with_written_scales(tmp_path)
    for path in paths:
        intake_file(engine, path)
    before = _stored(engine)
    with engine.connect() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, BEFORE_COLUMNS)
        conn.commit()
        held = {
            app_id: json.loads(data) if isinstance(data, str) else data
            for app_id, data in conn.execute(text("SELECT application_id, data FROM applications"))
        }
        command.upgrade(config, "head")
        conn.commit()
    for app_id, (application, digest) in before.items():
        assert held[app_id] == application.as_inputs()  # the JSON earlier revisions kept
        assert hashlib.sha256(inputs_text(held[app_id]).encode("utf-8")).hexdigest() == digest
    assert _stored(engine) == before
    assert Decimal("700000.00") in {a.annual_rent for a, _ in before.values()}


def test_an_application_changed_after_intake_is_reported_by_verify(engine: Engine, tmp_path: Path) -> None:
    paths = _sample_with_written_scales(tmp_path)
    for path in paths:
        intake_file(engine, path)
    stored = _stored(engine)
    rent = min(app_id for app_id, (application, _) in stored.items() if application.annual_rent is not None)
    with Session(engine) as s:
        report = verify_ledger(s)
    assert f"{len(stored)} applications' inputs, each giving the hash stored with it at intake" in report.checked
    with engine.begin() as conn:  # the owner: the application role may not update applications
        conn.execute(text("UPDATE applications SET annual_rent = '700000.000' WHERE application_id = :a"), {"a": rent})
    with Session(engine) as s, pytest.raises(LedgerIntegrityError, match=f"application {rent}: its inputs do not"):
        verify_ledger(s)
