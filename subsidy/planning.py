"""The planners' commands: what the ledger still owes (``forecast``, a query) and what an amended policy would have
decided (``what-if``, a Prefect flow that writes nothing to the ledger)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.shown import markup
from subsidy import views
from subsidy.running import DAY, answer, day_of, guarded, refuse_special_paths, run_flow, say_database
from subsidy.views import console

planning = typer.Typer()


@planning.command()
def forecast(
    from_year: Annotated[int | None, typer.Option("--from", help="First due year (default: every year).")] = None,
    through_year: Annotated[int | None, typer.Option("--through", help="Last due year (default: every year).")] = None,
    by_recipient: Annotated[bool, typer.Option("--by-recipient", help="A row per clause and recipient.")] = False,
    out: Annotated[Path | None, typer.Option(help="CSV file to write (its columns as above).")] = None,
) -> None:
    """The budget forecast from the ledger as it stands: the installments committed and not yet settled (no
    payment, forfeit or reversal), per clause and due year (--from/--through: those due years), per recipient too
    with --by-recipient; and per clause what fell due in every cycle so far (paid + forfeited), what was forfeited
    and its share (exact, half-up to 0.1 %). The CSV's columns: fiscal_year, clause, outstanding, recipients; a row
    per due year and clause still owed, what is outstanding in CNY (two decimals) and to how many recipients."""
    from ledger.queries import forecast as read_forecast

    if from_year is not None and through_year is not None and from_year > through_year:
        raise typer.BadParameter(f"--from {from_year} is after --through {through_year}", param_hint="--from")
    refuse_special_paths(out)
    found = answer(lambda engine: read_forecast(engine, from_year, through_year, by_recipient, out))
    views.print_forecast(found)
    if out is not None:
        console.print(f"forecast CSV: {markup(out.resolve())}", highlight=False)


@planning.command("what-if")
def what_if(
    parameters: Annotated[
        Path | None,
        typer.Option(help="Amended parameters: a YAML file, or a folder of them, in the shape of rules/parameters/."),
    ] = None,
    reading: Annotated[
        list[str] | None, typer.Option(help="A reading chosen, I-n=VALUE (e.g. I-4=first_come); may be repeated.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help=f"Only the applications decided up to this date, {DAY} (default: all).")
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Folder for totals.csv, changes.csv, changed.csv, status.csv, amendment.csv.")
    ] = Path("subsidy-what-if"),
) -> None:
    """Decide every stored application again under amended parameters and readings, in memory, and compare with
    the ledger: committed per clause and fiscal year before and after, status changes, every changed application.
    Nothing is written to the ledger."""
    from rules.amendments import amend
    from rules.params import default_parameters

    day = day_of(as_of)
    refuse_special_paths(parameters, out)
    guarded(lambda: amend(default_parameters(), parameters, list(reading or [])))  # refused before a flow starts
    from flows.what_if import what_if_flow
    from ledger.db import existing_engine
    from tasks.what_if import what_if_folder

    say_database()
    guarded(existing_engine)  # a database that holds no ledger is named before anything is made
    guarded(lambda: what_if_folder(out))

    views.print_what_if(
        run_flow(
            lambda: what_if_flow(str(parameters) if parameters else None, list(reading or []), day, str(out)),
            name_database=False,
        )
    )
