"""One bad file never blocks the other files of an inbox drop (M4), on SQLite and PostgreSQL.

Before: on PostgreSQL one application_id over 200 characters, or a NUL past the first 4 KiB, failed the whole
run with DataError; nothing was archived, so every later run failed the same way and the good file beside it was
never taken. Now such values are bad rows of their file, and a file the database refuses for any other reason is
rejected alone (archived under rejected/ with the reason) while the others are taken."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flows.inbox import inbox_intake_flow
from ledger.db import get_engine
from ledger.models import ApplicationRecord, InboxFile, QuarantineRecord
from subsidy.sample import make_uscc
from tasks import intake_run

pytestmark = pytest.mark.prefect
HEADER = ["application_id", "clause", "uscc", "name", "submitted_on", "business_in_minhang", "tax_in_minhang", "field"]
DAY = date(2024, 6, 28)


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return path


def _row(app_id: str, rng: random.Random, name: str = "甲") -> list[str]:
    return [app_id, "A4-PILOT", make_uscc(rng), name, "2024-03-01", "1", "1", "ai"]


@pytest.fixture
def inbox(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SUBSIDY_INBOX_SETTLE_SECONDS", "0")  # the files are written before the run
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def _stored(db_url: str) -> tuple[list[str], list[tuple[str, int, str]], dict[str, str]]:
    with Session(get_engine(db_url)) as s:
        ids = sorted(s.execute(select(ApplicationRecord.application_id)).scalars())
        bad = [(Path(q.file).name, q.row, q.columns) for q in s.execute(select(QuarantineRecord)).scalars()]
        files = {f.name: f.status for f in s.execute(select(InboxFile)).scalars()}
    return ids, sorted(bad), files


def test_bad_values_beside_a_good_file_are_bad_rows_and_both_files_are_taken(inbox: Path, database: str) -> None:
    rng = random.Random(41)
    _write(inbox / "good.csv", [_row("G-1", rng), _row("G-2", rng)])
    rows = [_row("B-1", rng), _row("X" * 250, rng), _row("B-3", rng, "名" * 1_000_000)]
    rows += [_row("B-4", rng) + ["extra"], _row("B-5", rng, "甲\x00乙"), _row("B-6", rng)]
    assert _write(inbox / "bad.csv", rows).read_bytes().index(b"\x00") > 4096

    first = inbox_intake_flow(str(inbox), as_of=DAY)
    assert sorted(first.processed) == ["bad.csv", "good.csv"] and first.rejected == []
    ids, bad, files = _stored(database)
    assert ids == ["B-1", "B-6", "G-1", "G-2"]
    assert bad == [
        ("bad.csv", 3, "application_id"),
        ("bad.csv", 4, "name"),
        ("bad.csv", 5, "extra_cells"),
        ("bad.csv", 6, "name"),
    ]
    assert files == {"bad.csv": "processed", "good.csv": "processed"}
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == []

    second = inbox_intake_flow(str(inbox), as_of=DAY)  # nothing new: the run after passes too
    assert second.processed == [] and second.rejected == [] and second.intake is None


def test_a_file_the_database_refuses_is_rejected_alone_and_the_others_are_taken(
    inbox: Path, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(43)
    _write(inbox / "a-good.csv", [_row("G-1", rng)])
    _write(inbox / "b-refused.csv", [_row("R-1", rng), _row("R-2", rng)])
    _write(inbox / "c-good.csv", [_row("G-3", rng)])
    store = intake_run.store_applications

    def refuse_r1(session: Any, run_id: int, batch: Any) -> None:  # a rule of the database validation misses
        if "R-1" in set(batch["application_id"]):
            raise IntegrityError("COPY applications", {}, Exception("new row violates a rule of the database"))
        store(session, run_id, batch)

    monkeypatch.setattr(intake_run, "store_applications", refuse_r1)
    first = inbox_intake_flow(str(inbox), as_of=DAY)
    assert sorted(first.processed) == ["a-good.csv", "c-good.csv"]
    [reason] = first.rejected
    assert "the database refused this run's data (new row violates a rule of the database)" in reason
    assert reason.endswith(f"The run's files: {inbox / 'b-refused.csv'}")
    ids, _, files = _stored(database)
    assert ids == ["G-1", "G-3"]
    assert files == {"a-good.csv": "processed", "b-refused.csv": "rejected", "c-good.csv": "processed"}
    [refused] = (inbox / "archive" / "rejected" / DAY.isoformat()).iterdir()
    assert refused.name.endswith("-b-refused.csv")
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == []

    (inbox / "b-refused-again.csv").write_bytes(refused.read_bytes())
    second = inbox_intake_flow(str(inbox), as_of=DAY)  # the same bad file again is not read again
    assert second.processed == [] and any(s.startswith("b-refused-again.csv: already rejected") for s in second.skipped)
