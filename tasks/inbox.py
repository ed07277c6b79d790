"""Inbox tasks: find new files in the inbox folder, read and validate each on its own, archive them afterwards.

A file is recognised by its SHA-256: the same file dropped again is skipped. Only regular files directly in the
inbox are taken; symbolic links, sub-folders, hidden and partial files (``.part``, ``.tmp``) are left alone, so a
path outside the inbox can never be read through it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from core.errors import InputFileError
from ledger import records
from ledger.db import get_engine
from subsidy.gc_pause import collector_paused
from tasks.intake import read_reference_table
from validations.batch import ValidatedTable, validate_table
from validations.readers import read_table

# File-name prefixes (English or Chinese) that mark a reference-data file; anything else holds applications.
REFERENCE_PREFIXES = (
    ("blacklist", ("blacklist", "失信")),
    ("registry", ("registry", "登记")),
    ("external_awards", ("external-awards", "external_awards", "其他政策")),
    ("case_decisions", ("case-decisions", "case_decisions", "一事一议")),
    ("onboardings", ("onboardings", "上云")),
)
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload")


def kind_of(name: str) -> str:
    lowered = name.lower()
    for kind, prefixes in REFERENCE_PREFIXES:
        if lowered.startswith(prefixes):
            return kind
    return "applications"


@dataclass(frozen=True)
class InboxItem:
    path: str
    name: str
    kind: str
    checksum: str


@dataclass
class InboxScan:
    new: list[InboxItem] = field(default_factory=list)
    seen: list[tuple[InboxItem, str, str]] = field(default_factory=list)  # item, status, archived_as
    ignored: list[str] = field(default_factory=list)


@dataclass
class InboxBatch:
    tables: list[ValidatedTable] = field(default_factory=list)
    references: dict[str, tuple[ValidatedTable, str]] = field(default_factory=dict)
    accepted: list[InboxItem] = field(default_factory=list)
    rejected: list[tuple[InboxItem, str]] = field(default_factory=list)


def archive_path(archive: Path, item: InboxItem, day: date) -> Path:
    return archive / day.isoformat() / f"{item.checksum[:12]}-{item.name}"


@task(name="scan-inbox", cache_policy=NO_CACHE)
def scan_inbox(inbox: str) -> InboxScan:
    """The new files directly in the inbox, and those seen before (by checksum)."""
    root = Path(inbox).resolve()
    root.mkdir(parents=True, exist_ok=True)
    scan = InboxScan()
    candidates: list[InboxItem] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name.endswith(PARTIAL_SUFFIXES):
            continue
        if entry.is_symlink() or not entry.is_file() or entry.resolve().parent != root:
            if not entry.is_dir() or entry.is_symlink():
                scan.ignored.append(f"{entry.name}: not a regular file in the inbox (links are refused)")
            continue
        candidates.append(InboxItem(str(entry), entry.name, kind_of(entry.name), records.file_checksum(entry)))
    with Session(get_engine()) as session:
        known = records.known_inbox_files(session, [c.checksum for c in candidates])
    for item in candidates:
        if item.checksum in known:
            scan.seen.append((item, *known[item.checksum]))
        elif any(item.checksum == n.checksum for n in scan.new):
            scan.seen.append((item, "duplicate", ""))
        else:
            scan.new.append(item)
    return scan


@task(name="read-inbox-files", cache_policy=NO_CACHE)
def read_inbox_files(items: list[InboxItem]) -> InboxBatch:
    """Read and validate each file on its own: a file that cannot be used is rejected alone, with its reason."""
    batch = InboxBatch()
    for item in items:
        try:
            with collector_paused():
                if item.kind == "applications":
                    table = validate_table(read_table(item.path, item.kind))
                else:
                    table = read_reference_table(item.path, item.kind)
        except InputFileError as e:  # includes a reference file refused for bad rows
            batch.rejected.append((item, str(e)))
            continue
        if item.kind == "applications":
            batch.tables.append(table)
        else:
            if item.kind in batch.references:  # two snapshots of one kind in one drop: the later file name wins
                earlier = next(a for a in batch.accepted if a.kind == item.kind)
                batch.accepted.remove(earlier)
                batch.rejected.append((earlier, f"{earlier.path}: superseded by {item.name} in the same drop"))
            batch.references[item.kind] = (table, item.checksum)
        batch.accepted.append(item)
    return batch


def inbox_records(
    items: list[InboxItem], status: str, archive: Path, day: date, messages: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "checksum": i.checksum,
            "name": i.name,
            "kind": i.kind,
            "status": status,
            "message": (messages or {}).get(i.checksum, ""),
            "archived_as": str(archive_path(archive, i, day)),
        }
        for i in items
    ]


@task(name="archive-inbox-files", cache_policy=NO_CACHE)
def archive_inbox_files(moves: list[tuple[str, str]]) -> list[str]:
    """Move each file to its archive place (after the database has recorded it); returns where they went."""
    logger = get_run_logger()
    done: list[str] = []
    for source, target in moves:
        src, dest = Path(source), Path(target)
        if not src.exists():
            continue
        if dest.exists():
            dest = dest.with_name(f"{dest.stem}.again{dest.suffix}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(src), str(dest))
        done.append(str(dest))
        logger.info("archived %s as %s", src.name, dest)
    return done
