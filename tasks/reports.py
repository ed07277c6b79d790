"""Read-side tasks: exports, explanations, ledger verification and balances, operator artifacts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from core.shown import markdown
from ledger import queries
from ledger.cycles import CycleSummary
from ledger.db import get_engine
from ledger.runs import IntakeSummary
from ledger.verify import Balances, VerifyReport
from rules.money import cny, from_fen
from tasks.artifacts import table_artifact
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
    """The run's figures in its log, and artifacts for the operators watching it: the counts and the decision
    split, the awards per clause, the input files with their checksums and the quarantined rows."""
    split = ", ".join(f"{status} {n}" for status, n in sorted(summary.by_status.items())) or "none"
    awarded = sum(summary.awards_by_clause.values(), Decimal(0))
    get_run_logger().info(
        "intake run %s (decision date %s): rows read %s = decided %s + unchanged %s + quarantined %s; "
        "decisions %s; awarded %s; blacklist hits %s; chain head %s",
        summary.run_id, summary.as_of, summary.rows_read, summary.decided, summary.unchanged,
        summary.quarantined, split, cny(awarded), summary.blacklist_hits, summary.chain_head,
    )  # fmt: skip
    lines = [
        f"# Intake run {summary.run_id} (decision date {summary.as_of})",
        "",
        "| rows read | decided | unchanged (re-sent) | quarantined | re-decided (case decisions) | blacklist hits |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {summary.rows_read} | {summary.decided} | {summary.unchanged} | {summary.quarantined} | "
        f"{summary.redecided} | {summary.blacklist_hits} |",
        "",
        "| decisions | approved | rejected | manual |",
        "|---|---:|---:|---:|",
        "| count | " + " | ".join(str(summary.by_status.get(s, 0)) for s in ("approved", "rejected", "manual")) + " |",
        "",
        f"Awarded in this run: {cny(awarded)} CNY",
        "",
        f"Ledger chain head: `{summary.chain_head}`",
        "",
        f"Great Expectations Data Docs: {markdown(summary.data_docs or 'no application files in this run')}",
    ]
    create_markdown_artifact("\n".join(lines), key="intake-summary", description="Intake summary")
    awards = [{"clause": c, "awarded": cny(a)} for c, a in summary.awards_by_clause.items()]
    table_artifact(
        [*awards, {"clause": "total", "awarded": cny(awarded)}],
        key="intake-awards-by-clause",
        description="Awards granted in this run, per clause",
    )
    table_artifact(
        [{"file": f["file"], "rows": f["rows"], "sha256": f["checksum"]} for f in summary.files],
        key="intake-files",
        description="The application files of this run, with the checksum of the bytes read",
    )
    if summary.quarantine_rows:
        shown = len(summary.quarantine_rows)
        more = (
            f" (the first {shown} of {summary.quarantined}: subsidy export quarantine)"
            if shown < summary.quarantined
            else ""
        )
        table_artifact(summary.quarantine_rows, key="intake-quarantine", description=f"Quarantined rows{more}")


@task(
    name="publish-cycle-summary",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def publish_cycle_summary(summary: CycleSummary) -> None:
    """The cycle's figures in its log, and artifacts with totals rows: the counts, per clause, per fiscal year."""
    get_run_logger().info(
        "cycle %s (as of %s): due %s, paid %s (%s), forfeited %s (%s), already settled %s; chain head %s",
        summary.fiscal_year, summary.as_of, summary.due, summary.paid, cny(from_fen(summary.paid_fen)),
        summary.forfeited, cny(from_fen(summary.forfeited_fen)), summary.already_settled, summary.chain_head,
    )  # fmt: skip
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

    def money(paid_fen: int, forfeited_fen: int) -> dict[str, str]:
        return {"paid": cny(from_fen(paid_fen)), "forfeited": cny(from_fen(forfeited_fen))}

    rows: list[dict[str, Any]] = [
        {"clause": c, **money(v["paid_fen"], v["forfeited_fen"])} for c, v in sorted(summary.by_clause.items())
    ]
    rows.append({"clause": "total", **money(summary.paid_fen, summary.forfeited_fen)})
    table_artifact(rows, key="cycle-by-clause", description="Payments and forfeits per clause")
    from ledger.reporting import ledger_by_year

    with Session(get_engine()) as session:
        by_year = ledger_by_year(session)
    kinds = ("committed", "paid", "forfeited")
    totals = {k: sum(v[k] for v in by_year.values()) for k in kinds}
    years: list[dict[str, Any]] = [
        {"fiscal_year": y, **{k: cny(from_fen(v[k])) for k in kinds}} for y, v in [*by_year.items(), ("total", totals)]
    ]
    table_artifact(
        years,
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
    for r in summary.reconciled:
        lines += [
            "",
            f"Return file {markdown(r.file)}: {r.rows} row(s); cleared {len(r.cleared)}, returned {len(r.bounced)}, "
            f"already reconciled {r.already}, reported {len(r.reported)} (nothing posted for those)",
        ]
    create_markdown_artifact("\n".join(lines), key="inbox-summary", description="Inbox run")
