"""Benchmark: N synthetic applications (bench/synthetic.py: every clause, 1 % bad rows, 2 % of enterprises
blacklisted, about 3 applications per enterprise) through ``subsidy intake`` and ``subsidy disburse`` as a user
runs them: separate processes, Prefect included. Prints per stage the wall seconds, applications per second and
peak RSS, and the floor: reading the same CSV with pandas and bulk-loading three rows per application into the
same kind of database (SQLite: executemany in one transaction; PostgreSQL: COPY). Then pipeline / floor.

    .venv/bin/python bench/bench_pipeline.py --sizes 10000 100000 300000 1000000 --backend sqlite
    .venv/bin/python bench/bench_pipeline.py --sizes 10000 100000 300000 1000000 --backend postgresql

``--prefect temporary`` (default): no Prefect API configured, each command starts Prefect's temporary local
server. ``--prefect server``: a Prefect server is started once beforehand (as the operators run one) and the
commands report to it through PREFECT_API_URL.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import make_inputs  # noqa: E402

PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc"]


def floor_seconds(apps: Path, url: str) -> float:
    """The unavoidable cost: read the CSV with pandas and bulk-load three rows per application into the same
    kind of database (SQLite: one executemany transaction; PostgreSQL: COPY)."""
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
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE floor_rows")
    engine.dispose()
    return elapsed


def in_own_process(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` run in a fresh interpreter: this process stays small. Linux keeps a process's peak RSS
    across fork and exec, so a command started by a process that once held 2 GB reports at least 2 GB as its own
    peak (``ru_maxrss``); the inputs and the floor, built here, would otherwise set every command's figure."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def database_mb(env: dict[str, str], folder: Path) -> float:
    """The size of the database the commands wrote (SQLite: the file and its WAL; PostgreSQL: the database)."""
    url = env["SUBSIDY_DATABASE_URL"]
    if url.startswith("sqlite"):
        return sum(f.stat().st_size for f in folder.glob("bench.db*")) / 1e6
    name = url.rsplit("/", 1)[1]
    size = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", f"SELECT pg_database_size('{name}')"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(size) / 1e6


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, the largest process of the command's tree) of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({process.returncode}): {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
    return wall, usage.ru_maxrss / 1024


@contextmanager
def scratch_database(backend: str) -> Iterator[tuple[Path, str]]:
    """A scratch folder and a new database in it (SQLite) or on the local PostgreSQL, dropped afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if backend != "postgresql":
            yield folder, f"sqlite:///{folder / 'bench.db'}"
            return
        name = f"subsidy_bench_{uuid.uuid4().hex[:8]}"
        subprocess.run([*PSQL, f'CREATE DATABASE "{name}"'], check=True)
        try:
            yield folder, f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
        finally:
            subprocess.run([*PSQL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)


def prefect_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={k: v for k, v in env.items() if k != "PREFECT_API_URL"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api"
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the Prefect server did not start")


Measure = Callable[[int, str, int, str, dict[str, str]], None]
"""One size measured: N, backend, seed, the subsidy command, the environment."""


def bench_arguments(doc: str | None, prefect_choice: bool = False) -> tuple[argparse.Namespace, str, dict[str, str]]:
    """A benchmark's command line (``--sizes``, ``--backend``, ``--seed``; ``--prefect`` with ``prefect_choice``),
    the subsidy command, and the environment its runs get (no analytics, Prefect's temporary server)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    if prefect_choice:
        parser.add_argument("--prefect", choices=["temporary", "server"], default="temporary")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "GX_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    return args, str(Path(sys.executable).parent / "subsidy"), env


def measure_sizes(doc: str | None, header: str, measure: Measure) -> None:
    """Run ``measure`` per size given on the command line (``bench_arguments``), after the setting and
    ``header``."""
    args, subsidy, env = bench_arguments(doc)
    print(f"# {args.backend}, Prefect temporary, {os.cpu_count()} cores, seed {args.seed}")
    print(header)
    for n in args.sizes:
        measure(n, args.backend, args.seed, subsidy, env)


def main() -> None:
    args, subsidy, base_env = bench_arguments(__doc__, prefect_choice=True)
    server = None
    if args.prefect == "server":
        server, url = prefect_server(base_env)
        base_env["PREFECT_API_URL"] = url
    print(f"# {args.backend}, Prefect {args.prefect}, {os.cpu_count()} cores, seed {args.seed}")
    print(f"{'backend':<11}{'N':>9}{'stage':>10}{'wall s':>9}{'apps/s':>10}{'peak RSS MB':>13}")
    totals: dict[int, float] = {}
    try:
        for n in args.sizes:
            with scratch_database(args.backend) as (folder, url):
                env = {**base_env, "SUBSIDY_DATABASE_URL": url}
                floor_url = url if args.backend == "postgresql" else f"sqlite:///{folder / 'floor.db'}"
                apps, blacklist = in_own_process(make_inputs, folder / "input", n, args.seed)
                floor = in_own_process(floor_seconds, apps, floor_url)
                print(f"{args.backend:<11}{n:>9}{'floor':>10}{floor:>9.1f}{n / floor:>10.0f}{'':>13}", flush=True)
                pipeline = 0.0
                for stage, cmd in (
                    ("intake", [subsidy, "intake", str(apps), "--blacklist", str(blacklist), "--as-of", "2024-06-28"]),
                    ("disburse", [subsidy, "disburse", "--year", "2024", "--as-of", "2024-12-01"]),
                ):
                    wall, peak = run(cmd, env, folder)
                    pipeline += wall
                    print(f"{args.backend:<11}{n:>9}{stage:>10}{wall:>9.1f}{n / wall:>10.0f}{peak:>13.0f}", flush=True)
                totals[n] = pipeline
                print(
                    f"{args.backend:<11}{n:>9}{'ratio':>10}{pipeline / floor:>9.1f}  (intake + disburse) / floor",
                    flush=True,
                )
                print(f"{args.backend:<11}{n:>9}{'database':>10}{database_mb(env, folder):>9.0f}  MB", flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    sizes = sorted(totals)
    for small, large in zip(sizes, sizes[1:], strict=False):
        print(
            f"growth {small:,} → {large:,}: {large / small:.0f}× the applications, "
            f"{totals[large] / totals[small]:.1f}× the time"
        )


if __name__ == "__main__":
    main()
