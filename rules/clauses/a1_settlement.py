"""A1 (第一条) settlement investment: an AI / intelligent-manufacturing / industrial-internet enterprise settling in
the district with fixed-asset investment of at least 50,000,000 gets 10 % of its R&D expenses and equipment
investment within two years, at most 10,000,000, once. Investment-type (X-ONEINV)."""

from __future__ import annotations

from datetime import date
from typing import Any

from rules.clauses import Assessment, ClauseRule, share_with_cap
from rules.facts import Facts
from rules.model import Reason
from rules.money import cny_of_fen
from rules.params import ParametersOn
from rules.table import Applications


def settlement_investment(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A1: the threshold (以上 includes the number itself), then rate × (R&D + equipment), capped."""
    base = rows.amount("rd_expense").plus(rows.amount("equipment_investment"))
    assessment = share_with_cap(base, p, "A1.rate", "A1.cap", decided_on)
    below = ~rows.amount("fixed_asset_investment").at_least(p("A1.min_fixed_asset_investment"))
    assessment.reasons[Reason.BELOW_THRESHOLD] = below
    return assessment


def describe(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    minimum = p("A1.min_fixed_asset_investment")
    invested = inputs.get("fixed_asset_investment")
    lines = [
        f"A1: fixed-asset investment {invested} "
        + ("≥" if invested is not None and invested >= minimum else "< (below the threshold)")
        + f" {minimum}",
        f"A1: (R&D {inputs.get('rd_expense')} + equipment {inputs.get('equipment_investment')}) × {p('A1.rate')}"
        f" = {cny_of_fen(notes['gross'])}",
    ]
    if notes["gross"] > notes["amount"]:
        lines.append(f"A1 cap {p('A1.cap')}: {cny_of_fen(notes['gross'])} → {cny_of_fen(notes['amount'])}")
    return lines


RULES = {"A1": ClauseRule(settlement_investment, describe)}
