"""Where an intake and a cycle spend their time: the same synthetic applications as ``bench_pipeline.py``, run
in this one process without Prefect's server (the tasks' own functions), with the seconds of each step.

    .venv/bin/python bench/bench_steps.py --size 1000000 --backend sqlite
    .venv/bin/python bench/bench_steps.py --size 300000 --backend postgresql --kept-rows

The steps are the functions the intake and the cycle call, timed by wrapping them here (a renamed function
makes this script fail, not report nothing). Against ``bench_pipeline.py``'s figures for the same N, the
difference is what the command adds: start-up, Prefect's flow and task bookkeeping, and the Great Expectations
process beside the intake. The floor is ``bench_pipeline.floor_seconds`` for the same file and database kind.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from bench.bench_pipeline import PSQL, floor_seconds  # noqa: E402
from bench.synthetic import make_inputs  # noqa: E402

STEPS = {
    "tasks.intake_run": ["_new_applications", "grant_history", "decide_run", "_post_commitments"],
    "ledger.applications": ["batch_frame", "store_applications"],
    "ledger.decisions": ["store_decisions"],
    "tasks.cycle": ["due_installments"],
    "ledger.posting": ["post_columns"],
    "rules.disbursement": ["settle_columns"],
}
"""module → functions timed (wrapped where they are looked up: ``tasks.intake_run`` and ``tasks.cycle`` import
them by name)."""


def _timed(seconds: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started

    return timed


def instrument(seconds: dict[str, float]) -> None:
    """Wrap the steps (in every module that holds them by name) and the session commit."""
    import importlib

    from sqlalchemy.orm.session import SessionTransaction

    modules = {name: importlib.import_module(name) for name in STEPS}
    for module_name, names in STEPS.items():
        for name in names:
            original: Callable[..., Any] = getattr(modules[module_name], name)
            for module in modules.values():
                if getattr(module, name, None) is original:
                    setattr(module, name, _timed(seconds, name, original))
    SessionTransaction.commit = _timed(seconds, "commit", SessionTransaction.commit)  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--kept-rows",
        action="store_true",
        help="then write the rows the run kept, read back and already built, into an empty database of the same "
        "schema: what writing the records alone costs",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pg_databases: list[tuple[str, str]] = []  # name, URL

        def new_database(name: str) -> str:
            if args.backend == "sqlite":
                return f"sqlite:///{folder / (name + '.db')}"
            name = f"subsidy_{name}_{uuid.uuid4().hex[:8]}"
            subprocess.run([*PSQL, f'CREATE DATABASE "{name}"'], check=True)
            pg_databases.append((name, f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"))
            return pg_databases[-1][1]

        url = new_database("steps")
        floor_url = url if args.backend == "postgresql" else new_database("floor")
        os.environ["SUBSIDY_DATABASE_URL"] = url
        try:
            apps, blacklist = make_inputs(folder / "input", args.size, args.seed)
            floor = floor_seconds(apps, floor_url)
            run(apps, blacklist, floor, args)
            if args.kept_rows:
                write_kept_rows(url, new_database("kept"), floor)
                if args.backend == "postgresql":
                    write_kept_rows(url, new_database("kept_no_fk"), floor, foreign_keys=False)
        finally:
            from ledger.db import dispose_engine

            for name, pg_url in pg_databases:
                dispose_engine(pg_url)
                subprocess.run([*PSQL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)


KEPT_TABLES = ("intake_runs", "parameter_sets", "applications", "decisions", "ledger_transactions")


def write_kept_rows(source: str, target: str, floor: float, foreign_keys: bool = True) -> None:
    """Read back every row the run kept and write them, already built, into an empty database of the same schema
    (SQLite: one executemany per table; PostgreSQL: COPY of the text the server gave out), in one transaction.
    Nothing is decided or hashed: the cost of the records alone. ``foreign_keys=False`` (PostgreSQL, superuser):
    the same with the server's per-row trigger checks (the foreign keys) switched off for the session."""
    from ledger.db import get_engine

    source_engine, target_engine = get_engine(source), get_engine(target)
    title = "writing the kept rows alone" + ("" if foreign_keys else ", no per-row FK checks")
    print(title)
    with source_engine.connect() as read, target_engine.connect() as write:
        reader = read.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        writer = write.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        write.commit()  # SQLAlchemy's own transaction ends; the writes below are one transaction of their own
        total = 0.0
        if target_engine.dialect.name == "sqlite":
            writer.execute("BEGIN")
        if not foreign_keys:
            writer.execute("SET session_replication_role = replica")
        for table in KEPT_TABLES:
            if target_engine.dialect.name == "sqlite":
                reader.execute(f"SELECT * FROM {table}")
                names = ", ".join(f'"{d[0]}"' for d in reader.description)
                rows = reader.fetchall()
                count = len(rows)
                statement = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(reader.description))})"
                started = time.perf_counter()
                writer.executemany(statement, rows)
                del rows
            else:
                text = io.StringIO()
                reader.copy_expert(f"COPY {table} TO STDOUT", text, size=1 << 20)
                count = text.getvalue().count("\n")
                text.seek(0)
                started = time.perf_counter()
                writer.copy_expert(f"COPY {table} FROM STDIN", text, size=1 << 20)
            elapsed = time.perf_counter() - started
            total += elapsed
            print(f"  {table + f' ({count:,} rows)':<42}{elapsed:>8.2f}")
        started = time.perf_counter()
        writer.connection.commit()
        elapsed = time.perf_counter() - started
        total += elapsed
        print(f"  {'commit':<42}{elapsed:>8.2f}")
    print(f"{'  total':<44}{total:>8.1f}")
    print(f"{'  total / floor':<44}{total / floor:>8.1f}")


NESTED = {"batch_frame": "_new_applications"}
"""Steps timed inside another timed step (shown under it, not counted twice)."""


def run(apps: Path, blacklist: Path, floor: float, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    from ledger.db import get_engine
    from rules.params import default_parameters
    from tasks.cycle import run_cycle
    from tasks.intake import decide_and_record, read_applications, read_reference_data

    seconds: dict[str, float] = {}
    instrument(seconds)
    get_engine()
    print(f"# {args.backend}, {args.size:,} applications, seed {args.seed}, {os.cpu_count()} cores, in-process")
    print(f"{'step':<44}{'s':>8}")
    print(f"{'floor (bench_pipeline.floor_seconds)':<44}{floor:>8.1f}")
    print(f"{'imports, schema check':<44}{time.perf_counter() - started:>8.1f}")
    total = 0.0

    def stage(name: str, call: Callable[[], Any]) -> Any:
        nonlocal total
        seconds.clear()
        at = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - at
        total += elapsed
        print(f"{name:<44}{elapsed:>8.1f}")
        top = {k: v for k, v in seconds.items() if k not in NESTED}
        for step, s in sorted(top.items(), key=lambda kv: -kv[1]):
            print(f"  {step:<42}{s:>8.2f}")
            for inner, outer in NESTED.items():
                if outer == step and inner in seconds:
                    print(f"    of which {inner:<32}{seconds[inner]:>8.2f}")
        if top:
            print(f"  {'(the rest)':<42}{elapsed - sum(top.values()):>8.2f}")
        return result

    references = stage("read the blacklist", lambda: read_reference_data.fn({"blacklist": str(blacklist)}))
    tables = stage("read and validate the applications", lambda: read_applications.fn([str(apps)]))
    stage("intake: decide and record", lambda: decide_and_record.fn(tables, references, date(2024, 6, 28)))
    tables.clear()  # the validated frames go before the cycle, as in the command
    stage("cycle 2024", lambda: run_cycle(get_engine(), 2024, date(2024, 12, 1), default_parameters()))
    print(f"{'total (in-process)':<44}{total:>8.1f}")
    print(f"{'total / floor':<44}{total / floor:>8.1f}")


if __name__ == "__main__":
    main()
