"""Explaining one decision: the application and the facts its decision kept are decided again by the same rules
(``rules.engine.decide`` on a one-row table) and the trace is told from the intermediate values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rules.appendix import describe as describe_appendix
from rules.clauses import CLAUSES
from rules.engine import CLAUSE_RULES, Decisions, decide
from rules.facts import fact_record, facts_of_record
from rules.model import Application, Status
from rules.money import cny_of_fen
from rules.outcomes import reasons_of
from rules.params import PolicyParameters
from rules.table import Applications


@dataclass
class Explanation:
    status: str
    reasons: list[str]
    award_fen: int
    installments: list[tuple[int, int, int]]
    """(number, due year, fen) of each installment."""
    decided_on: date
    steps: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


def explain(
    application: Application, record: dict[str, Any], params: PolicyParameters, decided_on: date
) -> Explanation:
    """Decide ``application`` again from the facts its decision kept (``record``) and tell how."""
    table = Applications.from_applications([application])
    decided = decide(table, facts_of_record(table, record), params, decided_on)
    installments = [
        (k + 1, int(decided.due_years[0, k]), int(fen))
        for k, fen in enumerate(decided.installments[0].tolist())
        if fen > 0
    ]
    return Explanation(
        status=str(decided.status[0]),
        reasons=reasons_of(decided, 0),
        award_fen=int(decided.award[0]),
        installments=installments,
        decided_on=decided.decided_on[0],
        steps=steps(decided),
        parameters=decided.parameters_of(0).record(),
        facts=fact_record(decided.facts, decided.before, 0),
    )


def steps(decided: Decisions) -> list[str]:
    """The trace of the one row of ``decided``, in the order the rules apply."""
    t, f, p = decided.table, decided.facts, decided.parameters_of(0)
    inputs = t.inputs(0)
    clause = inputs["clause"]
    record = fact_record(f, decided.before, 0)
    reasons = set(reasons_of(decided, 0))
    lines = describe_appendix(inputs, record, reasons, p)
    group = decided.groups[int(decided.group_of[0])]
    if not inputs.get("major_project"):
        notes = {name: values[0] for name, values in group.assessment.notes.items()}
        notes.update(
            amount=int(decided.own[0]),
            amounts=group.assessment.amounts[0].tolist(),
            due_years=group.assessment.due_years[0].tolist(),
            recipient=decided.recipient[0],
            counted=int(f.onboarded[0]),
        )
        lines += CLAUSE_RULES[clause].describe(inputs, notes, p)
    if f.blocker[0] is not None:
        lines.append(f"X-ONEINV / I-4 ({p.reading('I-4')}): {f.blocker[0].words}")
    lines += across_lines(decided, record, p)
    return lines + [conclusion(decided)]


def across_lines(decided: Decisions, record: dict[str, Any], p: Any) -> list[str]:
    """X-CASE, X-HIGHEST and the shared caps, as they applied."""
    t, f = decided.table, decided.facts
    clause, uscc = t.values("clause")[0], t.values("uscc")[0]
    lines = []
    case = f.case[0]
    if t.flag("major_project")[0]:
        lines.append(
            "X-CASE: major project; waiting for a case decision (一事一议)"
            if case is None
            else f"X-CASE: case decision {case.document_ref} approved by {case.approved_by} on {case.decided_on}: "
            f"{case.amount} (I-15 {p.reading('I-15')})"
            + (" — the applicant is on the blacklist that day" if f.case_listed[0] else "")
        )
        return lines
    granted, received = int(decided.before["granted_before"][0]), int(f.received[0])
    if granted or received:
        own = int(decided.own[0])
        lines.append(
            f"X-HIGHEST / I-2 / I-3 / I-14: project {decided.project_key[0]}, kind {decided.kind[0]}: own "
            f"{cny_of_fen(own)} − granted here {cny_of_fen(granted)} − received elsewhere {cny_of_fen(received)}"
            f" → at most {cny_of_fen(max(0, own - granted - received))}"
        )
    for name, words in (
        ("rent_granted_before", f"A2 cap per enterprise (I-12) for {uscc}"),
        ("cap_used_before", f"{clause} yearly cap for {uscc} in {t.values('claim_year')[0]}"),
    ):
        if name in record or (name == "cap_used_before" and CLAUSES[clause].kind.value in ("cloud", "alliance")):
            lines.append(f"{words}: {cny_of_fen(int(decided.before[name][0]))} used before")
    return lines


def conclusion(decided: Decisions) -> str:
    status, award = decided.status[0], int(decided.award[0])
    if status == Status.APPROVED.value:
        count = int((decided.installments[0] > 0).sum())
        return f"approved: {cny_of_fen(award)} in {count} installment(s)"
    if status == Status.MANUAL.value:
        return "manual: waiting for a case decision"
    return "rejected: " + ", ".join(reasons_of(decided, 0))
