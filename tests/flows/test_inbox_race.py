"""The inbox reads each file once (M3): a file swapped for a link after the scan is neither read through the link
nor archived; a file still being written is left for the next run and then taken whole; a ``.done`` marker takes
a file at once."""

from __future__ import annotations

import csv
import os
import random
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import flows.inbox
import tasks.inbox
from flows.inbox import inbox_intake_flow
from flows.records import export_flow
from subsidy.sample import make_uscc

pytestmark = pytest.mark.prefect
rng = random.Random(16)
A, B = make_uscc(rng), make_uscc(rng)
HEADER = "application_id,clause,uscc,name,submitted_on,business_in_minhang,tax_in_minhang,field,certified"


def _row(application_id: str, uscc: str = A) -> str:
    return f"{application_id},A4-PILOT,{uscc},甲,2024-03-01,1,1,ai,1\n"


def _decided(tmp_path: Path) -> set[str]:
    export_flow("decisions", str(tmp_path / "decisions.csv"))
    with open(tmp_path / "decisions.csv", encoding="utf-8") as f:
        return {r["application_id"] for r in csv.DictReader(f)}


def _links_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_symlink()]


def test_a_file_swapped_for_a_link_after_the_scan_is_not_read_through_it_nor_archived(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: the checksum was taken at the scan and the file read again by path, following the link: the
    # outside file was decided under the inbox file's checksum, and the link was archived.
    inbox, outside = tmp_path / "inbox", tmp_path / "outside.csv"
    inbox.mkdir()
    outside.write_text(HEADER + "\n" + _row("OUT-1", B), encoding="utf-8")
    dropped = inbox / "apps.csv"
    dropped.write_text(HEADER + "\n" + _row("IN-1"), encoding="utf-8")
    original = flows.inbox.read_inbox_files

    def swap_then_read(*args: Any, **kwargs: Any) -> Any:  # the point between the scan and the read
        (inbox / ".swap").symlink_to(outside)
        os.replace(inbox / ".swap", dropped)
        return original(*args, **kwargs)

    monkeypatch.setattr(flows.inbox, "read_inbox_files", swap_then_read)
    summary = inbox_intake_flow(str(inbox), as_of=date(2024, 6, 28))
    assert _decided(tmp_path) == {"IN-1"}  # the bytes hashed at the scan, not the outside file
    assert summary.archived == [] and _links_under(inbox / "archive") == []
    assert dropped.is_symlink() and outside.read_text(encoding="utf-8").endswith(_row("OUT-1", B))


def test_a_file_still_being_written_is_left_for_the_next_run_then_taken_whole(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: a file with 7 of its 29 rows written was taken and archived, the other 22 rows lost.
    monkeypatch.setenv("SUBSIDY_INBOX_SETTLE_SECONDS", "0.5")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    growing = inbox / "growing.csv"
    rest = "".join(_row(f"G-{n}") for n in range(7, 29)).encode()
    finish = threading.Event()

    def write() -> None:  # a slow upload: 7 rows at once, then one byte every 20 ms until told to finish
        with open(growing, "wb", buffering=0) as f:
            f.write((HEADER + "\n" + "".join(_row(f"G-{n}") for n in range(7))).encode())
            for i in range(len(rest)):
                if finish.is_set():
                    f.write(rest[i:])
                    return
                f.write(rest[i : i + 1])
                time.sleep(0.02)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while not growing.exists():
            time.sleep(0.01)
        first = inbox_intake_flow(str(inbox), as_of=date(2024, 6, 28))
    finally:
        finish.set()
        writer.join()
    assert first.processed == [] and first.intake is None
    assert any(s.startswith("growing.csv: still being written") for s in first.skipped)
    assert growing.exists() and not (inbox / "archive").exists()

    second = inbox_intake_flow(str(inbox), as_of=date(2024, 6, 28))
    assert second.processed == ["growing.csv"] and not growing.exists()
    assert second.intake is not None and second.intake.rows_read == 29
    assert _decided(tmp_path) == {f"G-{n}" for n in range(29)}


def test_a_done_marker_takes_a_file_at_once_and_goes_with_it(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUBSIDY_INBOX_SETTLE_SECONDS", "600")

    def no_wait(seconds: float) -> None:
        raise AssertionError(f"waited {seconds} s for a file announced complete")

    monkeypatch.setattr(tasks.inbox, "_pause", no_wait)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "apps.csv").write_text(HEADER + "\n" + _row("D-1"), encoding="utf-8")
    (inbox / "apps.csv.done").touch()
    summary = inbox_intake_flow(str(inbox), as_of=date(2024, 6, 28))
    assert summary.processed == ["apps.csv"] and len(summary.archived) == 1
    assert sorted(p.name for p in inbox.iterdir()) == ["archive"]
    assert _decided(tmp_path) == {"D-1"}
