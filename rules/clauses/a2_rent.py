"""A2 (第二条) rent: a key cultivated enterprise settling in the district (paid-in capital ≥ 5,000,000, headcount
≥ 30, market financing ≥ 20,000,000, review passed) gets its office/production rent: year 1 100 %, year 2
100 %, year 3 50 %, at most 3,000,000 over the three years together.

Installment k falls due in max(decision year, lease-start year + k − 1) (I-8). Each is rounded half-up once,
then the cap is filled in order (I-9). The 3,000,000 is also the enterprise's over all its A2 applications
(I-12): that cut, across applications, is ``rules.caps.shared_cap``."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from rules.clauses import Assessment, ClauseRule, schedule_due_years
from rules.facts import Facts
from rules.model import Reason
from rules.money import cap_in_fen, cny_of_fen, fill_in_order
from rules.params import ParametersOn
from rules.table import Applications


def key_enterprise_thresholds(rows: Applications, p: ParametersOn) -> np.ndarray:
    """Below any of paid-in capital, headcount or financing (以上/及以上 include the number itself)."""
    meets = rows.amount("paid_in_capital").at_least(p("A2.min_paid_in_capital"))
    meets &= rows.given("headcount") & (rows.integers("headcount") >= p("A2.min_headcount"))
    meets &= rows.amount("financing").at_least(p("A2.min_financing"))
    return ~meets


def rent_installments(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A2: the year's rent × 100 %, 100 %, 50 %, each rounded, then the cumulative cap filled in order."""
    rounding = p.reading("I-9")
    p.reading("I-8")
    rent = rows.amount("annual_rent")
    gross = np.stack([rent.share_in_fen(rate, rounding) for rate in p("A2.yearly_rates")], axis=1)
    cap = cap_in_fen(p("A2.cumulative_cap"))
    amounts = fill_in_order(gross, np.full(len(rows), cap, dtype=np.int64))
    due = schedule_due_years(rows.years("lease_start"), gross.shape[1], decided_on)
    capped = gross.sum(axis=1) > cap
    p.reading("I-12")
    below = {Reason.BELOW_THRESHOLD: key_enterprise_thresholds(rows, p)}
    return Assessment(amounts, due, below, capped, shared_cap=cap, notes={"gross": gross})


def describe(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    checks = (
        ("paid-in capital", inputs.get("paid_in_capital"), p("A2.min_paid_in_capital")),
        ("headcount", inputs.get("headcount"), p("A2.min_headcount")),
        ("financing", inputs.get("financing"), p("A2.min_financing")),
    )
    missed = [f"{name} {value} < {minimum}" for name, value, minimum in checks if value is None or value < minimum]
    lines = [
        "A2: below threshold: " + "; ".join(missed)
        if missed
        else "A2: paid-in capital, headcount and financing meet their thresholds"
    ]
    rent, gross = inputs.get("annual_rent"), list(notes["gross"])
    lines.append(
        "A2: "
        + ", ".join(
            f"year {k} {rent} × {rate} = {cny_of_fen(g)}"
            for k, (rate, g) in enumerate(zip(p("A2.yearly_rates"), gross, strict=True), 1)
        )
    )
    if sum(gross) > cap_in_fen(p("A2.cumulative_cap")):
        lines.append(
            f"A2 cumulative cap {p('A2.cumulative_cap')}: {cny_of_fen(sum(gross))} → "
            f"{cny_of_fen(sum(notes['amounts']))}"
        )
    lines.append(f"A2: lease started {inputs.get('lease_start')}; installments due in {list(notes['due_years'])}")
    return lines


RULES = {"A2": ClauseRule(rent_installments, describe)}
