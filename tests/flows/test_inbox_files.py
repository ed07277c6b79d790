"""One inbox file read once through a descriptor that follows no link, and moved only while it is still that
file (M3): what is swapped in at the path between a look and the read, or the read and the move, is left alone."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from tasks.inbox_files import (
    LINK_REFUSED,
    STILL_WRITTEN,
    NotTaken,
    identity,
    move_read_file,
    read_once,
    settle_seconds,
)


def _file(path: Path, text: str = "application_id\nA-1\n") -> tuple[Path, os.stat_result]:
    path.write_text(text, encoding="utf-8")
    return path, path.lstat()


def test_the_bytes_hashed_are_the_bytes_read(tmp_path: Path) -> None:
    path, seen = _file(tmp_path / "a.csv")
    data, checksum, st = read_once(path, seen)
    assert data == path.read_bytes() and checksum == hashlib.sha256(data).hexdigest() and st.st_ino == seen.st_ino


def test_a_link_swapped_in_before_the_open_is_not_followed(tmp_path: Path) -> None:
    path, seen = _file(tmp_path / "a.csv")
    outside, _ = _file(tmp_path / "outside.csv", "application_id\nOUT-1\n")
    (tmp_path / "link").symlink_to(outside)
    os.replace(tmp_path / "link", path)
    with pytest.raises(NotTaken, match=re.escape(LINK_REFUSED)):
        read_once(path, seen)


def test_a_fifo_or_another_file_swapped_in_is_not_read(tmp_path: Path) -> None:
    path, seen = _file(tmp_path / "a.csv")
    path.unlink()
    os.mkfifo(path)  # opened without blocking, refused by its type
    with pytest.raises(NotTaken, match=re.escape(LINK_REFUSED)):
        read_once(path, seen)
    path.unlink()
    _file(path, "application_id\nOTHER-1\n")  # same name, another file
    with pytest.raises(NotTaken, match=re.escape(STILL_WRITTEN)):
        read_once(path, seen)


def test_a_file_written_to_after_the_look_is_left(tmp_path: Path) -> None:
    path, seen = _file(tmp_path / "a.csv")
    with open(path, "a", encoding="utf-8") as f:
        f.write("A-2\n")
    with pytest.raises(NotTaken, match=re.escape(STILL_WRITTEN)):
        read_once(path, seen)


def test_a_link_is_never_archived(tmp_path: Path) -> None:
    path, seen = _file(tmp_path / "a.csv")
    read = identity(seen)
    outside, _ = _file(tmp_path / "outside.csv")
    (tmp_path / "archive").mkdir()
    path.unlink()
    path.symlink_to(outside)
    assert not move_read_file(path, tmp_path / "archive" / "a.csv", read)
    assert path.is_symlink() and list((tmp_path / "archive").iterdir()) == []
    path.unlink()
    _, other = _file(path, "application_id\nOTHER-1\n")  # another file under the same name
    assert not move_read_file(path, tmp_path / "archive" / "a.csv", read)
    assert move_read_file(path, tmp_path / "archive" / "a.csv", identity(other))
    assert not path.exists() and "OTHER-1" in (tmp_path / "archive" / "a.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("given", "seconds"), [("", 3.0), ("0.25", 0.25), ("0", 0.0), ("-1", 3.0), ("nan", 3.0), ("x", 3.0)]
)
def test_the_settle_time_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, given: str, seconds: float
) -> None:
    monkeypatch.setenv("SUBSIDY_INBOX_SETTLE_SECONDS", given)
    assert settle_seconds() == seconds
