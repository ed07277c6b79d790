"""Read-side tasks: exports, explanations, ledger verification and balances, operator artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from core.shown import markdown
from ledger import queries
from ledger.cycles import CycleSummary
from ledger.db import get_engine
from ledger.runs import IntakeSummary
from ledger.verify import Balances, VerifyReport
from rules.money import cny, from_fen
from tasks.retry import RETRY_DELAYS, transient_database_error


@task(name="export-csv", cache_policy=NO_CACHE)
def export_csv(what: str, out: str) -> int:
    """``ledger.queries.export_csv`` as a step of a flow (the demo's exports)."""
    return queries.export_csv(get_engine(), what, out)


@task(name="verify-ledger", cache_policy=NO_CACHE)
def verify(year: int | None = None, known_heads: list[str] | None = None) -> tuple[VerifyReport, Balances]:
    """``ledger.queries.verify`` as a step of a flow (the scheduled verification)."""
    return queries.verify(get_engine(), year, known_heads)


@task(name="publish-intake-summary", cache_policy=NO_CACHE)
def publish_intake_summary(summary: IntakeSummary) -> None:
    """Markdown and table artifacts for the operators watching the flow run."""
    lines = [
        f"# Intake run {summary.run_id} (decision date {summary.as_of})",
        "",
        "| rows read | decided | unchanged (re-sent) | quarantined | re-decided (case decisions) | blacklist hits |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {summary.rows_read} | {summary.decided} | {summary.unchanged} | {summary.quarantined} | "
        f"{summary.redecided} | {summary.blacklist_hits} |",
        "",
        f"Ledger chain head: `{summary.chain_head}`",
        "",
        f"Great Expectations Data Docs: {markdown(summary.data_docs or 'no application files in this run')}",
    ]
    create_markdown_artifact("\n".join(lines), key="intake-summary", description="Intake summary")
    create_table_artifact(
        [{"clause": c, "awarded": cny(a)} for c, a in summary.awards_by_clause.items()],
        key="intake-awards-by-clause",
        description="Awards granted in this run, per clause",
    )


@task(
    name="publish-cycle-summary",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def publish_cycle_summary(summary: CycleSummary) -> None:
    lines = [
        f"# Disbursement cycle {summary.fiscal_year} (as of {summary.as_of})",
        "",
        "| due | paid | paid CNY | forfeited | forfeited CNY | already settled |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {summary.due} | {summary.paid} | {cny(from_fen(summary.paid_fen))} | {summary.forfeited} | "
        f"{cny(from_fen(summary.forfeited_fen))} | {summary.already_settled} |",
        "",
        f"Ledger chain head: `{summary.chain_head}`",
    ]
    create_markdown_artifact("\n".join(lines), key="cycle-summary", description="Disbursement cycle summary")
    create_table_artifact(
        [
            {"clause": c, "paid": cny(from_fen(v["paid_fen"])), "forfeited": cny(from_fen(v["forfeited_fen"]))}
            for c, v in sorted(summary.by_clause.items())
        ],
        key="cycle-by-clause",
        description="Payments and forfeits per clause",
    )
    from ledger.reporting import ledger_by_year

    with Session(get_engine()) as session:
        by_year = ledger_by_year(session)
    create_table_artifact(
        [{"fiscal_year": y, **{k: cny(from_fen(v)) for k, v in values.items()}} for y, values in by_year.items()],
        key="ledger-by-year",
        description="Committed (by due year), paid and forfeited (by cycle year) in the whole ledger",
    )


@task(name="publish-inbox-summary", cache_policy=NO_CACHE)
def publish_inbox_summary(summary: Any) -> None:
    """What the inbox run took in, rejected and skipped, for the operators (file names and messages escaped: the
    artifact is Markdown)."""
    lines = [f"# Inbox {markdown(summary.inbox)}", "", f"Processed: {len(summary.processed)} file(s)"]
    lines += [f"- {markdown(name)}" for name in summary.processed]
    lines += ["", f"Rejected: {len(summary.rejected)} file(s)"] + [f"- {markdown(m)}" for m in summary.rejected]
    lines += ["", f"Skipped: {len(summary.skipped)} file(s)"] + [f"- {markdown(m)}" for m in summary.skipped]
    if summary.intake is not None:
        i = summary.intake
        lines += [
            "",
            f"Intake run {i.run_id}: rows read {i.rows_read} = decided {i.decided} + unchanged "
            f"{i.unchanged} + quarantined {i.quarantined}",
            f"Data Docs: {markdown(i.data_docs)}",
        ]
    create_markdown_artifact("\n".join(lines), key="inbox-summary", description="Inbox run")


@task(name="write-report", cache_policy=NO_CACHE)
def write_yearly_report(year: int, out: str) -> dict[str, str]:
    """The yearly report as HTML with charts and the same figures as CSV."""
    from ledger.reporting import report_figures
    from subsidy.report import write_report

    with Session(get_engine()) as session:
        figures = report_figures(session, year)
    return write_report(figures, Path(out))
