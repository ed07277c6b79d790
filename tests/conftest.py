"""Shared fixtures: a fresh database on SQLite and on PostgreSQL for every test that asks for ``db_url``.

PostgreSQL is reached at SUBSIDY_TEST_POSTGRES_URL (default: postgres on 127.0.0.1:5432, trust auth); each
test gets its own database, created and dropped here. A missing PostgreSQL fails the tests, it never skips
them, so a green run always means both databases were exercised.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
# Inbox files written by a test are settled at once: a short settle time keeps the check without the wait.
os.environ.setdefault("SUBSIDY_INBOX_SETTLE_SECONDS", "0.2")
# Data Docs of intakes run by tests go to a scratch folder, never into the working tree.
os.environ.setdefault("SUBSIDY_DATA_DOCS_DIR", tempfile.mkdtemp(prefix="subsidy-test-data-docs-"))
# Chain heads kept outside the database (one file per test database) go to a scratch folder too.
os.environ.setdefault("SUBSIDY_ANCHOR_DIR", tempfile.mkdtemp(prefix="subsidy-test-anchors-"))

POSTGRES_ADMIN_URL = os.environ.get(
    "SUBSIDY_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


def _admin_execute(sql: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def make_database(backend: str, tmp_path) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'subsidy-test.db'}"

        def forget() -> None:
            from ledger.db import dispose_engine

            dispose_engine(url)

        return url, forget
    name = f"subsidy_test_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]

    def drop() -> None:
        from ledger.db import dispose_engine

        dispose_engine(f"{base}/{name}")
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    url, drop = make_database(request.param, tmp_path)
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def engine(db_url):
    """A migrated engine on a fresh database of each backend."""
    from ledger.db import get_engine

    return get_engine(db_url)


def killed_at_random(module: str, args: list[str], rng: random.Random, longest: float) -> None:
    """Run ``python -m module args`` (a worker that prints ``ready`` before its step), then SIGKILL it at a random
    moment up to ``longest`` seconds after it is ready, and wait for it to end."""
    root = Path(__file__).resolve().parents[1]
    worker = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    time.sleep(rng.uniform(0.0, longest))
    worker.send_signal(signal.SIGKILL)
    worker.wait()
