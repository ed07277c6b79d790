"""A4 (第四条) integration of informatization and industrialization (两化融合): A4-CERT 200,000 for completing the
standard certification, 300,000 at the process level, 400,000 network, 500,000 ecosystem; A4-PILOT 500,000 for a
municipal-or-higher pilot or demonstration enterprise. Each once; an upgrade pays the difference (X-HIGHEST, I-2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from rules.clauses import Assessment, ClauseRule, fixed_award
from rules.facts import Facts
from rules.money import cny_of_fen
from rules.params import ParametersOn
from rules.table import Applications


def certification_award(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A4-CERT: the award of the certification level."""
    return fixed_award(rows, p, decided_on, "A4.cert_award_" + rows.values("cert_level"))


def describe_certification(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    return [f"A4-CERT: certification level {inputs.get('cert_level')}: one-time award {cny_of_fen(notes['amount'])}"]


def pilot_award(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A4-PILOT: a fixed one-time award."""
    return fixed_award(rows, p, decided_on, "A4.pilot_award")


def describe_pilot(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    return [f"A4-PILOT: pilot / demonstration enterprise: one-time award {cny_of_fen(notes['amount'])}"]


RULES = {
    "A4-CERT": ClauseRule(certification_award, describe_certification),
    "A4-PILOT": ClauseRule(pilot_award, describe_pilot),
}
