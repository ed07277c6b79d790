"""A8 (第八条) diagnosis: 40,000 per valid diagnosis report of a Minhang enterprise, 80,000 for a report the
enterprise adopted and implemented (after expert review); the 80,000 replaces the 40,000 (I-5). Paid to the
provider when it has both registrations in Minhang, otherwise to the diagnosed enterprise. A report is paid once
(I-14, ``rules.highest``); the diagnosed enterprise and the paid provider are both screened (I-11,
``rules.appendix.blacklisted``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from rules.clauses import Assessment, ClauseRule, one_time
from rules.facts import Facts
from rules.money import award_in_fen, cny_of_fen
from rules.params import ParametersOn
from rules.table import Applications


def diagnosis_report(rows: Applications, p: ParametersOn, decided_on: date, facts: Facts) -> Assessment:
    """A8: the report award (adopted or not) and who receives it."""
    report, adopted = p("A8.report_award"), p("A8.adopted_report_award")
    adopted_gross = adopted + report if p.reading("I-5") == "add" else adopted
    rounding = p.reading("I-9")
    fen = np.where(rows.flag("adopted"), award_in_fen(adopted_gross, rounding), award_in_fen(report, rounding))
    amounts, due = one_time(fen, decided_on)
    provider = rows.values("provider_uscc")
    to_provider = rows.flag("provider_in_minhang") & rows.given("provider_uscc")
    recipient = np.where(to_provider, provider, rows.values("uscc"))
    return Assessment(amounts, due, recipient=recipient)


def describe(inputs: dict[str, Any], notes: dict[str, Any], p: ParametersOn) -> list[str]:
    kind = "adopted and implemented report" if inputs.get("adopted") else "valid report"
    reading = f" (I-5 {p.reading('I-5')})" if inputs.get("adopted") else ""
    to_provider = notes["recipient"] != inputs["uscc"]
    return [
        f"A8: {kind}{reading}: {cny_of_fen(notes['amount'])}",
        "A8: recipient is the provider (registered in Minhang)"
        if to_provider
        else "A8: recipient is the diagnosed enterprise (provider not registered in Minhang)",
    ]


RULES = {"A8": ClauseRule(diagnosis_report, describe)}
