"""Paths a command reads or writes are regular files. A FIFO blocks the reader until something writes to it (and a
writer until something reads), a device never ends (``/dev/zero``) or waits for a terminal; such a path is refused
at once, by its type, before it is opened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from core.errors import InputFileError

_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def refuse_special(path: str | os.PathLike[str]) -> None:
    """Raise InputFileError when ``path`` is a FIFO, a device or a socket (a link is followed to what it names).
    A missing path, a folder or a regular file pass: the reader or writer reports those in its own words."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # missing, unreadable, a NUL in the name: the caller's open reports it
        return
    for test, what in _SPECIAL:
        if test(mode):
            raise InputFileError(str(path), f"is {what}, not a regular file")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: into a partial file beside it (``.part``, which the inbox
    leaves alone), flushed to disk, then renamed over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
