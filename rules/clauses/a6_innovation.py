"""A6 (第六条) 5G/AI + industrial internet: A6-INV 20 % of a certified demonstration enterprise's innovation project
investment, at most 2,000,000 (investment-type, X-ONEINV); A6-TITLE 1,000,000 for a municipal and 1,500,000 for
a national industrial-internet innovation application demonstration title, once."""

from __future__ import annotations

from datetime import date
from typing import Any

from rules.clauses import Assessment, ClauseRule, fixed_award, share_with_cap
from rules.clauses.a3_smart_factory import describe_title, investment_share_lines
from rules.facts import Facts
from rules.params import ParametersOn
from rules.table import Applications


def innovation_application_investment(
    rows: Applications, p: ParametersOn, decided_on: date, facts: Facts
) -> Assessment:
    """A6-INV: rate × investment, rounded, then the inclusive cap."""
    return share_with_cap(rows.amount("investment"), p, "A6.investment_rate", "A6.investment_cap", decided_on)


def describe_investment(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    return investment_share_lines("A6-INV", inputs, notes, p("A6.investment_rate"), p("A6.investment_cap"))


def demonstration_title(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A6-TITLE: the award of the title's level."""
    return fixed_award(rows, p, decided_on, "A6.title_award_" + rows.values("title_level"))


RULES = {
    "A6-INV": ClauseRule(innovation_application_investment, describe_investment),
    "A6-TITLE": ClauseRule(demonstration_title, describe_title),
}
