"""Fixed one-time awards: A3-TITLE and A6-TITLE (titles), A4-CERT (两化融合贯标 levels), A4-PILOT (pilot),
A7-START (platform start-up). Upgrades of the same project pay the difference (X-HIGHEST, I-2)."""

from __future__ import annotations

from datetime import date

from rules.model import Application, Assessment
from rules.money import round_installment
from rules.trace import Trace


def _fixed(app: Application, trace: Trace, decided_on: date, parameter: str, label: str) -> Assessment:
    amount = round_installment(trace.param(parameter), trace.reading("I-9"))
    trace.step(f"{app.clause}: {label}: one-time award {amount}")
    return Assessment(amounts=[amount], due_years=[decided_on.year], recipient_uscc=app.uscc)


def smart_factory_title(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A3-TITLE: municipal title 1,000,000; national title 1,500,000 (smart line/workshop/factory, benchmark…)."""
    return _fixed(app, trace, decided_on, f"A3.title_award_{app.title_level}", f"{app.title_level} title")


def demonstration_title(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A6-TITLE: municipal demonstration enterprise/project 1,000,000; national 1,500,000."""
    return _fixed(app, trace, decided_on, f"A6.title_award_{app.title_level}", f"{app.title_level} title")


def certification_award(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A4-CERT: completed 200,000; process level 300,000; network 400,000; ecosystem 500,000."""
    return _fixed(app, trace, decided_on, f"A4.cert_award_{app.cert_level}", f"certification level {app.cert_level}")


def pilot_award(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A4-PILOT: a municipal-or-higher 两化融合 pilot/demonstration enterprise gets 500,000 once."""
    return _fixed(app, trace, decided_on, "A4.pilot_award", "pilot / demonstration")


def platform_startup_award(app: Application, trace: Trace, decided_on: date) -> Assessment:
    """A7-START: 500,000 one-time start-up support for a certified service platform's enterprise."""
    return _fixed(app, trace, decided_on, "A7.startup_award", "platform start-up")
