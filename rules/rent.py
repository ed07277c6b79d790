"""A2 (第二条): rent subsidy for key cultivated enterprises — 100 % / 100 % / 50 % of the year's rent,
3,000,000 CNY over the three years together."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rules.model import Application, Assessment, Reason
from rules.money import fill_in_order, round_installment
from rules.trace import Trace


def key_enterprise_thresholds(app: Application, trace: Trace) -> set[Reason]:
    """A2: paid-in capital ≥ 5,000,000, headcount ≥ 30, market financing ≥ 20,000,000 (以上/及以上 include the
    number itself); each one missed is named in the trace."""
    checks = (
        ("paid_in_capital", app.paid_in_capital, trace.param("A2.min_paid_in_capital")),
        ("headcount", app.headcount, trace.param("A2.min_headcount")),
        ("financing", app.financing, trace.param("A2.min_financing")),
    )
    missed = [f"{name} {value} < {minimum}" for name, value, minimum in checks if value is None or value < minimum]
    if missed:
        trace.step("A2: below threshold: " + "; ".join(missed))
        return {Reason.BELOW_THRESHOLD}
    trace.step("A2: paid-in capital, headcount and financing meet their thresholds")
    return set()


def schedule_due_years(start: date, years: int, decided_on: date) -> list[int]:
    """Installment k falls due in max(decision year, start year + k − 1) (I-8, CONTRACT.md)."""
    return [max(decided_on.year, start.year + k) for k in range(years)]


def rent_installments(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A2: the year's rent times 100 %, 100 %, 50 %, each rounded half-up to the fen, then the cumulative
    cap filled in order (caps apply after rounding, I-9)."""
    assessment = Assessment(recipient_uscc=app.uscc)
    assessment.reasons |= key_enterprise_thresholds(app, trace)
    if app.annual_rent is None or app.lease_start is None:
        return assessment
    rates: tuple[Decimal, ...] = trace.param("A2.yearly_rates")
    cap: Decimal = trace.param("A2.cumulative_cap")
    rounding = trace.reading("I-9")
    gross = [round_installment(app.annual_rent * rate, rounding) for rate in rates]
    trace.step(
        "A2: "
        + ", ".join(
            f"year {k} {app.annual_rent} × {rate} = {g}"
            for k, (rate, g) in enumerate(zip(rates, gross, strict=True), 1)
        )
    )
    amounts = fill_in_order(gross, cap)
    if sum(gross) > cap:
        assessment.capped = True
        trace.caps.append(f"A2 cumulative cap {cap}: {sum(gross)} → {sum(amounts)}")
    assessment.amounts = amounts
    assessment.due_years = schedule_due_years(app.lease_start, len(rates), decided_on)
    trace.reading("I-8")
    trace.step(f"A2: lease started {app.lease_start}; installments due in {assessment.due_years}")
    return assessment


def site_installments(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A7-SITE: the platform's actual yearly site rent/purchase cost, at most 500,000 a year, for the first three
    years; each year rounded half-up to the fen, then capped."""
    assessment = Assessment(recipient_uscc=app.uscc)
    if app.annual_rent is None or app.lease_start is None:
        return assessment
    cap: Decimal = trace.param("A7.site_yearly_cap")
    years: int = trace.param("A7.site_years")
    yearly = round_installment(app.annual_rent, trace.reading("I-9"))
    if yearly > cap:
        assessment.capped = True
        trace.caps.append(f"A7-SITE yearly cap {cap}: {yearly} → {cap} in each of {years} years")
    assessment.amounts = [min(yearly, cap)] * years
    assessment.due_years = schedule_due_years(app.lease_start, years, decided_on)
    trace.reading("I-8")
    trace.step(f"A7-SITE: site started {app.lease_start}; {years} × {min(yearly, cap)} due in {assessment.due_years}")
    return assessment
