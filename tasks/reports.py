"""Read-side tasks: exports, explanations, ledger verification and balances, operator artifacts."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.shown import markdown
from ledger.db import get_engine
from ledger.exports import EXPORTS, write_csv
from ledger.models import (
    ApplicationRecord,
    DecisionRecord,
    IntakeRun,
    LedgerTransaction,
    ParameterSet,
    QuarantineRecord,
)
from ledger.records import application_from_json
from ledger.runs import CycleSummary, IntakeSummary
from ledger.verify import Balances, VerifyReport, ledger_balances, verify_ledger
from rules.explain import explain
from rules.model import APPLICATION_FIELDS
from rules.money import cny, from_fen
from rules.params import default_parameters
from subsidy.gc_pause import collector_paused
from tasks.retry import RETRY_DELAYS, transient_database_error


@task(name="export-csv", cache_policy=NO_CACHE)
def export_csv(what: str, out: str) -> int:
    """Write one export with exactly the contract's columns; returns the number of rows."""
    columns, rows = EXPORTS[what]
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with collector_paused(), Session(get_engine()) as session:
        return write_csv(path, columns, rows(session))


def replayed_trace(d: DecisionRecord, inputs: dict[str, Any], run_as_of: date) -> dict[str, Any]:
    """The trace of a stored decision: its application decided again by the rules from the facts the decision
    kept (on its run's date), told step by step, and checked against what was stored."""
    facts = d.trace.get("facts", d.trace.get("replay", {}))
    again = explain(application_from_json(inputs), facts, default_parameters(), run_as_of)
    stored = (d.status, d.reasons, d.award_total_fen)
    outcome = (again.status, ";".join(again.reasons), again.award_fen)
    return {
        "parameters_on": d.trace.get("parameters_on"),
        "facts": facts,
        "steps": [
            *again.steps,
            "replayed by the rules from the stored facts: "
            + ("the same outcome" if outcome == stored else f"DIFFERENT outcome {outcome} (stored {stored})"),
        ],
        "parameters": again.parameters,
    }


@task(name="load-decision", cache_policy=NO_CACHE)
def load_decision(application_id: str) -> dict[str, Any] | None:
    """The stored decision, its installments and how each was settled, for ``subsidy explain``."""
    with Session(get_engine()) as session:
        d = session.get(DecisionRecord, application_id)
        if d is None:
            quarantined = (
                session.execute(
                    select(QuarantineRecord)
                    .where(QuarantineRecord.application_id == application_id)
                    .order_by(QuarantineRecord.id)
                )
                .scalars()
                .all()
            )
            if not quarantined:
                return None
            return {
                "application_id": application_id,
                "status": "quarantined",
                "quarantine": [
                    {"file": q.file, "row": q.row, "reason": q.reason, "columns": q.columns, "message": q.message}
                    for q in quarantined
                ],
            }
        application = session.get(ApplicationRecord, application_id)
        parameters = session.get(ParameterSet, d.parameter_set) if d.parameter_set else None
        stored_trace = dict(d.trace)
        run = session.get(IntakeRun, d.intake_run_id)
        if ("facts" in stored_trace or "replay" in stored_trace) and application is not None and run is not None:
            stored_trace = replayed_trace(d, application.data, run.as_of)
        inputs = application.data if application else {}
        trace = {
            **stored_trace,
            "inputs": {k: inputs[k] for k in APPLICATION_FIELDS if k in inputs},
            "parameters": parameters.values if parameters else stored_trace.get("parameters", {}),
        }
        entries = (
            session.execute(
                select(LedgerTransaction)
                .where(LedgerTransaction.application_id == application_id)
                .order_by(LedgerTransaction.seq)
            )
            .scalars()
            .all()
        )
        settled = {
            t.installment: (t.kind, t.fiscal_year, t.reasons) for t in entries if t.kind in ("payment", "forfeit")
        }
        installments = [  # the commitment entries are the installments
            {
                "number": t.installment,
                "due_year": t.fiscal_year,
                "amount": cny(from_fen(t.amount_fen)),
                "settled": settled.get(t.installment),
            }
            for t in sorted((t for t in entries if t.kind == "commitment"), key=lambda t: t.installment or 0)
        ]
        return {
            "application_id": d.application_id,
            "clause": d.clause,
            "uscc": d.uscc,
            "status": d.status,
            "reasons": d.reasons,
            "award_total": cny(from_fen(d.award_total_fen)),
            "recipient_uscc": d.recipient_uscc,
            "decided_on": d.decided_on.isoformat(),
            "intake_run": d.intake_run_id,
            "trace": trace,
            "installments": installments,
        }


@task(name="verify-ledger", cache_policy=NO_CACHE)
def verify(year: int | None = None, known_heads: list[str] | None = None) -> tuple[VerifyReport, Balances]:
    """Recompute every entry's balance and the hash chain (and find the heads kept outside); then the balances."""
    with collector_paused(), Session(get_engine()) as session:
        return verify_ledger(session, known_heads or ()), ledger_balances(session, year)


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
