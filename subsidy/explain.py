"""Readable rendering of a decision and its trace for ``subsidy explain``."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rules.clauses import clause_name_zh


def render_quarantine(decision: dict[str, Any]) -> Group:
    lines: list[Any] = [Text(f"Application {decision['application_id']}: quarantined, never decided", style="bold")]
    for q in decision["quarantine"]:
        lines.append(Text(f"  {q['reason']}: {q['file']}, row {q['row']}, column(s) {q['columns']}: {q['message']}"))
    return Group(*lines)


def render_decision(decision: dict[str, Any]) -> Group:
    if decision.get("status") == "quarantined" and "quarantine" in decision:
        return render_quarantine(decision)
    trace = decision["trace"]
    clause = decision["clause"]
    head = Table.grid(padding=(0, 2))
    head.add_row("application", decision["application_id"])
    head.add_row("clause", f"{clause}  {clause_name_zh(clause)}")
    head.add_row("applicant", decision["uscc"])
    head.add_row("status", decision["status"])
    head.add_row("reasons", decision["reasons"] or "—")
    head.add_row("award total", f"{decision['award_total']} CNY")
    head.add_row("recipient", decision["recipient_uscc"] or "—")
    head.add_row("decided on", f"{decision['decided_on']} (intake run {decision['intake_run']})")
    parts: list[Any] = [Panel(head, title="Decision", expand=False)]

    inputs = Table("input", "value", title="Inputs", title_justify="left")
    for k, v in trace.get("inputs", {}).items():
        inputs.add_row(k, str(v))
    parts.append(inputs)

    params = Table(
        "parameter",
        "value",
        "in force from",
        "clause",
        title=f"Parameters (as in force on {trace.get('parameters_on', '?')})",
        title_justify="left",
    )
    for name, p in trace.get("parameters", {}).items():
        ref = p.get("reference", "")
        params.add_row(name, str(p.get("value")), p.get("effective_from", "—"), f"{ref} {clause_name_zh(ref)}".strip())
    parts.append(params)

    facts = Table("fact", "value", title="Facts recorded at decision time", title_justify="left")
    for name, value in trace.get("facts", {}).items():
        shown = ", ".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
        facts.add_row(name, shown)
    if not trace.get("facts"):
        facts.add_row("—", "nothing beyond the application (not listed, registered as it says, nothing before it)")
    parts.append(facts)

    steps = Table("#", "step", title="Trace", title_justify="left")
    for i, step in enumerate(trace.get("steps", []), 1):
        steps.add_row(str(i), step)
    for cap in trace.get("caps", []):
        steps.add_row("cap", cap)
    for reduction in trace.get("reductions", []):
        steps.add_row("X-HIGHEST", reduction)
    parts.append(steps)

    if decision["installments"]:
        sched = Table("installment", "due year", "amount (CNY)", "settled", title="Installments", title_justify="left")
        for i in decision["installments"]:
            settled = i["settled"]
            text = (
                "pending"
                if not settled
                else f"{'paid' if settled[0] == 'payment' else 'forfeited'} in {settled[1]}"
                + (f" ({settled[2]})" if settled[2] else "")
            )
            sched.add_row(str(i["number"]), str(i["due_year"]), i["amount"], text)
        parts.append(sched)
    return Group(*parts)


def print_decision(decision: dict[str, Any], console: Console | None = None) -> None:
    (console or Console()).print(render_decision(decision))
