"""The appendix (附则) rules every application meets, each over a whole table: X-VALID (with I-7 and I-13),
X-EXCL (with I-1), X-SCOPE, X-CREDIT (with I-11) and the certification every clause requires."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from rules.clauses import CLAUSES
from rules.facts import Facts
from rules.params import ParametersOn
from rules.table import Applications, isin


def validity(rows: Applications, p: ParametersOn, decided_on: date, clause: str) -> np.ndarray:
    """X-VALID: submitted outside 2021-08-18 … 2026-08-17; I-7: decided after the end (alternative reading only);
    I-13: the lease or site started, or the claim year lies, outside the policy (rent and claims before it)."""
    start, end = p("X.validity_start"), p("X.validity_end")
    submitted = rows.days("submitted_on")
    outside = (submitted < start.toordinal()) | (submitted > end.toordinal())
    if decided_on > end and p.reading("I-7") == "stop_at_expiry":
        outside[:] = True
    dated_by = CLAUSES[clause].dated_by
    if dated_by is not None and p.reading("I-13") == "within_validity":
        given = rows.given(dated_by)
        if dated_by == "lease_start":
            day = rows.days("lease_start")
            outside |= given & ((day < start.toordinal()) | (day > end.toordinal()))
        else:
            year = rows.integers("claim_year")
            outside |= given & ((year < start.year) | (year > end.year))
    return outside


def registration_exempt(entity: np.ndarray, clause: np.ndarray, p: ParametersOn) -> np.ndarray:
    """X-EXCL / I-1: cloud/platform service providers are exempt from the registration rule, for A5 claims only
    (exempt under every clause, or excluded altogether, under the alternative readings)."""
    reading = p.reading("I-1")
    provider = isin(entity, p("X.registration_exempt_entity_types"))
    if reading == "exclude_providers":
        return np.zeros(len(entity), dtype=bool)
    if reading == "every_clause":
        return provider
    return provider & isin(clause, p("X.registration_exempt_clauses"))


def excluded_entity(rows: Applications, p: ParametersOn) -> np.ndarray:
    """X-EXCL: district fully-funded public institutions get nothing (nor providers under I-1's alternative)."""
    entity = rows.values("entity_type")
    excluded = isin(entity, p("X.excluded_entity_types"))
    if p.reading("I-1") == "exclude_providers":
        excluded |= isin(entity, p("X.registration_exempt_entity_types"))
    return excluded


def out_of_scope(rows: Applications, facts: Facts, p: ParametersOn) -> np.ndarray:
    """X-SCOPE: business and tax registration both in Minhang on the decision day (the registry overrides the
    application's flags), unless exempt (I-1)."""
    exempt = registration_exempt(rows.values("entity_type"), rows.values("clause"), p)
    return ~exempt & ~(facts.business & facts.tax)


def field_not_in_plan(rows: Applications, p: ParametersOn) -> np.ndarray:
    """X-SCOPE: the field must fit the district's industrial plan."""
    return ~isin(rows.values("field"), p("X.fields_in_plan"))


def blacklisted(rows: Applications, facts: Facts, recipient: np.ndarray, p: ParametersOn) -> np.ndarray:
    """X-CREDIT on the decision day: the applicant, and a recipient other than the applicant (an A8 provider).
    I-11: under the alternative reading only the recipient is screened."""
    paid_other = recipient != rows.values("uscc")
    recipient_listed = paid_other & facts.provider_listed
    if paid_other.any() and p.reading("I-11") == "recipient_only":
        return np.where(paid_other, recipient_listed, facts.listed)
    return facts.listed | recipient_listed


def not_certified(rows: Applications) -> np.ndarray:
    """Every clause requires its certification / review / expert review (认定/评审) to have passed."""
    return ~rows.flag("certified")


def describe(inputs: dict[str, Any], record: dict[str, Any], reasons: set[str], p: ParametersOn) -> list[str]:
    """The appendix's findings for one application, in words."""
    lines = []
    if "OUTSIDE_VALIDITY" in reasons:
        lines.append(
            f"X-VALID / I-7 / I-13: submitted {inputs.get('submitted_on')} (validity {p('X.validity_start')} … "
            f"{p('X.validity_end')}); lease start {inputs.get('lease_start', '—')}; claim year "
            f"{inputs.get('claim_year', '—')}: outside the policy"
        )
    if "EXCLUDED_ENTITY" in reasons:
        lines.append(f"X-EXCL / I-1 ({p.reading('I-1')}): entity type {inputs.get('entity_type')} is excluded")
    registration = record.get("registration")
    source = f"registry row effective {registration['effective_on']}" if registration else "the application"
    if "OUT_OF_SCOPE" in reasons:
        flags = registration or inputs
        lines.append(
            f"X-SCOPE: business in Minhang={flags.get('business_in_minhang')}, tax in Minhang="
            f"{flags.get('tax_in_minhang')} (from {source})"
        )
    if "FIELD_NOT_IN_PLAN" in reasons:
        lines.append(f"X-SCOPE: field {inputs.get('field')!r} is not in the district's industrial plan")
    if record.get("listed"):
        lines.append(f"X-CREDIT: the applicant {inputs.get('uscc')} is on the blacklist on the decision day")
    if record.get("provider_listed") or record.get("recipient_listed"):
        lines.append(
            f"X-CREDIT / I-11 ({p.reading('I-11')}): the provider {inputs.get('provider_uscc')} is on the "
            "blacklist on the decision day"
        )
    if "NOT_CERTIFIED" in reasons:
        lines.append(f"{inputs.get('clause')}: the required certification or review has not passed")
    return lines
