"""core.memory: large blocks a step frees go back to the system, even under the small blocks it keeps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STEP = """
import os, sys
sys.path.insert(0, {root!r})
import numpy as np
from core.memory import return_freed_memory
if {fixed}:
    assert return_freed_memory()
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
first = np.ones(1 << 20); del first  # 8 MiB, freed: glibc would raise its threshold for mappings past it
before = rss()
columns, kept = [], []
for _ in range(200):
    columns.append(np.ones(1 << 19))  # 4 MiB each, as a batch's columns
    kept.append(bytes(4096))  # small blocks kept above each of them
del columns
print((rss() - before) // 2**20)
"""


def _kept_mib(fixed: bool) -> int:
    step = STEP.format(root=str(ROOT), fixed=fixed)
    return int(subprocess.run([sys.executable, "-c", step], capture_output=True, text=True, check=True).stdout)


@pytest.mark.skipif(not Path("/proc/self/statm").exists() or sys.platform != "linux", reason="Linux with glibc")
def test_freed_columns_leave_the_process() -> None:
    assert _kept_mib(fixed=False) >= 500  # the allocator's own way: 800 MiB of freed columns stay
    assert _kept_mib(fixed=True) < 20


def test_arrow_buffers_come_from_the_c_library() -> None:
    import pyarrow

    from core.memory import return_freed_memory

    return_freed_memory()
    assert pyarrow.default_memory_pool().backend_name == "system"  # Arrow's own default is mimalloc or jemalloc
