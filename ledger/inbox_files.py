"""Inbox files by checksum: each file taken (or rejected) once, remembered by the SHA-256 of its bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ledger.bulk import LOOKUP_CHUNK
from ledger.models import InboxFile, now_utc


def file_checksum(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def store_inbox_files(session: Session, run_id: int | None, files: list[dict[str, Any]]) -> None:
    """Record the inbox files a run took in (or rejected), so the same file dropped again is skipped."""
    if files:
        session.execute(
            insert(InboxFile),
            [{**f, "intake_run_id": run_id, "received_at": f.get("received_at") or now_utc()} for f in files],
        )


def known_inbox_files(session: Session, checksums: Sequence[str]) -> dict[str, tuple[str, str]]:
    """checksum → (status, archived_as) of files the inbox took in before."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(checksums), LOOKUP_CHUNK):
        for checksum, status, archived in session.execute(
            select(InboxFile.checksum, InboxFile.status, InboxFile.archived_as).where(
                InboxFile.checksum.in_(list(checksums[start : start + LOOKUP_CHUNK]))
            )
        ):
            found[checksum] = (status, archived)
    return found
