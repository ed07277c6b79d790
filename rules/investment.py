"""Investment-type subsidies (X-ONEINV: at most one per enterprise per policy cycle):
A1 (第一条) settlement, A3-INV (第三条) smart factory, A6-INV (第六条) 5G/AI + industrial internet."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rules.model import Application, Assessment, Reason
from rules.money import round_installment
from rules.trace import Trace


def _capped_share(base: Decimal, rate: Decimal, cap: Decimal, clause: str, trace: Trace) -> tuple[Decimal, bool]:
    """rate × base rounded half-up to the fen, then the inclusive cap (caps apply after rounding, I-9)."""
    gross = round_installment(base * rate, trace.reading("I-9"))
    trace.step(f"{clause}: {base} × {rate} = {gross}")
    if gross > cap:
        trace.caps.append(f"{clause} cap {cap}: {gross} → {cap}")
        return cap, True
    return gross, False


def settlement_investment(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A1: a settling AI / intelligent-manufacturing / industrial-internet enterprise with fixed-asset investment
    ≥ 50,000,000 gets 10 % of its R&D expenses and equipment investment within 2 years, at most 10,000,000."""
    assessment = Assessment(recipient_uscc=app.uscc, due_years=[decided_on.year])
    minimum = trace.param("A1.min_fixed_asset_investment")
    if app.fixed_asset_investment is None or app.fixed_asset_investment < minimum:
        trace.step(f"A1: fixed-asset investment {app.fixed_asset_investment} < {minimum}")
        assessment.reasons.add(Reason.BELOW_THRESHOLD)
    base = (app.rd_expense or Decimal(0)) + (app.equipment_investment or Decimal(0))
    trace.step(f"A1: R&D {app.rd_expense} + equipment {app.equipment_investment} = {base}")
    amount, assessment.capped = _capped_share(base, trace.param("A1.rate"), trace.param("A1.cap"), "A1", trace)
    assessment.amounts = [amount]
    return assessment


def _investment_share(app: Application, trace: Trace, decided_on: date, prefix: str) -> Assessment:
    assessment = Assessment(recipient_uscc=app.uscc, due_years=[decided_on.year])
    amount, assessment.capped = _capped_share(
        app.investment or Decimal(0),
        trace.param(f"{prefix}.investment_rate"),
        trace.param(f"{prefix}.investment_cap"),
        app.clause,
        trace,
    )
    assessment.amounts = [amount]
    return assessment


def smart_factory_investment(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A3-INV: 10 % of the total intelligence/digitalisation/networking investment, at most 20,000,000."""
    return _investment_share(app, trace, decided_on, "A3")


def innovation_application_investment(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A6-INV: 20 % of the innovation project's total investment, at most 2,000,000."""
    return _investment_share(app, trace, decided_on, "A6")
