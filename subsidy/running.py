"""How a command runs: a flow with progress bars (naming the database first), a query at once without a Prefect
server, and a project or database error as one message on stderr with exit code 2, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from core.settings import database_url, redact_url
from core.shown import markup
from subsidy import views
from subsidy.views import console

if TYPE_CHECKING:
    from sqlalchemy import Engine


def say_database() -> None:
    console.print(f"database: {markup(redact_url(database_url()))}", highlight=False)


T = TypeVar("T")


def run_flow(step: Callable[[], T], name_database: bool = True) -> T:
    """Run a flow with progress bars (first naming the database, unless the command already did); a project error
    becomes one message on stderr and exit code 2, never a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from core.errors import SubsidyError
    from subsidy import prefect_server

    if name_database:
        say_database()
    try:
        prefect_server.wait_ready()
        return views.with_progress(step)
    except (SubsidyError, SQLAlchemyError) as e:
        views.error(views.failure(e))
    raise typer.Exit(2)


def answer(step: Callable[[Engine], T]) -> T:
    """Answer from a database that already holds the ledger, at once: no Prefect server, no flow run, nothing
    created."""
    from ledger.db import existing_engine

    say_database()
    return guarded(lambda: step(existing_engine()))


def guarded(step: Callable[[], T]) -> T:
    """A project or database error becomes one message on stderr and exit code 2, never a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from core.errors import SubsidyError

    try:
        return step()
    except (SubsidyError, SQLAlchemyError) as e:
        views.error(views.failure(e))
    raise typer.Exit(2)


def refuse_special_paths(*paths: Path | None) -> None:
    """A FIFO, device or socket among the paths is refused at once (exit 2), before any file is read or written."""
    from core.errors import InputFileError
    from core.files import refuse_special

    try:
        for path in paths:
            if path is not None:
                refuse_special(path)
    except InputFileError as e:
        views.error(e)
        raise typer.Exit(2) from None


def day_of(text: str | None) -> date | None:
    if text is None:
        return None
    from validations.values import BadValue, parse_date

    try:
        return parse_date(text)
    except BadValue as e:
        raise typer.BadParameter(str(e)) from None


DAY = "YYYY-MM-DD"
