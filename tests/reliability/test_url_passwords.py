"""A password in ``SUBSIDY_DATABASE_URL`` is masked whatever its characters (L3). With an ``@`` written unencoded,
SQLAlchemy ended the password at that ``@`` and took the rest for the host: the masked URL showed the password's
tail, and so did the driver's "could not translate host name" in the message and the Prefect logs. Now the masking
runs to the last ``@`` (also for a URL nothing can parse), and such a password is encoded before it is used, so a
run with it works."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from core.settings import database_url, encode_password_at, redact_url
from subsidy.cli import app
from tests.conftest import make_database
from tests.ledger.helpers import write_pilot_and_rent_file

TAIL = "T41l-0f-S3cret"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg2://u:p@ss@host/db", "postgresql+psycopg2://u:***@host/db"),
        ("postgresql://u:p@a@b@host:5432/db?sslmode=require", "postgresql://u:***@host:5432/db?sslmode=require"),
        ("postgresql://u:a/b?c#d@host/db", "postgresql://u:***@host/db"),
        ("postgresql://u:p%40ss@host/db", "postgresql://u:***@host/db"),
        ("postgresql://u:p@s/s@host/db", "postgresql://u:***@host/db"),  # no parser reads this one as meant
        ("postgresql://u:p@ss@host:notaport/db", "postgresql://u:***@host:notaport/db"),  # SQLAlchemy refuses it
        ("postgresql://user@corp:pw@host/db", "postgresql://user@corp:***@host/db"),
        ("postgresql://u@host:5432/db", "postgresql://u@host:5432/db"),
        (
            "postgresql://host/db?user=u&password=p@ss&sslmode=require",
            "postgresql://host/db?user=u&password=***&sslmode=require",
        ),
        ("sqlite:////srv/a:b@c/subsidy.db", "sqlite:////srv/a:b@c/subsidy.db"),
        ("postgres:secret@host", "<unparsable database URL>"),
    ],
)
def test_the_password_is_masked_whatever_its_characters(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_an_unencoded_at_in_the_password_is_read_as_the_passwords() -> None:
    url = make_url(encode_password_at(f"postgresql+psycopg2://u:p@{TAIL}@db.example:5433/subsidy"))
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "u",
        f"p@{TAIL}",
        "db.example",
        5433,
        "subsidy",
    )
    assert encode_password_at("postgresql://u:p%40ss@host/db") == "postgresql://u:p%40ss@host/db"


@pytest.mark.parametrize("port", ["1", "notaport"])
def test_a_password_with_an_at_shows_nowhere_when_the_database_fails(
    port: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", f"postgresql+psycopg2://postgres:Pa55@{TAIL}@127.0.0.1:{port}/nowhere")
    result = CliRunner().invoke(app, ["ledger", "balance"])
    assert result.exit_code == 2, result.output
    assert "postgres:***@127.0.0.1" in result.output
    assert TAIL not in result.output and "Pa55" not in result.output
    assert TAIL not in caplog.text and "Pa55" not in caplog.text


@pytest.mark.parametrize("password", ["An0ther-S3cret", f"Pa55@{TAIL}"])
def test_a_run_with_a_password_in_the_url_works_and_shows_it_nowhere(
    password: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever its characters (an unencoded @ too), the password is in no output and no log."""
    url, drop = make_database("postgresql", tmp_path)
    try:
        with_password = url.replace("postgres@", f"postgres:{password}@", 1)  # trust auth here ignores it
        monkeypatch.setenv("SUBSIDY_DATABASE_URL", with_password)
        apps = write_pilot_and_rent_file(tmp_path / "apps.csv", 6)
        runner = CliRunner()
        results = [
            runner.invoke(app, ["intake", str(apps), "--as-of", "2024-06-28"]),
            runner.invoke(app, ["ledger", "verify"]),
            runner.invoke(app, ["db", "upgrade"]),
        ]
        assert [r.exit_code for r in results] == [0, 0, 0], [r.output for r in results]
        assert "postgres:***@127.0.0.1" in results[2].output
        parts = password.split("@")
        assert all(part not in r.output for r in results for part in parts)
        assert all(part not in caplog.text for part in parts)
    finally:
        from ledger.db import dispose_engine

        dispose_engine(database_url())
        drop()
