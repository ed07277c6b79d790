"""Peak memory of one command and every process it starts: the RSS of the whole process tree, sampled from
/proc every 50 ms, its largest sum and its largest single process, with the wall time (Linux only).

    .venv/bin/python bench/peak_rss.py -- .venv/bin/subsidy intake /tmp/bench/applications.csv

The sum is what the machine has to hold at once (a helper process counts); the kernel's own peak of the
largest process (``ru_maxrss``, what ``/usr/bin/time -v`` prints) is given too, as it catches a spike shorter
than a sample.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _rss(pid: int) -> int:
    try:
        return int((Path("/proc") / str(pid) / "statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(root: int) -> tuple[int, int]:
    """The RSS of ``root`` and all its descendants: their sum and the largest one, in bytes."""
    tree = _children()
    todo, sizes = [root], []
    while todo:
        pid = todo.pop()
        sizes.append(_rss(pid))
        todo.extend(tree.get(pid, []))
    return sum(sizes), max(sizes, default=0)


def measure(cmd: list[str], interval: float = 0.05) -> dict[str, float]:
    """Run ``cmd``; its wall seconds, exit code and peak RSS (MB: tree sum, largest sampled, kernel's maxrss)."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    peak = {"sum": 0, "largest": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            total, largest = tree_rss(process.pid)
            peak["sum"], peak["largest"] = max(peak["sum"], total), max(peak["largest"], largest)
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    return {
        "wall_s": time.perf_counter() - start,
        "exit": os.waitstatus_to_exitcode(status),
        "tree_sum_mb": peak["sum"] / 2**20,
        "largest_mb": peak["largest"] / 2**20,
        "maxrss_mb": usage.ru_maxrss / 1024,
    }


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        raise SystemExit(__doc__)
    result = measure(args)
    print(
        f"wall {result['wall_s']:.1f} s, exit {result['exit']:.0f}, "
        f"peak RSS of the tree {result['tree_sum_mb']:,.0f} MB"
        f" (largest process {result['largest_mb']:,.0f} MB sampled, {result['maxrss_mb']:,.0f} MB kernel maxrss)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
