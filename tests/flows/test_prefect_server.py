"""End to end as an operator sees it: a real Prefect server on a free local port, the deployments served by
``subsidy serve``, the cycle triggered and Completed, and the Prefect UI (headless Chromium) showing the flow
run and its summary artifact."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from ledger.db import dispose_engine, get_engine
from tests.flows.browser import page_text
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, path: str, body: dict | None = None) -> object:  # type: ignore[type-arg]
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{base}{path}",
        data=data,
        headers={"content-type": "application/json"},
        method="POST" if data is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _wait_healthy(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if _api(base, "/health") is True:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the Prefect server at {base} did not answer within {seconds} s")


def test_served_cycle_completes_and_the_ui_shows_its_run_and_artifact(tmp_path: Path) -> None:
    if CHROMIUM is None and os.environ.get("CI"):
        pytest.fail("Debian's chromium is not installed; .ci/run installs it")
    port = _free_port()
    base = f"http://127.0.0.1:{port}/api"
    db_url = f"sqlite:///{tmp_path / 'subsidy.db'}"
    intake_file(get_engine(db_url), write_pilot_and_rent_file(tmp_path / "apps.csv", 20), date(2024, 6, 28))
    dispose_engine(db_url)
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": base,
        "PREFECT_API_URL": base,
        "SUBSIDY_DATABASE_URL": db_url,
        "SUBSIDY_INBOX": str(tmp_path / "inbox"),
        "SUBSIDY_DATA_DOCS_DIR": str(tmp_path / "docs"),
    }
    for name in ("PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_SERVER_DATABASE_CONNECTION_URL"):
        env.pop(name, None)
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={k: v for k, v in env.items() if k != "PREFECT_API_URL"},
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    served = None
    try:
        _wait_healthy(base, 120)
        served = subprocess.Popen(
            [str(BIN / "subsidy"), "serve"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            names = {d["name"] for d in _api(base, "/deployments/filter", {})}  # type: ignore[union-attr]
            if "yearly-disbursement-cycle" in names:
                break
            time.sleep(1)
        run = subprocess.run(
            [
                str(BIN / "prefect"),
                "deployment",
                "run",
                "disbursement-cycle/yearly-disbursement-cycle",
                "--param",
                "year=2024",
                "--param",
                "as_of=2024-12-01",
                "--watch",
                "--watch-timeout",
                "180",
            ],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        [flow_run] = _api(  # type: ignore[misc]
            base,
            "/flow_runs/filter",
            {
                "flows": {"name": {"any_": ["disbursement-cycle"]}},
                "flow_runs": {"state": {"type": {"any_": ["COMPLETED", "FAILED", "CRASHED"]}}},
            },
        )
        assert flow_run["state_type"] == "COMPLETED"
        assert flow_run["name"] == "cycle-2024"  # named for what ran, not a random pair of words
        artifacts = _api(base, "/artifacts/filter", {"artifacts": {"key": {"any_": ["cycle-summary"]}}})
        [summary] = [a for a in artifacts if a["flow_run_id"] == flow_run["id"]]  # type: ignore[union-attr]
        assert "| 20 | 20 |" in summary["data"]  # 20 installments due in 2024, 20 paid

        if CHROMIUM is None:
            pytest.skip("no chromium here to look at the UI")  # pragma: no cover
        runs_page = page_text(
            CHROMIUM,
            f"http://127.0.0.1:{port}/artifacts/key/cycle-summary",
            [flow_run["name"]],
            tmp_path / "chromium-1",
        )
        assert flow_run["name"] in runs_page  # the operator finds the run that published the summary
        summary_page = page_text(
            CHROMIUM,
            f"http://127.0.0.1:{port}/artifacts/artifact/{summary['id']}",
            ["Disbursement cycle 2024 (as of 2024-12-01)"],
            tmp_path / "chromium-2",
        )
        assert "Disbursement cycle 2024 (as of 2024-12-01)" in summary_page
        assert "20\t20\t" in summary_page  # due 20, paid 20
        [by_clause] = [
            a
            for a in _api(base, "/artifacts/filter", {"artifacts": {"key": {"any_": ["cycle-by-clause"]}}})  # type: ignore[union-attr]
            if a["flow_run_id"] == flow_run["id"]
        ]
        table_page = page_text(
            CHROMIUM,
            f"http://127.0.0.1:{port}/artifacts/artifact/{by_clause['id']}",
            ["total"],
            tmp_path / "chromium-3",
        )
        assert "total" in table_page  # the per-clause table ends with its totals row
        run_page = page_text(
            CHROMIUM, f"http://127.0.0.1:{port}/runs/flow-run/{flow_run['id']}", ["cycle-2024"], tmp_path / "chromium-4"
        )
        assert "cycle-2024" in run_page  # the run's page, under the name that says what ran
        logs = _api(base, "/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run["id"]]}}})
        said = [entry["message"] for entry in logs if entry["message"].startswith("cycle 2024")]  # type: ignore[union-attr]
        assert said and "paid 20" in said[0] and "chain head" in said[0]  # the line an operator reads in its log
    finally:
        for process in (served, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
