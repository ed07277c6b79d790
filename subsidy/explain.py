"""Readable rendering of a decision and its trace for ``subsidy explain``. Every text of a decision (its
application's cells, ids, reasons, the trace's steps) is shown through ``core.shown``: rich reads markup in table
cells and titles, and an ESC in a cell must not reach the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from core.shown import markup, plain
from rules.clauses import clause_name_zh


def render_quarantine(decision: dict[str, Any]) -> Group:
    head = f"Application {decision['application_id']}: quarantined, never decided"
    lines: list[Any] = [Text(plain(head), style="bold")]
    for q in decision["quarantine"]:
        lines.append(
            Text(plain(f"  {q['reason']}: {q['file']}, row {q['row']}, column(s) {q['columns']}: {q['message']}"))
        )
    return Group(*lines)


def _head(decision: dict[str, Any]) -> Panel:
    clause = decision["clause"]
    head = Table.grid(padding=(0, 2))
    rows = [
        ("application", decision["application_id"]),
        ("clause", f"{clause}  {clause_name_zh(clause)}"),
        ("applicant", decision["uscc"]),
        ("status", decision["status"]),
        ("reasons", decision["reasons"] or "—"),
        ("award total", f"{decision['award_total']} CNY"),
        ("recipient", decision["recipient_uscc"] or "—"),
        ("decided on", f"{decision['decided_on']} (intake run {decision['intake_run']})"),
    ]
    for name, value in rows:
        head.add_row(name, markup(value))
    return Panel(head, title="Decision", expand=False)


SETTLED_AS = {"payment": "paid", "forfeit": "forfeited", "cancel": "cancelled"}


def _installments(installments: list[dict[str, Any]]) -> Table:
    sched = Table(
        "installment", "due year", "amount (CNY)", "settled", "bank", title="Installments", title_justify="left"
    )
    for i in installments:
        settled = i["settled"]
        text = (
            "pending"
            if not settled
            else f"{SETTLED_AS[settled[0]]} in {settled[1]}" + (f" ({settled[2]})" if settled[2] else "")
        )
        bank = "\n".join(markup(step) for step in i.get("bank") or []) or "-"
        sched.add_row(*(markup(c) for c in (i["number"], i["due_year"], i["amount"], text)), bank)
    return sched


def render_decision(decision: dict[str, Any]) -> Group:
    if decision.get("status") == "quarantined" and "quarantine" in decision:
        return render_quarantine(decision)
    trace = decision["trace"]
    parts: list[Any] = [_head(decision)]

    inputs = Table("input", "value", title="Inputs", title_justify="left")
    for k, v in trace.get("inputs", {}).items():
        inputs.add_row(markup(k), markup(v))
    parts.append(inputs)

    params = Table(
        "parameter",
        "value",
        "in force from",
        "clause",
        title=f"Parameters (as in force on {markup(trace.get('parameters_on', '?'))})",
        title_justify="left",
    )
    for name, p in trace.get("parameters", {}).items():
        ref = p.get("reference", "")
        cells = (name, p.get("value"), p.get("effective_from", "—"), f"{ref} {clause_name_zh(ref)}".strip())
        params.add_row(*(markup(c) for c in cells))
    parts.append(params)

    facts = Table("fact", "value", title="Facts recorded at decision time", title_justify="left")
    for name, value in trace.get("facts", {}).items():
        shown = ", ".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
        facts.add_row(markup(name), markup(shown))
    if not trace.get("facts"):
        facts.add_row("—", "nothing beyond the application (not listed, registered as it says, nothing before it)")
    parts.append(facts)

    steps = Table("#", "step", title="Trace", title_justify="left")
    for i, step in enumerate(trace.get("steps", []), 1):
        steps.add_row(str(i), markup(step))
    for cap in trace.get("caps", []):
        steps.add_row("cap", markup(cap))
    for reduction in trace.get("reductions", []):
        steps.add_row("X-HIGHEST", markup(reduction))
    parts.append(steps)

    if decision["installments"]:
        parts.append(_installments(decision["installments"]))
    return Group(*parts)


def print_decision(decision: dict[str, Any], console: Console | None = None) -> None:
    (console or Console(emoji=False)).print(render_decision(decision))
