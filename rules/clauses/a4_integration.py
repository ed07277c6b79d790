"""A4 (第四条) integration of informatization and industrialization (两化融合): A4-CERT 200,000 for completing the
standard certification, 300,000 at the process level, 400,000 network, 500,000 ecosystem; A4-PILOT 500,000 for a
municipal-or-higher pilot or demonstration enterprise. Each once; an upgrade pays the difference (X-HIGHEST, I-2)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from rules.clauses import Assessment, ClauseRule, fixed_by_level, one_time
from rules.facts import Facts
from rules.money import award_in_fen, cny_of_fen
from rules.params import ParametersOn
from rules.table import Applications


def certification_award(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A4-CERT: the award of the certification level."""
    fen = fixed_by_level(rows.values("cert_level"), p, "A4.cert_award_", p.reading("I-9"))
    amounts, due = one_time(fen, decided_on)
    return Assessment(amounts, due)


def describe_certification(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    return [f"A4-CERT: certification level {inputs.get('cert_level')}: one-time award {cny_of_fen(notes['amount'])}"]


def pilot_award(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A4-PILOT: a fixed one-time award."""
    fen = np.full(len(rows), award_in_fen(p("A4.pilot_award"), p.reading("I-9")), dtype=np.int64)
    amounts, due = one_time(fen, decided_on)
    return Assessment(amounts, due)


def describe_pilot(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    return [f"A4-PILOT: pilot / demonstration enterprise: one-time award {cny_of_fen(notes['amount'])}"]


RULES = {
    "A4-CERT": ClauseRule(certification_award, describe_certification),
    "A4-PILOT": ClauseRule(pilot_award, describe_pilot),
}
