"""One Prefect test server for the whole session; flows run against it as they would against a real one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def database(db_url: str, prefect_server: None, monkeypatch: pytest.MonkeyPatch, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The flows' database for this test (SUBSIDY_DATABASE_URL), on each backend."""
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", db_url)
    monkeypatch.setenv("SUBSIDY_DATA_DOCS_DIR", str(tmp_path / "data-docs"))
    return db_url
