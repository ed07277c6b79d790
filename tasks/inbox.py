"""Inbox tasks: find new files in the inbox folder, read and validate each on its own, archive them afterwards.

A file is recognised by its SHA-256: the same file dropped again is skipped. Only regular files directly in the
inbox are taken; symbolic links, sub-folders, hidden and partial files (``.part``, ``.tmp``) are left alone, so a
path outside the inbox can never be read through it.

Each file is read once, through one descriptor that follows no link (``tasks/inbox_files.py``): the bytes hashed
are the bytes parsed. A file is taken when a ``<name>.done`` marker announces it, or when it stayed unchanged
(size, times, inode) across the settle time (``SUBSIDY_INBOX_SETTLE_SECONDS``, default 3): a file still being
written is left for the next run. Only the file that was read is archived, never a link put in its place.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from core.errors import InputFileError
from core.gc_pause import collector_paused
from ledger.bank_returns import ReturnRow
from ledger.db import get_engine
from ledger.inbox_files import known_inbox_files
from tasks.bank_round import return_rows
from tasks.inbox_files import (
    DONE_SUFFIX,
    LINK_REFUSED,
    STILL_WRITTEN,
    NotTaken,
    identity,
    marker,
    move_read_file,
    read_once,
    settle_seconds,
    signature,
)
from tasks.intake import read_reference_table
from validations.batch import ValidatedTable
from validations.files import validated_file

# File-name prefixes (English or Chinese) that mark a reference-data file; anything else holds applications.
REFERENCE_PREFIXES = (
    ("blacklist", ("blacklist", "失信")),
    ("registry", ("registry", "登记")),
    ("external_awards", ("external-awards", "external_awards", "其他政策")),
    ("case_decisions", ("case-decisions", "case_decisions", "一事一议")),
    ("onboardings", ("onboardings", "上云")),
    ("bank_accounts", ("bank-accounts", "bank_accounts", "银行账户")),
)
BANK_RETURN_PREFIXES = ("bank-return", "bank_return", "银行回单")
"""File-name prefixes of a bank's return file: reconciled, not taken through intake."""
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload")
_pause = time.sleep  # the settle wait (a test may write to a file meanwhile)


def kind_of(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith(BANK_RETURN_PREFIXES):
        return "bank_returns"
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
    identity: tuple[int, ...] = ()  # of the file read (``inbox_files.identity``): only that file is archived


@dataclass
class InboxScan:
    new: list[InboxItem] = field(default_factory=list)
    seen: list[tuple[InboxItem, str, str]] = field(default_factory=list)  # item, status, archived_as
    ignored: list[str] = field(default_factory=list)
    contents: dict[str, bytes] = field(default_factory=dict)  # the bytes read of each new file, by path
    refused: dict[str, str] = field(default_factory=dict)  # a new file that cannot be read as a table: why


@dataclass
class InboxBatch:
    tables: list[ValidatedTable] = field(default_factory=list)
    references: dict[str, tuple[ValidatedTable, str]] = field(default_factory=dict)
    accepted: list[InboxItem] = field(default_factory=list)
    rejected: list[tuple[InboxItem, str]] = field(default_factory=list)
    bank_returns: list[tuple[InboxItem, list[ReturnRow]]] = field(default_factory=list)
    """Return files of the bank, each to reconcile on its own."""


def archive_path(archive: Path, item: InboxItem, day: date) -> Path:
    return archive / day.isoformat() / f"{item.checksum[:12]}-{item.name}"


def _listed(root: Path, ignored: list[str]) -> list[tuple[Path, os.stat_result]]:
    """The regular files directly in ``root`` with their status (no link followed); links, FIFOs and other
    special files are noted in ``ignored``; folders, hidden, partial files and ``.done`` markers are passed over."""
    found: list[tuple[Path, os.stat_result]] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name.endswith((*PARTIAL_SUFFIXES, DONE_SUFFIX)):
            continue
        try:
            st = entry.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISREG(st.st_mode):
            found.append((entry, st))
        elif not stat.S_ISDIR(st.st_mode):
            ignored.append(f"{entry.name}: {LINK_REFUSED}")
    return found


def _settled(
    entries: list[tuple[Path, os.stat_result]], seconds: float, ignored: list[str]
) -> list[tuple[Path, os.stat_result]]:
    """The files announced by a ``.done`` marker, and those unchanged across ``seconds``; the others are left
    for the next run (noted in ``ignored``)."""
    announced = [os.path.lexists(marker(path)) for path, _ in entries]
    waiting = [entry for entry, done in zip(entries, announced, strict=True) if not done]
    if waiting and seconds > 0:
        _pause(seconds)
    taken = [entry for entry, done in zip(entries, announced, strict=True) if done]
    for path, st in waiting:
        try:
            now = path.lstat()
        except FileNotFoundError:
            continue
        if signature(now) == signature(st):
            taken.append((path, now))
        else:
            ignored.append(f"{path.name}: {LINK_REFUSED if stat.S_ISLNK(now.st_mode) else STILL_WRITTEN}")
    return sorted(taken, key=lambda e: e[0].name)


@task(name="scan-inbox", cache_policy=NO_CACHE)
def scan_inbox(inbox: str) -> InboxScan:
    """The new files directly in the inbox, read once each (their bytes kept for ``read_inbox_files``), and
    those seen before (by checksum)."""
    root = Path(inbox).resolve()
    root.mkdir(parents=True, exist_ok=True)
    scan = InboxScan()
    for path, seen in _settled(_listed(root, scan.ignored), settle_seconds(), scan.ignored):
        try:
            data, checksum, st = read_once(path, seen)
        except NotTaken as e:
            scan.ignored.append(f"{path.name}: {e}")
            continue
        item = InboxItem(str(path), path.name, kind_of(path.name), checksum, identity(st))
        with Session(get_engine()) as session:
            known = known_inbox_files(session, [checksum])
        if checksum in known:
            scan.seen.append((item, *known[checksum]))
        elif any(checksum == n.checksum for n in scan.new):
            scan.seen.append((item, "duplicate", ""))
        else:
            scan.new.append(item)
            if data is None:
                scan.refused[item.path] = "is larger than 2 GiB"
            else:
                scan.contents[item.path] = data
    return scan


@task(name="read-inbox-files", cache_policy=NO_CACHE)
def read_inbox_files(items: list[InboxItem], contents: dict[str, bytes], refused: dict[str, str]) -> InboxBatch:
    """Parse and validate the bytes read of each file on its own (each dropped from ``contents`` once parsed): a
    file that cannot be used is rejected alone, with its reason."""
    batch = InboxBatch()
    for item in items:
        try:
            if item.path in refused:
                raise InputFileError(item.path, refused[item.path])
            data = contents.pop(item.path)
            if item.kind == "bank_returns":
                batch.bank_returns.append((item, return_rows(data, item.path)))
                continue
            with collector_paused():
                if item.kind == "applications":
                    table = validated_file(data, item.path, item.kind)
                else:
                    table = read_reference_table(item.path, item.kind, data)
            del data
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
def archive_inbox_files(moves: list[tuple[InboxItem, str]]) -> list[str]:
    """Move each file read to its archive place (after the database has recorded it), its ``.done`` marker
    removed; returns where they went. A path that is no longer the file read (a link or another file put in its
    place) stays where it is."""
    logger = get_run_logger()
    done: list[str] = []
    for item, target in moves:
        src, dest = Path(item.path), Path(target)
        if not os.path.lexists(src):
            continue
        if dest.exists():
            dest = dest.with_name(f"{dest.stem}.again{dest.suffix}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not move_read_file(src, dest, item.identity):
            logger.warning("left %s in the inbox: it is no longer the file that was read", src.name)
            continue
        marker(src).unlink(missing_ok=True)
        done.append(str(dest))
        logger.info("archived %s as %s", src.name, dest)
    return done
