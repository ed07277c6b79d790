"""Settings from the environment; nothing secret is ever written to code or logs."""

from __future__ import annotations

import os
import re
from pathlib import Path

DEFAULT_DATABASE_FILE = "subsidy.db"


def database_url() -> str:
    """The SQLAlchemy URL of the database: ``SUBSIDY_DATABASE_URL`` (a password's unencoded ``@`` encoded, see
    ``encode_password_at``) or a SQLite file in the working directory."""
    url = os.environ.get("SUBSIDY_DATABASE_URL", "").strip()
    if url:
        return encode_password_at(url)
    return f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


def encode_password_at(url: str) -> str:
    """``url`` with an ``@`` written unencoded in its password encoded (``%40``).

    SQLAlchemy ends the password at its first ``@`` and takes the rest for the host: ``u:p@ss@db`` would be
    password ``p`` and host ``ss@db``, and the driver's "could not translate host name" names a piece of the
    password. A host never holds an ``@``, so what precedes its last one belongs to the password (the reading of
    urllib and browsers). Any other URL is returned as it is."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # not a URL SQLAlchemy reads: creating the engine reports it
        return url
    host = parsed.host or ""
    if "@" not in host or parsed.password is None:
        return url
    tail, _, host = host.rpartition("@")
    fixed = parsed.set(password=f"{parsed.password}@{tail}", host=host)
    return fixed.render_as_string(hide_password=False)


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


_QUERY_PASSWORD = re.compile(r"(?i)([?&;]password=)[^&;]*")


def redact_url(url: str) -> str:
    """The URL with its password replaced by ``***``, fit for messages and logs, whatever the password's characters
    and also when the URL cannot be parsed: everything between the user's ``:`` and the last ``@`` is masked (an
    ``@``, ``/``, ``?`` or ``#`` written unencoded in a password stays masked; a URL with ``@`` further on is masked
    too far rather than too little), and so is a ``password=`` of the query."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return "<unparsable database URL>"
    at = rest.rfind("@")
    if at > 0 and not rest.startswith("/") and ":" in rest[:at]:  # ``sqlite:///a:b@c`` is a path: no user there
        rest = f"{rest[:at].split(':', 1)[0]}:***{rest[at:]}"
    return f"{scheme}://" + _QUERY_PASSWORD.sub(r"\1***", rest)


def quiet_third_parties() -> None:
    """No analytics calls (there is no network). Flow and task logs still go to the Prefect API (the UI);
    the terminal shows the command's own messages and summaries instead of Prefect's console log."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
