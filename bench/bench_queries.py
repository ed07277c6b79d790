"""How long the operators' queries take on the demo database, as an operator runs them (a new process each),
next to the time Python takes to import SQLAlchemy alone (the floor of any command that reads a database).

    .venv/bin/python bench/bench_queries.py [--runs 5]

Makes the demo (``subsidy demo``) in a scratch folder first; prints the median wall time of each command, its
distance from the floor, and whether it is within the goal (1.0 s of the floor, issue 17).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
GOAL_S = 1.0


def _seconds(command: list[str], folder: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=folder, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.pop("SUBSIDY_DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        subprocess.run([str(BIN / "subsidy"), "demo"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
        with open(folder / "subsidy-demo" / "exports" / "decisions.csv", encoding="utf-8") as f:
            first = next(csv.DictReader(f))["application_id"]
        floor = _seconds([sys.executable, "-c", "import sqlalchemy"], folder, args.runs)
        print(f"floor: python -c 'import sqlalchemy'  {floor:.2f} s (median of {args.runs})")
        print(f"{'command':42s} {'seconds':>8s} {'over floor':>11s}  within {GOAL_S} s")
        subsidy = str(BIN / "subsidy")
        for name, command in (
            (f"explain {first}", [subsidy, "explain", first]),
            ("ledger balance", [subsidy, "ledger", "balance"]),
            ("export decisions", [subsidy, "export", "decisions", "--out", "decisions.csv"]),
            ("ledger verify", [subsidy, "ledger", "verify"]),
            (
                "disburse --year 2027 --dry-run",
                [subsidy, "disburse", "--year", "2027", "--as-of", "2027-01-02", "--dry-run"],
            ),
        ):
            seconds = _seconds(command, folder, args.runs)
            over = seconds - floor
            print(f"{name:42s} {seconds:8.2f} {over:11.2f}  {'yes' if over <= GOAL_S else 'no'}")


if __name__ == "__main__":
    main()
