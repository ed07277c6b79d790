"""Deciding a batch of applications: the appendix, the clause rules, then the rules across applications.

Applications are decided in (submitted_on, application_id) order; each sees what the earlier ones (in this
batch and, through ``History``, in earlier runs) were granted. Three passes:

1. assess   — every application alone: appendix (X-VALID, X-EXCL, X-SCOPE, X-CREDIT), certification, clause rule;
2. X-ONEINV — per enterprise, the single investment-type award of this run (I-4), or none after an earlier one;
3. finish   — in decision order: X-CASE, X-HIGHEST against earlier grants (I-2, I-3), per-year caps, zero → rejected.

Pure: no I/O, no database, no Prefect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rules import awards, claims, investment, rent
from rules.appendix import credit_reasons, entity_reasons, scope_reasons, validity_reasons
from rules.clauses import CLAUSES, YEARLY_CLAIM_KINDS, Clause
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
from rules.money import FEN, ZERO, fill_in_order, round_installment
from rules.params import PolicyParameters
from rules.trace import Trace

ClauseRule = Callable[[Application, Trace, date], Assessment]

CLAUSE_RULES: dict[str, ClauseRule] = {
    "A1": investment.settlement_investment,
    "A2": rent.rent_installments,
    "A3-INV": investment.smart_factory_investment,
    "A3-TITLE": awards.smart_factory_title,
    "A4-CERT": awards.certification_award,
    "A4-PILOT": awards.pilot_award,
    "A5": claims.cloud_onboarding,
    "A6-INV": investment.innovation_application_investment,
    "A6-TITLE": awards.demonstration_title,
    "A7-START": awards.platform_startup_award,
    "A7-SITE": rent.site_installments,
    "A7-ALLIANCE": claims.alliance_activities,
    "A8": claims.diagnosis_report,
}


def decision_order(app: Application) -> tuple[date, str]:
    return app.submitted_on, app.application_id


@dataclass
class Assessed:
    """An application after pass 1."""

    app: Application
    clause: Clause
    trace: Trace
    reasons: set[Reason]
    assessment: Assessment = field(default_factory=Assessment)

    @property
    def recipient(self) -> str:
        return self.assessment.recipient_uscc or self.app.uscc


def certification_reasons(app: Application, trace: Trace) -> set[Reason]:
    """Every clause requires its certification / review / expert review (认定/评审) to have passed."""
    if app.certified is True:
        return set()
    trace.step(f"{app.clause}: the required certification or review has not passed")
    return {Reason.NOT_CERTIFIED}


def assess(app: Application, reference: ReferenceData, params: PolicyParameters, decided_on: date) -> Assessed:
    """Pass 1: what the appendix and the clause say of this application alone."""
    trace = Trace(params, app.submitted_on)
    reasons = validity_reasons(app, trace, decided_on) | entity_reasons(app, trace)
    reasons |= scope_reasons(app, reference, decided_on, trace)
    reasons |= credit_reasons(app.uscc, reference, decided_on, trace)
    item = Assessed(app, CLAUSES[app.clause], trace, reasons)
    if app.major_project:
        return item
    item.reasons |= certification_reasons(app, trace)
    item.assessment = CLAUSE_RULES[app.clause](app, trace, decided_on)
    item.reasons |= item.assessment.reasons
    if item.recipient != app.uscc:
        item.reasons |= credit_reasons(item.recipient, reference, decided_on, trace, role="recipient")
    return item


def already_supported_limit(
    app: Application, kind: str, own: Decimal, granted: Decimal, received: Decimal, trace: Trace
) -> Decimal:
    """X-HIGHEST (I-2, I-3): the most this application may still add for its (uscc, project, kind): its own
    amount less what this policy already granted and what another district policy already paid."""
    if granted == ZERO and received == ZERO:
        return own
    if granted > ZERO and trace.reading("I-2") == "upgrade_pays_nothing":
        trace.reductions.append(f"I-2 (upgrade pays nothing): {granted} already granted for project {app.project_key}")
        return ZERO
    if received > ZERO and trace.reading("I-3") == "reject":
        trace.reductions.append(f"I-3 (reject): {received} already received under another district policy")
        return ZERO
    trace.reading("I-2")
    trace.reading("I-3")
    limit = max(ZERO, own - granted - received)
    trace.reductions.append(
        f"project {app.project_key}, kind {kind}: own {own} − granted here {granted} − received elsewhere {received}"
        f" → at most {limit}"
    )
    return limit


def _provisional_investment(item: Assessed, history: History, reference: ReferenceData) -> Decimal:
    """An investment-type award as it would be with only earlier runs and other policies deducted."""
    if item.reasons or item.app.major_project:
        return ZERO
    own = sum(item.assessment.amounts, ZERO)
    key = (item.app.uscc, item.app.project_key, item.clause.kind.value)
    granted = history.granted.get(key, ZERO)
    received = reference.external_awards.get(key, ZERO)
    return min(own, max(ZERO, own - granted - received))


def investment_exclusivity(
    items: list[Assessed], history: History, reference: ReferenceData, params: PolicyParameters
) -> dict[str, str]:
    """X-ONEINV (I-4): one investment-type subsidy per enterprise per policy cycle. Among this run's applications
    of an enterprise the highest award wins whatever the order (ties: the earlier in decision order); under the
    alternative reading the first in decision order wins. An award granted in an earlier run blocks them all.
    Returns, for each application that may not be granted, what blocks it."""
    blocked: dict[str, str] = {}
    by_enterprise: dict[str, list[Assessed]] = {}
    for item in items:
        if item.clause.investment_type:
            by_enterprise.setdefault(item.app.uscc, []).append(item)
    first_come = params.reading("I-4") == "first_come"
    for uscc, group in by_enterprise.items():
        earlier = history.investment_awards.get(uscc)
        if earlier is not None:
            for item in group:
                blocked[item.app.application_id] = (
                    f"{earlier[1]} award {earlier[2]} granted earlier in this policy cycle ({earlier[0]})"
                )
            continue
        contenders = [(item, _provisional_investment(item, history, reference)) for item in group]
        contenders = [(item, amount) for item, amount in contenders if amount > ZERO]
        if not contenders:
            continue
        if first_come:
            winner, amount = contenders[0]
        else:
            winner, amount = max(contenders, key=lambda c: c[1])  # max keeps the first of equal amounts
        for item in group:
            if item is not winner:
                blocked[item.app.application_id] = (
                    f"{winner.clause.id} application {winner.app.application_id} ({amount}) is this enterprise's "
                    "one investment-type subsidy"
                )
    return blocked


class Finisher:
    """Pass 3, in decision order, keeping ``history`` up to date with each grant."""

    def __init__(
        self,
        reference: ReferenceData,
        history: History,
        params: PolicyParameters,
        decided_on: date,
        blocked: dict[str, str],
    ) -> None:
        self.reference, self.history, self.params = reference, history, params
        self.decided_on, self.blocked = decided_on, blocked

    def decision(
        self, item: Assessed, status: Status, why: set[Reason], installments: list[Installment], on: date | None = None
    ) -> Decision:
        on = on or self.decided_on
        app = item.app
        total = sum((i.amount for i in installments), ZERO)
        if status == Status.APPROVED:
            self._record_grant(item, total)
        return Decision(
            application_id=app.application_id,
            clause=app.clause,
            uscc=app.uscc,
            status=status,
            reasons=ordered_reasons(why),
            award_total=total,
            recipient_uscc=item.recipient,
            decided_on=on,
            kind=item.clause.kind.value,
            project_key=app.project_key,
            installments=installments,
            trace={
                "clause": app.clause,
                "clause_zh": item.clause.name_zh,
                "decided_on": on.isoformat(),
                "status": status.value,
                **item.trace.as_dict(),
            },
        )

    def _record_grant(self, item: Assessed, total: Decimal) -> None:
        app = item.app
        key = (app.uscc, app.project_key, item.clause.kind.value)
        self.history.granted[key] = self.history.granted.get(key, ZERO) + total
        if item.clause.investment_type:
            self.history.investment_awards.setdefault(app.uscc, (app.application_id, app.clause, total))
        if app.claim_year is not None and item.clause.kind in YEARLY_CLAIM_KINDS:
            cap_key = (app.uscc, app.clause, app.claim_year)
            self.history.yearly_used[cap_key] = self.history.yearly_used.get(cap_key, ZERO) + total

    def finish(self, item: Assessed) -> Decision:
        app, trace = item.app, item.trace
        if app.application_id in self.blocked:
            trace.step(f"X-ONEINV: {self.blocked[app.application_id]}")
            item.reasons.add(Reason.INVESTMENT_LIMIT)
        if app.major_project:
            return self.case_by_case(item)
        if item.reasons:
            trace.step("rejected: " + ", ".join(ordered_reasons(item.reasons)))
            return self.decision(item, Status.REJECTED, item.reasons, [])
        flags: set[Reason] = {Reason.CAPPED} if item.assessment.capped else set()
        amounts = list(item.assessment.amounts)
        own = sum(amounts, ZERO)
        if item.clause.kind not in YEARLY_CLAIM_KINDS:
            key = (app.uscc, app.project_key, item.clause.kind.value)
            limit = already_supported_limit(
                app,
                item.clause.kind.value,
                own,
                self.history.granted.get(key, ZERO),
                self.reference.external_awards.get(key, ZERO),
                trace,
            )
            if limit < own:
                flags.add(Reason.ALREADY_SUPPORTED)
                amounts = fill_in_order(amounts, limit)
        if item.assessment.yearly_cap is not None:
            cap = item.assessment.yearly_cap
            used = self.history.yearly_used.get((app.uscc, app.clause, app.claim_year or 0), ZERO)
            remaining = max(ZERO, cap - used)
            if own > remaining:
                flags.add(Reason.CAPPED)
                amounts = fill_in_order(amounts, remaining)
                trace.caps.append(
                    f"{app.clause} yearly cap {cap} for {app.uscc} in {app.claim_year}: {used} already used → "
                    f"{sum(amounts, ZERO)}"
                )
        installments = [
            Installment(k, year, amount.quantize(FEN))  # amounts are whole fen already; caps get two places
            for k, (amount, year) in enumerate(zip(amounts, item.assessment.due_years, strict=True), 1)
            if amount > ZERO
        ]
        if not installments:
            trace.step("the award comes to 0.00 after caps and reductions: rejected")
            return self.decision(item, Status.REJECTED, flags or {Reason.CAPPED}, [])
        total = sum((i.amount for i in installments), ZERO)
        trace.step(f"approved: {total} in {len(installments)} installment(s)")
        return self.decision(item, Status.APPROVED, flags, installments)

    def case_by_case(self, item: Assessed) -> Decision:
        """X-CASE: a major project waits as manual until a recorded case decision sets its amount; the appendix's
        exclusions (X-CREDIT, X-EXCL, X-SCOPE, X-VALID) and X-ONEINV still apply."""
        app, trace = item.app, item.trace
        case = self.reference.case_decisions.get(app.application_id)
        if item.reasons:
            return self.decision(item, Status.REJECTED, item.reasons, [])
        if case is None:
            trace.step("X-CASE: major project; waiting for a case decision (一事一议)")
            return self.decision(item, Status.MANUAL, {Reason.CASE_BY_CASE}, [])
        listed = credit_reasons(app.uscc, self.reference, case.decided_on, trace)  # X-CREDIT on the case's date
        if listed:
            return self.decision(item, Status.REJECTED, listed, [], case.decided_on)
        amount = round_installment(case.amount, trace.reading("I-9"))
        trace.step(
            f"X-CASE: case decision {case.document_ref} approved by {case.approved_by} on {case.decided_on}: {amount}"
        )
        if amount == ZERO:
            return self.decision(item, Status.REJECTED, {Reason.CASE_BY_CASE}, [], case.decided_on)
        return self.decision(
            item,
            Status.APPROVED,
            {Reason.CASE_BY_CASE},
            [Installment(1, case.decided_on.year, amount)],
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
    items = [assess(app, reference, params, decided_on) for app in sorted(applications, key=decision_order)]
    blocked = investment_exclusivity(items, history, reference, params)
    finisher = Finisher(reference, history, params, decided_on, blocked)
    return [finisher.finish(item) for item in items]
