"""A7 (第七条) public service platforms and the industry alliance: A7-START 500,000 start-up support once;
A7-SITE the platform's actual yearly site rent or purchase cost, at most 500,000 a year, for its first three
years (installment k due in max(decision year, start year + k − 1), I-8); A7-ALLIANCE the chair unit's actual
cost of district-oriented activities, paid afterwards, at most 500,000 per chair unit a year (the yearly cap is
shared by the unit's claims for the year, ``rules.caps.shared_cap``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from rules.clauses import Assessment, ClauseRule, fixed_award, one_time, schedule_due_years
from rules.facts import Facts
from rules.money import cap_in_fen, cny_of_fen
from rules.params import ParametersOn
from rules.table import Applications


def platform_startup_award(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A7-START: a fixed one-time award."""
    return fixed_award(rows, p, decided_on, "A7.startup_award")


def describe_startup(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    return [f"A7-START: platform start-up: one-time award {cny_of_fen(notes['amount'])}"]


def site_installments(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A7-SITE: the yearly cost rounded once, at most the yearly cap, for each of the first years."""
    p.reading("I-8")
    yearly = rows.amount("annual_rent").share_in_fen(WHOLE, p.reading("I-9"))
    cap = cap_in_fen(p("A7.site_yearly_cap"))
    years = int(p("A7.site_years"))
    amounts = np.repeat(np.minimum(yearly, cap).reshape(-1, 1), years, axis=1)
    due = schedule_due_years(rows.years("lease_start"), years, decided_on)
    return Assessment(amounts, due, capped=yearly > cap, notes={"yearly": yearly})


def describe_site(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    cap, yearly = p("A7.site_yearly_cap"), notes["yearly"]
    lines = [f"A7-SITE: yearly site cost {inputs.get('annual_rent')} → {cny_of_fen(yearly)}"]
    if yearly > cap_in_fen(cap):
        lines.append(f"A7-SITE yearly cap {cap}: {cny_of_fen(yearly)} → {cny_of_fen(cap_in_fen(cap))} in each year")
    lines.append(
        f"A7-SITE: site started {inputs.get('lease_start')}; {p('A7.site_years')} installments due in"
        f" {list(notes['due_years'])}"
    )
    return lines


def alliance_activities(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A7-ALLIANCE: the activity cost rounded once; the yearly cap across the unit's claims."""
    amounts, due = one_time(rows.amount("activity_cost").share_in_fen(WHOLE, p.reading("I-9")), decided_on)
    return Assessment(amounts, due, shared_cap=cap_in_fen(p("A7.alliance_yearly_cap")))


def describe_alliance(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    return [f"A7-ALLIANCE: activity cost {cny_of_fen(notes['amount'])} for claim year {inputs.get('claim_year')}"]


WHOLE = Decimal(1)  # the actual cost itself, rounded once

RULES = {
    "A7-START": ClauseRule(platform_startup_award, describe_startup),
    "A7-SITE": ClauseRule(site_installments, describe_site),
    "A7-ALLIANCE": ClauseRule(alliance_activities, describe_alliance),
}
