"""Benchmark: N synthetic applications through ``subsidy intake`` and ``subsidy disburse`` as a user runs them
(separate processes, Prefect included). Prints wall seconds, applications per second and peak RSS per stage.

    .venv/bin/python bench/bench_pipeline.py --sizes 1000 10000 --backend sqlite
    .venv/bin/python bench/bench_pipeline.py --sizes 10000 --backend postgresql
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from subsidy.sample import RENT_AND_PILOT_COLUMNS, make_uscc  # noqa: E402

HEADER = RENT_AND_PILOT_COLUMNS


def make_applications(path: Path, n: int, seed: int = 1) -> Path:
    """N applications, about 3 per enterprise; rent claims most common; 1 % bad rows."""
    rng = random.Random(seed)
    enterprises = [make_uscc(rng) for _ in range(max(1, n // 3))]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(n):
            uscc = rng.choice(enterprises) if rng.random() > 0.01 else "BAD-USCC"
            day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
            if rng.random() < 0.7:
                writer.writerow(
                    [
                        f"B{i:08d}",
                        "A2",
                        uscc,
                        "企业",
                        day,
                        "true",
                        "true",
                        "ai",
                        "true",
                        rng.choice(["500万", "4000000", "9000000"]),
                        rng.randint(20, 80),
                        "3000万",
                        rng.randint(100_000, 2_000_000),
                        f"{rng.randint(2022, 2024)}-01-01",
                    ]
                )
            else:
                writer.writerow(
                    [f"B{i:08d}", "A4-PILOT", uscc, "企业", day, "true", "true", "ai", "true", "", "", "", "", ""]
                )
    return path


def floor_seconds(apps: Path, url: str) -> float:
    """The unavoidable cost: read the CSV with pandas and bulk-load three rows per application into the same
    kind of database (SQLite: one executemany transaction; PostgreSQL: COPY)."""
    import io

    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(url)
    started = time.perf_counter()
    frame = pd.read_csv(apps, dtype=str, keep_default_na=False)
    rows = [(f"{a}/{k}", a, k, "x" * 40) for a in frame["application_id"].tolist() for k in (1, 2, 3)]
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE floor_rows (key TEXT PRIMARY KEY, app TEXT, k INTEGER, payload TEXT)")
        if engine.dialect.name == "postgresql":
            buffer = io.StringIO("".join(f"{a}\t{b}\t{c}\t{d}\n" for a, b, c, d in rows))
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.copy_expert("COPY floor_rows FROM STDIN", buffer)
        else:
            conn.exec_driver_sql("INSERT INTO floor_rows VALUES (?, ?, ?, ?)", rows)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    subsidy = str(Path(sys.executable).parent / "subsidy")
    print(f"{'backend':<11}{'N':>9}{'stage':>10}{'wall s':>9}{'apps/s':>10}{'peak RSS MB':>13}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            env = dict(os.environ)
            pg_name = None
            if args.backend == "postgresql":
                pg_name = f"subsidy_bench_{uuid.uuid4().hex[:8]}"
                subprocess.run(
                    ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'CREATE DATABASE "{pg_name}"'], check=True
                )
                env["SUBSIDY_DATABASE_URL"] = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{pg_name}"
            else:
                env["SUBSIDY_DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
            try:
                apps = make_applications(folder / "apps.csv", n)
                floor_url = env["SUBSIDY_DATABASE_URL"].replace("bench.db", "floor.db")
                if args.backend == "postgresql":
                    floor_url = env["SUBSIDY_DATABASE_URL"]
                floor = floor_seconds(apps, floor_url)
                print(f"{args.backend:<11}{n:>9}{'floor':>10}{floor:>9.1f}{n / floor:>10.0f}{'':>13}", flush=True)
                pipeline = 0.0
                for stage, cmd in (
                    ("intake", [subsidy, "intake", str(apps), "--as-of", "2024-06-28"]),
                    ("disburse", [subsidy, "disburse", "--year", "2024", "--as-of", "2024-12-01"]),
                ):
                    wall, peak = run(cmd, env, folder)
                    pipeline += wall
                    print(f"{args.backend:<11}{n:>9}{stage:>10}{wall:>9.1f}{n / wall:>10.0f}{peak:>13.0f}", flush=True)
                print(
                    f"{args.backend:<11}{n:>9}{'ratio':>10}{pipeline / floor:>9.1f}  (intake + cycle) / floor",
                    flush=True,
                )
            finally:
                if pg_name:
                    subprocess.run(
                        [
                            "psql",
                            "-h",
                            "127.0.0.1",
                            "-U",
                            "postgres",
                            "-qc",
                            f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)',
                        ],
                        check=False,
                    )


if __name__ == "__main__":
    main()
