"""Benchmark: ``subsidy what-if`` on N stored applications next to the ``subsidy intake`` that decided them (issue
19's goal: within 3× the intake's time). N synthetic applications (bench/synthetic.py) go through intake; then the
what-if runs twice, as a planner runs it (a new process each, Prefect's temporary server included): under the policy
as it stands (no change expected), and with A2's third-year rate at 30 % and I-4 first-come. Prints wall seconds,
peak RSS, the applications that change, and what-if / intake.

    .venv/bin/python bench/bench_what_if.py --sizes 100000 1000000 --backend sqlite
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pipeline import database_mb, in_own_process, measure_sizes, run, scratch_database  # noqa: E402
from bench.synthetic import make_inputs  # noqa: E402

A2_THIRD_YEAR = (
    "clause: A2\nparameters:\n  yearly_rates:\n    unit: ratio per year\n"
    '    values:\n      "2021-08-18": ["1", "1", "0.3"]\n'
)


def changed(folder: Path) -> int:
    with open(folder / "changed.csv", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


def measure(n: int, backend: str, seed: int, subsidy: str, base_env: dict[str, str]) -> None:
    with scratch_database(backend) as (folder, url):
        env = {**base_env, "SUBSIDY_DATABASE_URL": url}
        apps, blacklist = in_own_process(make_inputs, folder / "input", n, seed)
        amendment = folder / "a2-third-year.yaml"
        amendment.write_text(A2_THIRD_YEAR, encoding="utf-8")
        intake, peak = run(
            [subsidy, "intake", str(apps), "--blacklist", str(blacklist), "--as-of", "2024-06-28"], env, folder
        )
        print(f"{backend:<11}{n:>9}{'intake':>22}{intake:>9.1f}{peak:>13.0f}", flush=True)
        for stage, extra in (
            ("what-if (policy)", []),
            ("what-if (A2 30%, I-4)", ["--parameters", str(amendment), "--reading", "I-4=first_come"]),
        ):
            out = folder / f"what-if-{len(extra)}"
            wall, peak = run([subsidy, "what-if", *extra, "--out", str(out)], env, folder)
            print(
                f"{backend:<11}{n:>9}{stage:>22}{wall:>9.1f}{peak:>13.0f}{changed(out):>10}{wall / intake:>9.2f}×",
                flush=True,
            )
        print(f"{backend:<11}{n:>9}{'database':>22}{database_mb(env, folder):>9.0f}  MB", flush=True)


def main() -> None:
    measure_sizes(
        __doc__,
        f"{'backend':<11}{'N':>9}{'stage':>22}{'wall s':>9}{'peak RSS MB':>13}{'changed':>10}{'/ intake':>10}",
        measure,
    )


if __name__ == "__main__":
    main()
