"""A3 (第三条) smart factories and the industrial internet: A3-INV 10 % of the total intelligence / digitalisation /
networking investment, at most 20,000,000 (investment-type, X-ONEINV); A3-TITLE 1,000,000 for a municipal and
1,500,000 for a national title (smart line, workshop, factory, benchmark, leader), once."""

from __future__ import annotations

from datetime import date
from typing import Any

from rules.clauses import Assessment, ClauseRule, fixed_award, share_with_cap
from rules.facts import Facts
from rules.money import cny_of_fen
from rules.params import ParametersOn
from rules.table import Applications


def smart_factory_investment(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A3-INV: rate × investment, rounded, then the inclusive cap."""
    return share_with_cap(rows.amount("investment"), p, "A3.investment_rate", "A3.investment_cap", decided_on)


def describe_investment(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    return investment_share_lines("A3-INV", inputs, notes, p("A3.investment_rate"), p("A3.investment_cap"))


def investment_share_lines(
    clause: str, inputs: dict[str, Any], notes: dict[str, Any], rate: Any, cap: Any
) -> list[str]:
    lines = [f"{clause}: investment {inputs.get('investment')} × {rate} = {cny_of_fen(notes['gross'])}"]
    if notes["gross"] > notes["amount"]:
        lines.append(f"{clause} cap {cap}: {cny_of_fen(notes['gross'])} → {cny_of_fen(notes['amount'])}")
    return lines


def smart_factory_title(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A3-TITLE: the award of the title's level."""
    return fixed_award(rows, p, decided_on, "A3.title_award_" + rows.values("title_level"))


def describe_title(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    return [f"{inputs.get('title_level')} title: one-time award {cny_of_fen(notes['amount'])}"]


RULES = {
    "A3-INV": ClauseRule(smart_factory_investment, describe_investment),
    "A3-TITLE": ClauseRule(smart_factory_title, describe_title),
}
