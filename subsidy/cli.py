"""The ``subsidy`` command. Every verb runs through a Prefect flow; errors are printed as one clear message."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from core.settings import database_url, quiet_third_parties, redact_url

quiet_third_parties()

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
ledger_app = typer.Typer(no_args_is_help=True, help="Verify the ledger and show its balances.")
app.add_typer(ledger_app, name="ledger")
db_app = typer.Typer(no_args_is_help=True, help="The database schema.")
app.add_typer(db_app, name="db")
# Outside a terminal (logs, CI) rich would wrap at 80 columns; a wider page keeps table rows whole.
console = Console(width=None if sys.stdout.isatty() else 160)


@app.callback()
def _start() -> None:
    """Every verb runs a Prefect flow: the temporary Prefect server (when no API is configured) starts now,
    while the verb loads its modules."""
    from subsidy import prefect_server

    prefect_server.start_early()


err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
T = TypeVar("T")


def _run(step: Callable[[], T]) -> T:
    """Run a flow with progress bars; a project error becomes one message on stderr and exit code 2, never a
    traceback."""
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    from core.errors import SubsidyError
    from subsidy import prefect_server

    try:
        prefect_server.wait_ready()
        return _with_progress(step)
    except SubsidyError as e:
        err_console.print(f"[bold red]error:[/] {e}", highlight=False)
    except OperationalError as e:
        first = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
        if "disk" in first and ("I/O" in first or "full" in first):
            first += " — is the disk full? Nothing of this run was stored; free space and run it again"
        err_console.print(f"[bold red]error:[/] database {redact_url(database_url())}: {first}", highlight=False)
    except SQLAlchemyError as e:
        err_console.print(
            f"[bold red]error:[/] database: {e.__class__.__name__}: {str(e).splitlines()[0]}", highlight=False
        )
    raise typer.Exit(2)


def _with_progress(step: Callable[[], T]) -> T:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from subsidy import progress

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bars:
        tasks: dict[str, Any] = {}

        def show(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bars.add_task(name, total=total)
            bars.update(tasks[name], completed=done, total=total)

        with progress.listening(show):
            return step()


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    from validations.values import BadValue, parse_date

    try:
        return parse_date(text)
    except BadValue as e:
        raise typer.BadParameter(str(e)) from None


def _cny(amount: Any) -> str:
    from rules.money import cny

    return cny(amount)


def _print_intake(summary: Any) -> None:
    table = Table(title=f"Intake run {summary.run_id} — decision date {summary.as_of}", title_justify="left")
    for col in ("rows read", "decided", "unchanged (re-sent)", "quarantined", "re-decided", "blacklist hits"):
        table.add_column(col, justify="right")
    table.add_row(
        *(
            str(v)
            for v in (
                summary.rows_read,
                summary.decided,
                summary.unchanged,
                summary.quarantined,
                summary.redecided,
                summary.blacklist_hits,
            )
        )
    )
    console.print(table)
    console.print(
        f"rows read {summary.rows_read} = decided {summary.decided} + unchanged {summary.unchanged} "
        f"+ quarantined {summary.quarantined}"
    )
    if summary.by_status:
        console.print("decisions: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_status.items())))
    for message in summary.quarantine_messages[:20]:
        console.print(f"  [yellow]quarantined[/] {message}", highlight=False)
    if len(summary.quarantine_messages) > 20:
        console.print(f"  … and {len(summary.quarantine_messages) - 20} more (subsidy export quarantine --out F)")
    if summary.data_docs:
        console.print(f"data docs: {summary.data_docs}")
    console.print(f"ledger chain head: {summary.chain_head}")


def _print_cycle(summary: Any) -> None:
    from rules.money import from_fen

    table = Table(title=f"Disbursement cycle {summary.fiscal_year} — as of {summary.as_of}", title_justify="left")
    for col in ("due", "paid", "paid (CNY)", "forfeited", "forfeited (CNY)", "already settled"):
        table.add_column(col, justify="right")
    table.add_row(
        str(summary.due),
        str(summary.paid),
        _cny(from_fen(summary.paid_fen)),
        str(summary.forfeited),
        _cny(from_fen(summary.forfeited_fen)),
        str(summary.already_settled),
    )
    console.print(table)
    console.print(f"ledger chain head: {summary.chain_head}")


@app.command()
def intake(
    files: Annotated[list[Path] | None, typer.Argument(help="Application files (CSV, XLSX, JSON Lines).")] = None,
    blacklist: Annotated[Path | None, typer.Option(help="Blacklist snapshot (失信名单).")] = None,
    registry: Annotated[Path | None, typer.Option(help="Registration status snapshot (登记状态).")] = None,
    external_awards: Annotated[
        Path | None, typer.Option(help="Support from other policies (其他政策已获支持).")
    ] = None,
    case_decisions: Annotated[Path | None, typer.Option(help="Case decisions (一事一议决定).")] = None,
    onboardings: Annotated[
        Path | None, typer.Option(help="Enterprises onboarded by cloud providers (上云企业清单).")
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="Decision date (default today).")] = None,
) -> None:
    """Ingest → validate → screen → decide → record the awards in the ledger."""
    from subsidy import dataset_checks

    dataset_checks.start_early([str(f) for f in files or []])  # GX loads for seconds: start it first
    from flows.intake import intake_flow

    day = _day(as_of)
    summary = _run(
        lambda: intake_flow(
            [str(f) for f in files or []],
            blacklist=str(blacklist) if blacklist else None,
            registry=str(registry) if registry else None,
            external_awards=str(external_awards) if external_awards else None,
            case_decisions=str(case_decisions) if case_decisions else None,
            onboardings=str(onboardings) if onboardings else None,
            as_of=day,
        )
    )
    _print_intake(summary)


@app.command()
def disburse(
    year: Annotated[int, typer.Option(help="Fiscal year of the cycle.")],
    as_of: Annotated[str | None, typer.Option(help="Screening date (default today).")] = None,
) -> None:
    """Run the disbursement cycle for a fiscal year."""
    from flows.disbursement import disbursement_flow

    day = _day(as_of)
    _print_cycle(_run(lambda: disbursement_flow(year, day)))


class ExportKind(StrEnum):
    decisions = "decisions"
    payments = "payments"
    ledger = "ledger"
    quarantine = "quarantine"


@app.command()
def export(
    what: Annotated[ExportKind, typer.Argument(help="decisions, payments, ledger or quarantine")],
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
) -> None:
    """Write an export with exactly the contract's columns."""
    from flows.records import export_flow

    count = _run(lambda: export_flow(what.value, str(out)))
    table = Table("export", "rows", "file", title="Export", title_justify="left")
    table.add_row(what.value, str(count), str(out.resolve()))
    console.print(table)


@app.command()
def report(
    year: Annotated[int, typer.Option(help="The fiscal year of the report.")],
    out: Annotated[Path | None, typer.Option(help="Folder for report.html and its CSV files.")] = None,
) -> None:
    """The yearly report: awards per clause, committed / paid / forfeited per year, installments still due."""
    from flows.records import report_flow

    folder = out or Path(f"subsidy-report-{year}")
    paths = _run(lambda: report_flow(year, str(folder)))
    table = Table("file", "path", title=f"Report {year}", title_justify="left")
    for name, path in paths.items():
        table.add_row(name, path)
    console.print(table)


@app.command()
def explain(application_id: str) -> None:
    """The decision with its clause, inputs, parameters (with effective dates), caps and trace."""
    from flows.records import explain_flow
    from subsidy.explain import print_decision

    decision = _run(lambda: explain_flow(application_id))
    if decision is None:
        err_console.print(f"[bold red]error:[/] no decision for application {application_id!r}", highlight=False)
        raise typer.Exit(1)
    print_decision(decision, console)


def _balance_table(balances: Any, title: str) -> Table:
    from rules.money import from_fen

    table = Table(title=title, title_justify="left")
    for col in ("clause", "committed", "paid", "forfeited", "outstanding"):
        table.add_column(col, justify="right" if col != "clause" else "left")
    totals = [0, 0, 0, 0]
    for clause, b in sorted(balances.by_clause.items()):
        values = [b.committed_fen, b.paid_fen, b.forfeited_fen, b.outstanding_fen]
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        table.add_row(clause, *(_cny(from_fen(v)) for v in values))
    table.add_row("total", *(_cny(from_fen(v)) for v in totals), style="bold")
    return table


@ledger_app.command("verify")
def ledger_verify(
    head: Annotated[
        list[str] | None,
        typer.Option(help="A chain head kept outside the database (printed by each cycle); may be repeated."),
    ] = None,
) -> None:
    """Recompute balances and the hash chain; exit non-zero naming the first bad entry."""
    from flows.records import verify_flow

    report, balances = _run(lambda: verify_flow(None, list(head or [])))
    console.print(
        f"[green]ledger verified[/]: {report.entries} entries, {report.lines} lines, "
        f"debits = credits = {report.debit_fen} fen; chain head {report.head}"
    )
    console.print(_balance_table(balances, "Balances per clause (CNY)"))


@ledger_app.command("balance")
def ledger_balance(year: Annotated[int | None, typer.Option(help="Only this fiscal year.")] = None) -> None:
    """Committed / paid / forfeited / outstanding per clause."""
    from flows.records import verify_flow

    _, balances = _run(lambda: verify_flow(year))
    console.print(_balance_table(balances, f"Balances per clause (CNY){f' for {year}' if year else ''}"))


@app.command()
def inbox(
    folder: Annotated[
        Path | None, typer.Option("--inbox", help="The inbox folder (default SUBSIDY_INBOX or ./inbox).")
    ] = None,
    archive: Annotated[Path | None, typer.Option(help="Where processed files go (default INBOX/archive).")] = None,
    as_of: Annotated[str | None, typer.Option(help="Decision date (default today).")] = None,
) -> None:
    """Take every new file of the inbox through intake, reject unusable ones alone, archive them all."""
    from flows.inbox import inbox_intake_flow

    day = _day(as_of)
    summary = _run(lambda: inbox_intake_flow(str(folder) if folder else None, str(archive) if archive else None, day))
    table = Table(title=f"Inbox {summary.inbox}", title_justify="left")
    for col in ("processed", "rejected", "skipped", "archived"):
        table.add_column(col, justify="right")
    table.add_row(*(str(len(x)) for x in (summary.processed, summary.rejected, summary.skipped, summary.archived)))
    console.print(table)
    for message in summary.rejected:
        console.print(f"  [red]rejected[/] {message}", highlight=False)
    for message in summary.skipped:
        console.print(f"  [yellow]skipped[/] {message}", highlight=False)
    if summary.intake is not None:
        _print_intake(summary.intake)


@app.command("refresh")
def refresh(
    blacklist: Annotated[Path | None, typer.Option(help="Blacklist snapshot (失信名单).")] = None,
    registry: Annotated[Path | None, typer.Option(help="Registration status snapshot (登记状态).")] = None,
    external_awards: Annotated[Path | None, typer.Option(help="Support from other policies.")] = None,
    onboardings: Annotated[
        Path | None, typer.Option(help="Enterprises onboarded by cloud providers (上云企业清单).")
    ] = None,
) -> None:
    """Load reference-data snapshots that changed since their last load."""
    from flows.reference import reference_refresh_flow

    outcome = _run(
        lambda: reference_refresh_flow(
            str(blacklist) if blacklist else None,
            str(registry) if registry else None,
            str(external_awards) if external_awards else None,
            str(onboardings) if onboardings else None,
        )
    )
    table = Table("reference data", "outcome", title="Reference data refresh", title_justify="left")
    for kind, what in outcome.items():
        table.add_row(kind, what)
    console.print(table)


@app.command()
def serve() -> None:
    """Serve every deployment (inbox hourly, cycle yearly, blacklist daily, verify daily) from this process."""
    from deploy.deployments import serve_all

    console.print(f"serving the subsidy deployments; database {redact_url(database_url())}")
    serve_all()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema (run as the database owner; the application role cannot create tables)."""
    from ledger.db import get_engine

    _run(lambda: get_engine())
    from alembic.runtime.migration import MigrationContext

    with get_engine().connect() as connection:
        head = MigrationContext.configure(connection).get_current_revision()
    table = Table("database", "schema revision", title="Schema", title_justify="left")
    table.add_row(redact_url(database_url()), str(head))
    console.print(table)


@app.command()
def demo(
    folder: Annotated[Path, typer.Option(help="Where the sample files and exports go.")] = Path("subsidy-demo"),
) -> None:
    """Make sample data and run the whole pipeline end to end on the configured (default: embedded) database."""
    from flows.demo import demo_flow
    from flows.records import verify_flow

    console.print(f"database: {redact_url(database_url())}")
    result = _run(lambda: demo_flow(str(folder)))
    for summary in result.intakes:
        _print_intake(summary)
    for cycle in result.cycles:
        _print_cycle(cycle)
    report, balances = _run(lambda: verify_flow())
    _print_demo_summary(result, balances)
    console.print(f"[green]ledger verified[/]: {report.entries} entries, chain head {report.head}")
    console.print(f"sample files: {Path(result.folder) / 'inputs'}")
    for what, path in result.exports.items():
        console.print(f"export {what}: {path}")
    console.print(f"database: {redact_url(database_url())}")


def _print_demo_summary(result: Any, balances: Any) -> None:
    from rules.money import from_fen

    decided = sum(s.decided + s.redecided for s in result.intakes)
    unchanged = sum(s.unchanged for s in result.intakes)
    quarantined = sum(s.quarantined for s in result.intakes)
    paid = sum(c.paid for c in result.cycles)
    forfeited = sum(c.forfeited for c in result.cycles)
    table = Table(title="Demo summary", title_justify="left")
    for col in (
        "decided",
        "unchanged (re-sent)",
        "quarantined",
        "installments paid",
        "paid (CNY)",
        "installments forfeited",
        "forfeited (CNY)",
    ):
        table.add_column(col, justify="right")
    table.add_row(
        str(decided),
        str(unchanged),
        str(quarantined),
        str(paid),
        _cny(from_fen(sum(c.paid_fen for c in result.cycles))),
        str(forfeited),
        _cny(from_fen(sum(c.forfeited_fen for c in result.cycles))),
    )
    console.print(table)
    console.print(_balance_table(balances, "Totals per clause in the ledger (CNY)"))


def main() -> None:  # pragma: no cover - console entry for python -m
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
