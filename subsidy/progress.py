"""Progress of a long run, shown by the CLI as rich progress bars. Tasks say when a step starts and ends; with no
CLI listening (a deployment, a test) nothing happens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, int, int], None]  # (step, done, total)
_listener: Listener | None = None


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    global _listener
    previous, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = previous


def report(step: str, done: int, total: int) -> None:
    if _listener is not None:
        _listener(step, done, total)


@contextmanager
def step(name: str, total: int = 1) -> Iterator[Callable[[int], None]]:
    """A step of ``total`` units; the callable it yields reports how many are done."""
    report(name, 0, total)
    yield lambda done: report(name, done, total)
    report(name, total, total)
