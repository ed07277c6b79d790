"""Deciding a batch of applications: the appendix, the clause rules, then the cross-application rules.

Applications are decided in (submitted_on, application_id) order; each sees what the earlier ones (in this
batch and, through ``History``, in earlier runs) were granted. Pure: no I/O, no database, no Prefect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from rules import awards, rent
from rules.appendix import credit_reasons, entity_reasons, scope_reasons, validity_reasons
from rules.clauses import CLAUSES, YEARLY_CLAIM_KINDS
from rules.model import (
    Application,
    Assessment,
    Decision,
    History,
    Installment,
    Reason,
    ReferenceData,
    Status,
    ordered_reasons,
)
from rules.money import ZERO, fill_in_order, round_installment
from rules.params import PolicyParameters
from rules.trace import Trace

ClauseRule = Callable[[Application, Trace, date], Assessment]

CLAUSE_RULES: dict[str, ClauseRule] = {
    "A2": rent.rent_installments,
    "A4-PILOT": awards.pilot_award,
}


def decision_order(app: Application) -> tuple[date, str]:
    return app.submitted_on, app.application_id


def certification_reasons(app: Application, trace: Trace) -> set[Reason]:
    """Every clause requires its certification / review / expert review (认定/评审) to have passed."""
    if app.certified is True:
        return set()
    trace.step(f"{app.clause}: the required certification or review has not passed")
    return {Reason.NOT_CERTIFIED}


def already_supported_limit(
    app: Application, kind: str, own: Decimal, history: History, reference: ReferenceData, trace: Trace
) -> Decimal:
    """X-HIGHEST (I-2, I-3): the most this application may still add for its (uscc, project, kind)."""
    key = (app.uscc, app.project_key, kind)
    granted = history.granted.get(key, ZERO)
    received = reference.external_awards.get(key, ZERO)
    if granted == ZERO and received == ZERO:
        return own
    if granted > ZERO and trace.reading("I-2") == "upgrade_pays_nothing":
        trace.reductions.append(
            f"X-HIGHEST / I-2: {granted} already granted for project {app.project_key}; upgrades pay nothing"
        )
        return ZERO
    if received > ZERO and trace.reading("I-3") == "reject":
        trace.reductions.append(f"X-HIGHEST / I-3: {received} already received under another policy")
        return ZERO
    trace.reading("I-2")
    trace.reading("I-3")
    limit = max(ZERO, own - granted - received)
    trace.reductions.append(
        f"X-HIGHEST: project {app.project_key} kind {kind}: own {own} − granted {granted} − received elsewhere "
        f"{received} → at most {limit}"
    )
    return limit


def decide_one(
    app: Application,
    reference: ReferenceData,
    history: History,
    params: PolicyParameters,
    decided_on: date,
) -> Decision:
    """Decide one application in its turn; updates ``history`` with what it grants."""
    clause = CLAUSES[app.clause]
    trace = Trace(params, app.submitted_on)
    reasons = validity_reasons(app, trace) | entity_reasons(app, trace)
    reasons |= scope_reasons(app, reference, decided_on, trace)
    reasons |= credit_reasons(app.uscc, reference, decided_on, trace)

    def finish(
        status: Status, why: set[Reason], installments: list[Installment], recipient: str | None, on: date = decided_on
    ) -> Decision:
        total = sum((i.amount for i in installments), ZERO)
        return Decision(
            application_id=app.application_id,
            clause=app.clause,
            uscc=app.uscc,
            status=status,
            reasons=ordered_reasons(why),
            award_total=total,
            recipient_uscc=recipient,
            decided_on=on,
            kind=clause.kind.value,
            project_key=app.project_key,
            installments=installments,
            trace={
                "clause": app.clause,
                "clause_zh": clause.name_zh,
                "inputs": app.as_inputs(),
                "decided_on": on.isoformat(),
                **trace.as_dict(),
            },
        )

    if app.major_project:
        return _case_by_case(app, reference, history, params, trace, reasons, finish)

    rule = CLAUSE_RULES.get(app.clause)
    if rule is None:
        trace.step(f"{app.clause}: no rule for this clause yet; waiting for an operator")
        return finish(Status.MANUAL, set(), [], app.uscc)
    reasons |= certification_reasons(app, trace)
    assessment = rule(app, trace, decided_on)
    reasons |= assessment.reasons
    recipient = assessment.recipient_uscc or app.uscc
    if reasons:
        return finish(Status.REJECTED, reasons, [], recipient)

    flags: set[Reason] = {Reason.CAPPED} if assessment.capped else set()
    amounts = assessment.amounts
    own = sum(amounts, ZERO)
    if clause.kind not in YEARLY_CLAIM_KINDS:
        limit = already_supported_limit(app, clause.kind.value, own, history, reference, trace)
        if limit < own:
            flags.add(Reason.ALREADY_SUPPORTED)
            amounts = fill_in_order(amounts, limit)
    installments = [
        Installment(k, year, amount)
        for k, (amount, year) in enumerate(zip(amounts, assessment.due_years, strict=True), 1)
        if amount > ZERO
    ]
    total = sum((i.amount for i in installments), ZERO)
    if total == ZERO:
        trace.step("award comes to 0.00 after caps and reductions: rejected")
        return finish(Status.REJECTED, flags or {Reason.CAPPED}, [], recipient)
    key = (app.uscc, app.project_key, clause.kind.value)
    history.granted[key] = history.granted.get(key, ZERO) + total
    trace.step(f"approved: {total} in {len(installments)} installment(s)")
    return finish(Status.APPROVED, flags, installments, recipient)


def _case_by_case(app, reference, history, params, trace, reasons, finish) -> Decision:  # type: ignore[no-untyped-def]
    """X-CASE: a major project waits as manual until a recorded case decision sets its amount; the appendix's
    exclusions (X-CREDIT, X-EXCL, X-SCOPE, X-VALID) still apply."""
    case = reference.case_decisions.get(app.application_id)
    if reasons:
        return finish(Status.REJECTED, reasons, [], app.uscc)
    if case is None:
        trace.step("X-CASE: major project; waiting for a case decision (一事一议)")
        return finish(Status.MANUAL, {Reason.CASE_BY_CASE}, [], app.uscc)
    # X-CREDIT is checked again on the day the case was decided.
    listed = credit_reasons(app.uscc, reference, case.decided_on, trace)
    if listed:
        return finish(Status.REJECTED, listed, [], app.uscc, case.decided_on)
    amount = round_installment(case.amount, trace.reading("I-9"))
    trace.step(
        f"X-CASE: case decision {case.document_ref} approved by {case.approved_by} on {case.decided_on}: {amount}"
    )
    if amount == ZERO:
        return finish(Status.REJECTED, {Reason.CASE_BY_CASE}, [], app.uscc, case.decided_on)
    key = (app.uscc, app.project_key, CLAUSES[app.clause].kind.value)
    history.granted[key] = history.granted.get(key, ZERO) + amount
    return finish(
        Status.APPROVED,
        {Reason.CASE_BY_CASE},
        [Installment(1, case.decided_on.year, amount)],
        app.uscc,
        case.decided_on,
    )


def decide_batch(
    applications: Iterable[Application],
    reference: ReferenceData,
    history: History,
    params: PolicyParameters,
    decided_on: date,
) -> list[Decision]:
    """Decide a whole batch in decision order. ``history`` is updated with this batch's grants."""
    return [decide_one(app, reference, history, params, decided_on) for app in sorted(applications, key=decision_order)]
