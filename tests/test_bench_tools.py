"""The benchmark tools that bench/RESULTS.md cites still run: ``bench/bench_steps.py`` at a small size, on each
backend, finds every step it times (a renamed function makes it fail) and writes back exactly the rows the run
kept. Figures are not checked here: speed goals live in the benchmarks, not in tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_bench_steps_times_every_step_and_writes_back_the_rows_the_run_kept(backend: str) -> None:
    done = subprocess.run(
        [sys.executable, "bench/bench_steps.py", "--size", "600", "--backend", backend, "--kept-rows"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for step in ("decide_run", "store_applications", "store_decisions", "post_columns", "due_installments"):
        assert re.search(rf"^\s+{step}\s+\d+\.\d\d$", out, re.MULTILINE), step
    kept = dict(re.findall(r"^\s+(\w+) \(([\d,]+) rows\)", out, re.MULTILINE))
    applications = int(kept["applications"].replace(",", ""))
    assert 580 <= applications < 600  # 1 % bad rows are quarantined, not kept as applications
    assert kept["decisions"] == kept["applications"]
    assert int(kept["ledger_transactions"].replace(",", "")) > applications  # commitments and settlements


def test_bench_what_if_runs_the_intake_and_both_what_ifs() -> None:
    """``bench/bench_what_if.py`` at a small size: the intake, the what-if under the policy (nothing changes) and
    under the A2 / I-4 amendment, each as a planner runs it."""
    done = subprocess.run(
        [sys.executable, "bench/bench_what_if.py", "--sizes", "400", "--backend", "sqlite"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {line[20:42].strip(): line.split() for line in done.stdout.splitlines() if line.startswith("sqlite")}
    assert set(rows) == {"intake", "what-if (policy)", "what-if (A2 30%, I-4)", "database"}
    assert rows["what-if (policy)"][-2] == "0"  # applications changed under the policy as it stands
    assert int(rows["what-if (A2 30%, I-4)"][-2]) > 0
