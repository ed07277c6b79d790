"""Chain heads kept outside the database (M6): after each run that posts to the ledger, its head — sequence number
and entry hash — is appended to an append-only anchor file under ``core.settings.anchor_dir()``, one file per
ledger, named after where the database lives (not after anything in it, which whoever rewrites the ledger could
change). ``ledger verify`` checks the chain against every anchor of its ledger, so a rewrite that recomputes
every later hash, or a ledger cut short, is reported."""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.settings import anchor_dir

log = logging.getLogger(__name__)


class Anchor(NamedTuple):
    seq: int
    head: str
    source: str


def anchor_file(db: Session | Engine) -> Path:
    """The anchor file of the ledger this session or engine reads: named after the database's location (dialect,
    host, port, database or file), without user or password."""
    engine = db if isinstance(db, Engine) else db.get_bind().engine
    url = engine.url.set(username=None, password=None)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        url = url.set(database=str(Path(url.database).resolve()))
    where = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return anchor_dir() / f"ledger-{where}.anchors"


def append_anchor(engine: Engine, seq: int, head: str, source: str) -> Path | None:
    """Append a run's chain head to its ledger's anchor file (one line, one write, synced). A failure to write is
    logged and returned as None: the run has committed and stands."""
    if seq == 0:
        return None
    path = anchor_file(engine)
    line = f"{seq} {head} {source} {datetime.now(UTC).isoformat(timespec='seconds')}\n".encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        log.error("ledger head #%s %s could not be kept outside the database (%s): %s", seq, head, path, e)
        return None
    return path


def read_anchors(session: Session) -> list[Anchor]:
    """Every anchor kept for this ledger, in the order written."""
    path = anchor_file(session)
    if not path.is_file():
        return []
    anchors = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].isdigit():
            anchors.append(Anchor(int(parts[0]), parts[1], parts[2]))
    return anchors
