"""The ``subsidy`` command. Every verb runs through a Prefect flow; errors are printed as one clear message."""

from __future__ import annotations

import atexit
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    pass

from core.memory import return_freed_memory
from core.settings import database_url, quiet_third_parties, redact_url
from core.shown import markup
from subsidy import views
from subsidy.banking import banking, print_bank_round
from subsidy.planning import planning
from subsidy.running import DAY, answer, day_of, guarded, refuse_special_paths, run_flow, say_database
from subsidy.views import console

quiet_third_parties()
return_freed_memory()

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
ledger_app = typer.Typer(no_args_is_help=True, help="Verify the ledger and show its balances.")
app.add_typer(ledger_app, name="ledger")
db_app = typer.Typer(no_args_is_help=True, help="The database schema.")
app.add_typer(db_app, name="db")
app.add_typer(planning)  # forecast, what-if: top-level verbs
app.add_typer(banking)  # payments-file, reconcile: top-level verbs


FLOW_COMMANDS = {
    "intake",
    "disburse",
    "inbox",
    "refresh",
    "demo",
    "serve",
    "what-if",
    "payments-file",
    "reconcile",
    "recover",
}
"""The verbs that change money or data run as Prefect flows; the others answer at once, without a server."""


BANK_ACCOUNTS_HELP = "Recipients' bank accounts (银行账户: 收款人统一社会信用代码, 户名, 开户行, 账号, 生效日期)."


@app.callback()
def _start(ctx: typer.Context) -> None:
    """A verb that runs a flow starts the temporary Prefect server (when no API is configured) now, while it loads
    its modules; queries and previews never start one. Whatever database a verb used is left checkpointed."""
    atexit.register(_close_databases)
    if ctx.invoked_subcommand in FLOW_COMMANDS and "--dry-run" not in sys.argv[1:]:
        from subsidy import prefect_server

        prefect_server.start_early()


def _close_databases() -> None:
    db = sys.modules.get("ledger.db")
    if db is not None:
        db.close_engines()


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
    bank_accounts: Annotated[Path | None, typer.Option(help=BANK_ACCOUNTS_HELP)] = None,
    as_of: Annotated[str | None, typer.Option(help=f"Decision date, {DAY} (default today).")] = None,
) -> None:
    """Ingest → validate → screen → decide → record the awards in the ledger."""
    references = (blacklist, registry, external_awards, case_decisions, onboardings, bank_accounts)
    if not files and not any(references):
        raise typer.BadParameter(
            "give application files, reference files (--blacklist ...), or both", param_hint="FILES"
        )
    day = day_of(as_of)
    refuse_special_paths(*(files or []), *references)
    from subsidy import dataset_checks

    dataset_checks.start_early([str(f) for f in files or []])  # GX loads for seconds: start it first
    from flows.intake import intake_flow

    summary = run_flow(
        lambda: intake_flow(
            [str(f) for f in files or []],
            blacklist=str(blacklist) if blacklist else None,
            registry=str(registry) if registry else None,
            external_awards=str(external_awards) if external_awards else None,
            case_decisions=str(case_decisions) if case_decisions else None,
            onboardings=str(onboardings) if onboardings else None,
            bank_accounts=str(bank_accounts) if bank_accounts else None,
            as_of=day,
        )
    )
    views.print_intake(summary)


@app.command()
def disburse(
    year: Annotated[int, typer.Option(help="Fiscal year of the cycle.")],
    as_of: Annotated[
        str | None, typer.Option(help=f"Screening date, {DAY} (default today); not before 1 January of the year.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what the cycle would pay and forfeit; change nothing.")
    ] = False,
) -> None:
    """Run the disbursement cycle for a fiscal year (or preview it with --dry-run)."""
    from rules.disbursement import early_cycle

    day = day_of(as_of) or date.today()
    why = early_cycle(year, day)
    if why:
        views.error(why)
        raise typer.Exit(2)
    if dry_run:
        from rules.params import default_parameters
        from tasks.cycle import preview_cycle

        views.print_cycle(answer(lambda engine: preview_cycle(engine, year, day, default_parameters())))
        return
    from flows.disbursement import disbursement_flow

    views.print_cycle(run_flow(lambda: disbursement_flow(year, day)))


class ExportKind(StrEnum):
    decisions = "decisions"
    payments = "payments"
    ledger = "ledger"
    quarantine = "quarantine"
    recoveries = "recoveries"


@app.command()
def export(
    what: Annotated[ExportKind, typer.Argument(help="decisions, payments, ledger, quarantine or recoveries")],
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
) -> None:
    """Write an export with exactly the contract's columns."""
    from ledger.queries import export_csv

    refuse_special_paths(out)
    count = answer(lambda engine: export_csv(engine, what.value, str(out)))
    views.print_pairs(("export", "rows", "file"), [(what.value, count, out.resolve())], "Export")


@app.command()
def report(
    year: Annotated[int, typer.Option(help="The fiscal year of the report.")],
    out: Annotated[
        Path | None, typer.Option(help="Folder for report.html, report.pdf and the CSVs (default subsidy-report-YEAR).")
    ] = None,
) -> None:
    """The yearly report as of that year's cycle: awards per clause, committed / paid / forfeited per year,
    installments still due; HTML, PDF (when Chromium is installed) and CSV."""
    from subsidy.report import yearly_report

    folder = out or Path(f"subsidy-report-{year}")
    paths = answer(lambda engine: yearly_report(engine, year, folder))
    views.print_pairs(("file", "path"), paths.items(), f"Report {year}")


@app.command()
def explain(application_id: str) -> None:
    """The decision with its clause, inputs, parameters (with effective dates), caps and trace."""
    from ledger.queries import load_decision
    from subsidy.explain import print_decision

    decision = answer(lambda engine: load_decision(engine, application_id))
    if decision is None:
        views.error(f"no decision for application {application_id!r}")
        raise typer.Exit(1)
    print_decision(decision, console)


@ledger_app.command("verify")
def ledger_verify(
    head: Annotated[
        list[str] | None,
        typer.Option(help="A chain head kept outside the database (printed by each cycle); may be repeated."),
    ] = None,
) -> None:
    """Recompute balances and the hash chain; exit non-zero naming the first bad entry."""
    from ledger.queries import verify

    report, balances = answer(lambda engine: verify(engine, None, list(head or [])))
    console.print(f"[green]ledger verified[/]: {report.entries} entries; chain head {markup(report.head)}")
    for check in report.checked:
        console.print(f"  checked: {check}", highlight=False)
    console.print(views.balance_table(balances, "Balances per clause (CNY)"))


@ledger_app.command("balance")
def ledger_balance(year: Annotated[int | None, typer.Option(help="Only this fiscal year.")] = None) -> None:
    """Committed / paid / forfeited / outstanding per clause."""
    from ledger.queries import balances

    found = answer(lambda engine: balances(engine, year))
    console.print(views.balance_table(found, f"Balances per clause (CNY){f' for {year}' if year else ''}"))


@app.command()
def inbox(
    folder: Annotated[
        Path | None, typer.Option("--inbox", help="The inbox folder (default SUBSIDY_INBOX or ./inbox).")
    ] = None,
    archive: Annotated[Path | None, typer.Option(help="Where processed files go (default INBOX/archive).")] = None,
    as_of: Annotated[str | None, typer.Option(help=f"Decision date, {DAY} (default today).")] = None,
) -> None:
    """Take every new file of the inbox through intake, reject unusable ones alone, archive them all."""
    day = day_of(as_of)
    from flows.inbox import inbox_intake_flow

    summary = run_flow(
        lambda: inbox_intake_flow(str(folder) if folder else None, str(archive) if archive else None, day)
    )
    views.print_inbox(summary)


@app.command("refresh")
def refresh(
    blacklist: Annotated[Path | None, typer.Option(help="Blacklist snapshot (失信名单).")] = None,
    registry: Annotated[Path | None, typer.Option(help="Registration status snapshot (登记状态).")] = None,
    external_awards: Annotated[Path | None, typer.Option(help="Support from other policies.")] = None,
    onboardings: Annotated[
        Path | None, typer.Option(help="Enterprises onboarded by cloud providers (上云企业清单).")
    ] = None,
    bank_accounts: Annotated[Path | None, typer.Option(help=BANK_ACCOUNTS_HELP)] = None,
) -> None:
    """Load reference-data snapshots that changed since their last load."""
    from flows.reference import reference_refresh_flow

    refuse_special_paths(blacklist, registry, external_awards, onboardings, bank_accounts)
    outcome = run_flow(
        lambda: reference_refresh_flow(
            str(blacklist) if blacklist else None,
            str(registry) if registry else None,
            str(external_awards) if external_awards else None,
            str(onboardings) if onboardings else None,
            str(bank_accounts) if bank_accounts else None,
        )
    )
    views.print_pairs(("reference data", "outcome"), outcome.items(), "Reference data refresh")


@app.command()
def serve() -> None:
    """Serve every deployment (inbox hourly, cycle yearly, blacklist daily, verify daily; what-if, payment file and
    bank reconciliation on demand) from this process."""
    from deploy.deployments import serve_all

    console.print(f"serving the subsidy deployments; database {markup(redact_url(database_url()))}", highlight=False)
    serve_all()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema (run as the database owner; the application role cannot create tables)."""
    from ledger.db import get_engine

    say_database()
    engine = guarded(lambda: get_engine())
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        head = MigrationContext.configure(connection).get_current_revision()
    views.print_pairs(("database", "schema revision"), [(redact_url(database_url()), head)], "Schema")


@db_app.command("backup")
def db_backup(target: Annotated[Path, typer.Argument(help="The new file the copy is written to.")]) -> None:
    """A consistent copy of the database while it may be in use (SQLite's online backup); for PostgreSQL, the
    pg_dump command that makes one."""
    from ledger.db import backup_sqlite

    refuse_special_paths(target)
    engine = answer(lambda engine: engine)
    if engine.dialect.name != "sqlite":
        dump = engine.url.set(drivername="postgresql").render_as_string(hide_password=True)
        views.error(
            "a PostgreSQL database is backed up by pg_dump (the password from PGPASSWORD or ~/.pgpass): "
            f"pg_dump --format=custom --file {target} '{dump}'"
        )
        raise typer.Exit(2)
    pages = guarded(lambda: backup_sqlite(engine, target))
    views.print_pairs(("backup", "pages"), [(target.resolve(), pages)], "Database backup")


@app.command()
def demo(
    folder: Annotated[Path, typer.Option(help="Where the sample files and exports go.")] = Path("subsidy-demo"),
) -> None:
    """Make sample data and run the whole pipeline end to end on the configured (default: embedded) database."""
    from flows.demo import demo_flow
    from flows.records import verify_flow

    database = markup(redact_url(database_url()))
    result = run_flow(lambda: demo_flow(str(folder)))
    for summary in result.intakes:
        views.print_intake(summary)
    for cycle in result.cycles:
        views.print_cycle(cycle)
    print_bank_round(result.payment_files, result.reconciliations)
    report, balances = run_flow(lambda: verify_flow(), name_database=False)
    views.print_demo_summary(result, balances)
    console.print(f"[green]ledger verified[/]: {report.entries} entries, chain head {markup(report.head)}")
    console.print(f"sample files: {markup(Path(result.folder) / 'inputs')}", highlight=False)
    for what, path in result.exports.items():
        console.print(f"export {markup(what)}: {markup(path)}", highlight=False)
    console.print(f"database: {database}", highlight=False)


def main() -> None:  # pragma: no cover - console entry for python -m
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
