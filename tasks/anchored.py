"""A writing step of a run in one transaction under the run lock, its chain head then kept outside the database
(``ledger.anchors``) when it posted."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ledger import posting
from ledger.anchors import append_anchor
from ledger.db import run_transaction

T = TypeVar("T")


def anchored_run(engine: Engine, step: Callable[[Session], T], source: Callable[[T], str | None]) -> T:
    """``step`` in one run transaction; after it commits, the chain head is appended to the anchor file under the
    run's ``source`` (None: the step posted nothing, nothing is appended)."""
    with run_transaction(engine) as session:
        done = step(session)
        seq, head = posting.chain_head(session)
    named = source(done)
    if named is not None:
        append_anchor(engine, seq, head, named[:64])
    return done
