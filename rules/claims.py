"""Yearly claims: A5 (第五条) cloud onboarding, A7-ALLIANCE (第七条) alliance activities, A8 (第八条) diagnosis.
A5 and A7-ALLIANCE are bounded by a cap per entity and claim year, shared by all its rows (filled in decision
order, across runs); A8 is paid per report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rules.model import Application, Assessment
from rules.money import round_installment
from rules.trace import Trace


def cloud_onboarding(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A5: 500 per Minhang enterprise actually onboarded in the claim year, at most 1,000,000 per provider a year.
    (I-10, an enterprise onboarded by two providers counts for the first, needs the enterprises themselves; the
    claim carries the expert-reviewed count.)"""
    per = trace.param("A5.per_enterprise")
    trace.reading("I-10")
    gross = round_installment(per * (app.onboarded_count or 0), trace.reading("I-9"))
    trace.step(f"A5: {app.onboarded_count} enterprises × {per} = {gross} for claim year {app.claim_year}")
    return Assessment(
        amounts=[gross], due_years=[decided_on.year], recipient_uscc=app.uscc, yearly_cap=trace.param("A5.yearly_cap")
    )


def alliance_activities(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A7-ALLIANCE: the actual cost of district-oriented activities, paid afterwards to the chair unit, at most
    500,000 per chair unit a year."""
    gross = round_installment(app.activity_cost or Decimal(0), trace.reading("I-9"))
    trace.step(f"A7-ALLIANCE: activity cost {gross} for claim year {app.claim_year}")
    return Assessment(
        amounts=[gross],
        due_years=[decided_on.year],
        recipient_uscc=app.uscc,
        yearly_cap=trace.param("A7.alliance_yearly_cap"),
    )


def diagnosis_report(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A8: 40,000 per valid diagnosis report; 80,000 when the enterprise adopted and implemented it (I-5: the
    80,000 replaces the 40,000). Paid to the provider when it has both registrations in Minhang, otherwise to
    the diagnosed enterprise."""
    report = trace.param("A8.report_award")
    if app.adopted:
        adopted = trace.param("A8.adopted_report_award")
        gross = adopted + report if trace.reading("I-5") == "add" else adopted
        trace.step(f"A8: adopted and implemented report: {gross} (I-5 {trace.params.reading('I-5')})")
    else:
        gross = report
        trace.step(f"A8: valid report: {gross}")
    recipient = app.provider_uscc if app.provider_in_minhang and app.provider_uscc else app.uscc
    trace.step(
        "A8: recipient is the provider (registered in Minhang)"
        if recipient != app.uscc
        else "A8: recipient is the diagnosed enterprise (provider not registered in Minhang)"
    )
    return Assessment(
        amounts=[round_installment(gross, trace.reading("I-9"))], due_years=[decided_on.year], recipient_uscc=recipient
    )
