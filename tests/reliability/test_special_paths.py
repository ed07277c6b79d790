"""A FIFO or a device given to a command is refused at once (L2): ``subsidy intake fifo.csv`` waited forever for a
writer. Every path a command reads (and the file ``export`` writes) must be a regular file; anything else is one
line on stderr and exit code 2 within seconds, before the dataset checks or a flow start."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import pytest

from core.errors import InputFileError
from core.files import refuse_special
from validations.readers import read_table

SUBSIDY = Path(sys.executable).parent / "subsidy"


def _release(path: Path) -> None:
    """Let a reader or writer still waiting on the FIFO (the failure tested for) go on: open and close its other end."""
    for flags in (os.O_RDONLY | os.O_NONBLOCK, os.O_WRONLY | os.O_NONBLOCK):
        with contextlib.suppress(OSError):  # no reader waiting: nothing to release on that side
            os.close(os.open(path, flags))


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "fifo.csv"
    os.mkfifo(path)
    yield path
    _release(path)


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null", "/dev/tty"])
def test_a_device_is_refused_by_its_type(path: str) -> None:
    if not os.path.exists(path):
        pytest.skip(f"no {path} here")
    with pytest.raises(InputFileError, match="is a character device, not a regular file"):
        refuse_special(path)


def test_the_reader_refuses_a_fifo_and_a_device_at_once(fifo: Path) -> None:
    pool = ThreadPoolExecutor(1)
    for path, what in [(fifo, "a FIFO (named pipe)"), (Path("/dev/null"), "a character device")]:
        started = time.monotonic()
        future = pool.submit(read_table, path, "applications")
        try:
            error = future.exception(timeout=10)
        except FutureTimeout:
            _release(fifo)
            pytest.fail(f"reading {path} did not return within 10 s")
        assert isinstance(error, InputFileError) and f"is {what}, not a regular file" in str(error)
        assert time.monotonic() - started < 2
    pool.shutdown()


def _subsidy(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {
        **os.environ,
        "SUBSIDY_DATABASE_URL": f"sqlite:///{tmp_path / 'subsidy.db'}",
        "SUBSIDY_DATA_DOCS_DIR": str(tmp_path / "docs"),
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
    }
    started = time.monotonic()
    try:
        result = subprocess.run(
            [str(SUBSIDY), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"subsidy {' '.join(args)} still ran after 60 s")
    return result, time.monotonic() - started


def test_commands_refuse_a_fifo_or_a_device_with_one_line(fifo: Path, tmp_path: Path) -> None:
    pipe, device = "a FIFO (named pipe), not a regular file", "a character device, not a regular file"
    for args, path, what in [
        (["intake", str(fifo), "--as-of", "2024-06-28"], fifo, pipe),
        (["refresh", "--blacklist", "/dev/null"], "/dev/null", device),
        (["export", "decisions", "--out", str(fifo)], fifo, pipe),
    ]:
        result, seconds = _subsidy(tmp_path, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.strip().splitlines() == [f"error: {path}: is {what}"]
        assert seconds < 20, (args, seconds)  # the command's imports; nothing waits on the path
    assert not (tmp_path / "docs").exists()  # the dataset checks never started
