"""Fixed one-time awards: A4-PILOT (第四条, 两化融合试点示范 500,000 CNY)."""

from __future__ import annotations

from datetime import date

from rules.model import Application, Assessment
from rules.money import round_installment
from rules.trace import Trace


def pilot_award(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A4-PILOT: a municipal-or-higher 两化融合 pilot/demonstration enterprise gets 500,000 once."""
    amount = round_installment(trace.param("A4.pilot_award"), trace.reading("I-9"))
    trace.step(f"A4-PILOT: one-time award {amount}")
    return Assessment(amounts=[amount], due_years=[decided_on.year], recipient_uscc=app.uscc)
