"""When a command starts its own temporary Prefect server, and when it leaves Prefect to a configured API."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from subsidy import dataset_checks, prefect_server
from validations.batch import ValidatedTable


def test_an_api_in_the_environment_or_the_active_profile_is_used_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.delenv("PREFECT_PROFILES_PATH", raising=False)
    assert prefect_server._configured_api_url() is None
    (tmp_path / "profiles.toml").write_text(
        'active = "ops"\n[profiles.ops]\nPREFECT_API_URL = "http://prefect.internal:4200/api"\n[profiles.dev]\n',
        encoding="utf-8",
    )
    assert prefect_server._configured_api_url() == "http://prefect.internal:4200/api"
    monkeypatch.setenv("PREFECT_PROFILE", "dev")
    assert prefect_server._configured_api_url() is None
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert prefect_server._configured_api_url() == "http://127.0.0.1:4200/api"


def test_no_temporary_server_is_started_where_prefect_is_already_loaded() -> None:
    import prefect  # noqa: F401  (loaded here, as under the test harness or in an embedding program)

    prefect_server.start_early()
    assert prefect_server._server is None
    prefect_server.wait_ready()  # nothing to wait for


def test_dataset_checks_that_fail_say_why_and_the_intake_goes_on(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tasks.intake

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no expectation store")

    monkeypatch.setenv("SUBSIDY_DATA_DOCS_DIR", str(tmp_path))
    monkeypatch.setattr(tasks.intake, "run_suites", broken)
    table = ValidatedTable("a.csv", "applications", pd.DataFrame({"application_id": ["A-1"]}), [2])
    outcome = tasks.intake.check_datasets.fn([table])
    assert outcome["files"] == {} and outcome["data_docs"] is None
    assert outcome["error"] == "dataset checks failed: RuntimeError: no expectation store"
    assert tasks.intake.check_datasets.fn([]) == {"files": {}, "data_docs": None}
    dataset_checks.start_early([])  # nothing to check: nothing loaded, nothing started
