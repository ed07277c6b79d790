"""An intake reads each application file once (M5): the checksum kept with the run is of the bytes parsed, and the
Great Expectations checks run on the tables read, with their results and Data Docs kept as before, instead of a
second process reading every file again (a 300 MB CSV was held by both processes at once)."""

from __future__ import annotations

import hashlib
import os
import random
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.intake import intake_flow
from ledger.db import get_engine
from ledger.models import IntakeRun
from subsidy.sample import make_uscc

pytestmark = pytest.mark.prefect
rng = random.Random(55)
HEADER = "application_id,clause,uscc,name,submitted_on,business_in_minhang,tax_in_minhang,field,certified"

_events: list[tuple[str, tuple[Any, ...]]] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _events is not None and event in ("open", "subprocess.Popen", "os.posix_spawn"):
        _events.append((event, args))


sys.addaudithook(_audit)  # an audit hook stays for the process: it records only while a test sets _events


def test_each_application_file_is_read_once_and_checked_in_process(database: str, tmp_path: Path) -> None:
    global _events
    apps = tmp_path / "apps.csv"
    rows = [f"R-{n},A4-PILOT,{make_uscc(rng)},企业{n},2024-03-01,是,是,ai,是" for n in range(20)]
    apps.write_text("\n".join([HEADER, *rows, "R-20,A4-PILOT,bad,企业,2024-03-01,是,是,ai,是"]) + "\n", "utf-8")
    _events = []
    try:
        summary = intake_flow([str(apps)], as_of=date(2024, 6, 28))
        events, _events = _events, None
    finally:
        _events = None
    opened = [a for e, a in events if e == "open" and isinstance(a[0], str | os.PathLike) and Path(a[0]) == apps]
    started = [a for e, a in events if e != "open"]
    assert len(opened) == 1, f"{apps.name} opened {len(opened)} times"
    assert started == []  # before: `python -m validations.suites applications DOCS apps.csv` read it again

    assert summary.files[0]["checksum"] == hashlib.sha256(apps.read_bytes()).hexdigest()
    assert summary.data_docs is not None and Path(summary.data_docs).is_file()
    with Session(get_engine()) as session:
        validation = session.execute(select(IntakeRun.validation)).scalar_one()
    [(file, outcome)] = validation["files"].items()
    assert file == str(apps) and outcome["suite"] == "subsidy_applications"
    # R-20 is quarantined: the file's 21 rows read are not all valid, the one rule of the checks that fails
    assert outcome["success"] is False
    assert [(r["rule"], r["observed_value"]) for r in outcome["results"] if not r["success"]] == [
        ("every row read is valid (none quarantined)", 20)
    ]
    assert validation["data_docs"] == summary.data_docs
    assert {r["rule"] for r in outcome["results"]} >= {"batch is not empty", "application ids are unique in the batch"}
