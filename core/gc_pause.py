"""Batch steps run with Python's cyclic garbage collector paused.

A million-application batch holds tens of millions of small objects (cell texts, row tuples, hashes). The
collector starts a pass every few hundred allocations and its full passes walk every live object, so on such a
batch it cost about a quarter of an intake and a third of a disbursement cycle while finding almost nothing:
the batch's objects form no cycles and are freed by reference counting as usual. The collector is paused for
the step and resumes afterwards (nested pauses leave it as the outermost found it)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
