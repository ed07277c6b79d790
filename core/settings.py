"""Settings from the environment; nothing secret is ever written to code or logs."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATABASE_FILE = "subsidy.db"


def database_url() -> str:
    """The SQLAlchemy URL of the database: ``SUBSIDY_DATABASE_URL`` or a SQLite file in the working directory."""
    url = os.environ.get("SUBSIDY_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


def data_docs_dir() -> Path:
    """Where the Great Expectations Data Docs of each intake run go: ``SUBSIDY_DATA_DOCS_DIR`` or
    ``./subsidy-data-docs``."""
    configured = os.environ.get("SUBSIDY_DATA_DOCS_DIR", "").strip()
    return Path(configured) if configured else Path.cwd() / "subsidy-data-docs"


def anchor_dir() -> Path:
    """Where each committing run appends the ledger's chain head, outside the database: ``SUBSIDY_ANCHOR_DIR`` or
    ``./subsidy-anchors`` (keep it on other storage than the database, or copy it there)."""
    configured = os.environ.get("SUBSIDY_ANCHOR_DIR", "").strip()
    return Path(configured) if configured else Path.cwd() / "subsidy-anchors"


def inbox_dir() -> Path:
    """The folder the operations team drops files into: ``SUBSIDY_INBOX`` or ``./inbox``."""
    configured = os.environ.get("SUBSIDY_INBOX", "").strip()
    return Path(configured) if configured else Path.cwd() / "inbox"


def redact_url(url: str) -> str:
    """The URL with any password replaced, fit for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is reported by the caller; never echo it raw
        return "<unparsable database URL>"


def quiet_third_parties() -> None:
    """No analytics calls (there is no network). Flow and task logs still go to the Prefect API (the UI);
    the terminal shows the command's own messages and summaries instead of Prefect's console log."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
