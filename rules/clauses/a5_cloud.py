"""A5 (第五条) cloud onboarding: a district-certified cloud/platform service provider gets 500 per Minhang
enterprise it actually onboarded in the claim year (after expert review), at most 1,000,000 per provider a year.

The count is the declared ``onboarded_count``, or — where the ``onboardings`` reference file lists enterprises
for the provider and year — the enterprises that count for it, never more than declared (I-10; counted by
``rules.facts.onboarded_counts``). The yearly cap is shared by all the provider's claims for the year, filled in
decision order (``rules.caps.shared_cap``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from rules.clauses import Assessment, ClauseRule, one_time
from rules.facts import Facts
from rules.money import cap_in_fen, cny_of_fen, per_unit_in_fen
from rules.params import ParametersOn
from rules.table import Applications


def cloud_onboarding(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A5: per-enterprise amount × the enterprises that count, rounded once."""
    p.reading("I-10")
    declared = rows.integers("onboarded_count")
    counted = facts.onboarded
    count = np.where(counted >= 0, np.minimum(declared, counted), declared)
    amounts, due = one_time(per_unit_in_fen(count, p("A5.per_enterprise"), p.reading("I-9")), decided_on)
    return Assessment(amounts, due, shared_cap=cap_in_fen(p("A5.yearly_cap")), notes={"count": count})


def describe(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    lines = []
    if notes["counted"] >= 0:
        lines.append(
            f"A5 / I-10 ({p.reading('I-10')}): the onboardings file lists {notes['counted']} enterprise(s) that count"
            f" for this provider in {inputs.get('claim_year')}; declared {inputs.get('onboarded_count')}"
        )
    lines.append(
        f"A5: {notes['count']} enterprises × {p('A5.per_enterprise')} = {cny_of_fen(notes['amount'])}"
        f" for claim year {inputs.get('claim_year')}"
    )
    return lines


RULES = {"A5": ClauseRule(cloud_onboarding, describe)}
