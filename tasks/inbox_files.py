"""One inbox file at a time: read once through a descriptor that follows no link, moved only while it is still
the file that was read.

The bytes hashed are the bytes parsed: nothing is read again by path, so a file swapped for a link (or for
another file) after it was looked at is never read through the path, and never archived in its place.
"""

from __future__ import annotations

import errno
import hashlib
import math
import os
import shutil
import stat
from pathlib import Path

from validations.readers import MAX_FILE_BYTES

DONE_SUFFIX = ".done"  # ``report.csv.done`` announces that ``report.csv`` is complete: no settle time for it
SETTLE_SECONDS = 3.0
LINK_REFUSED = "not a regular file in the inbox (links are refused)"
STILL_WRITTEN = "still being written: left for the next run"
_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # O_NONBLOCK: a FIFO put there cannot block


class NotTaken(Exception):
    """A file left in the inbox this time, with the reason."""


def settle_seconds() -> float:
    """How long a file must stay unchanged to be taken: ``SUBSIDY_INBOX_SETTLE_SECONDS`` (default 3)."""
    text = os.environ.get("SUBSIDY_INBOX_SETTLE_SECONDS", "").strip()
    try:
        value = float(text) if text else SETTLE_SECONDS
    except ValueError:
        value = SETTLE_SECONDS
    return value if math.isfinite(value) and value >= 0 else SETTLE_SECONDS


def marker(path: Path) -> Path:
    """The ``.done`` marker that announces ``path``."""
    return path.with_name(path.name + DONE_SUFFIX)


def signature(st: os.stat_result) -> tuple[int, ...]:
    """What changes when a file is written to, replaced or swapped for another (the change time cannot be set)."""
    return (st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _open(path: Path) -> int:
    try:
        return os.open(path, _FLAGS)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise NotTaken(LINK_REFUSED) from None
        raise NotTaken(f"cannot be read ({e.strerror})") from None


def read_once(path: Path, seen: os.stat_result) -> tuple[bytes | None, str, os.stat_result]:
    """The bytes of the regular file at ``path`` (None when larger than MAX_FILE_BYTES: hashed, not kept) and
    their SHA-256, read through one descriptor that follows no link, with the file's status. NotTaken when the
    path is no longer the file ``seen`` describes, or the file changed while it was read."""
    fd = _open(path)
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise NotTaken(LINK_REFUSED)
        if signature(before) != signature(seen):
            raise NotTaken(STILL_WRITTEN)
        data: bytes | None = None
        with open(fd, "rb", buffering=0, closefd=False) as f:
            if before.st_size > MAX_FILE_BYTES:
                digest, size = hashlib.sha256(), 0
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
                    size += len(block)
            else:
                data = f.read()  # one buffer of the file's size
                digest, size = hashlib.sha256(data), len(data)
        if signature(os.fstat(fd)) != signature(before) or size != before.st_size:
            raise NotTaken(STILL_WRITTEN)
    finally:
        os.close(fd)
    return data, digest.hexdigest(), before


def identity(st: os.stat_result) -> tuple[int, ...]:
    """What a file keeps when it is moved within its file system (a rename changes its change time)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def archivable(path: Path, read: tuple[int, ...]) -> bool:
    """True when ``path`` is still the regular file that was read (``read``: its ``identity``): not a link, not
    another file put there."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return False
    return stat.S_ISREG(st.st_mode) and identity(st) == read


def move_read_file(src: Path, dest: Path, read: tuple[int, ...]) -> bool:
    """Move the file that was read (``read``: its ``identity``) from ``src`` to ``dest``; False, and nothing
    moved, when ``src`` is no longer that file."""
    if not archivable(src, read):
        return False
    try:
        os.rename(src, dest)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        return _copy_across(src, dest, read)
    if archivable(dest, read):
        return True
    os.rename(dest, src)  # swapped between the look and the move: put back what was moved
    return False


def _copy_across(src: Path, dest: Path, read: tuple[int, ...]) -> bool:
    """An archive on another file system: the file is copied from a descriptor that is the file read."""
    try:
        fd = _open(src)
    except NotTaken:
        return False
    with open(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or identity(st) != read:
            return False
        with open(dest, "xb") as out:
            shutil.copyfileobj(f, out, 1 << 20)
    os.utime(dest, ns=(st.st_atime_ns, st.st_mtime_ns))
    src.unlink()
    return True
