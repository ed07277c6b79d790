"""The appendix (附则) rules every application meets: X-VALID, X-EXCL, X-SCOPE, X-CREDIT."""

from __future__ import annotations

from datetime import date

from rules.model import Application, Reason, ReferenceData
from rules.screening import is_blacklisted, registration_on
from rules.trace import Trace, shared


def validity_reasons(app: Application, trace: Trace, decided_on: date) -> set[Reason]:
    """X-VALID / I-7: an application submitted outside 2021-08-18 … 2026-08-17 is rejected; one submitted inside
    is decided under this policy whenever its decision falls (under the alternative reading, not after expiry)."""
    start, end = trace.param("X.validity_start"), trace.param("X.validity_end")
    if not start <= app.submitted_on <= end:
        trace.step(f"X-VALID: submitted {app.submitted_on} is outside {start} … {end}")
        return {Reason.OUTSIDE_VALIDITY}
    if decided_on > end and trace.reading("I-7") == "stop_at_expiry":
        trace.step(f"X-VALID / I-7 (stop at expiry): decided {decided_on}, after the policy ended on {end}")
        return {Reason.OUTSIDE_VALIDITY}
    return set()


def entity_reasons(app: Application, trace: Trace) -> set[Reason]:
    """X-EXCL: district fully-funded public institutions get nothing."""
    if app.entity_type in trace.param("X.excluded_entity_types"):
        trace.step(f"X-EXCL: entity type {app.entity_type} is excluded")
        return {Reason.EXCLUDED_ENTITY}
    return set()


def scope_reasons(app: Application, reference: ReferenceData, day: date, trace: Trace) -> set[Reason]:
    """X-SCOPE: business and tax registration both in Minhang (cloud providers exempt, I-1), field in plan."""
    reasons: set[Reason] = set()
    exempt = app.entity_type in trace.param("X.registration_exempt_entity_types")
    if exempt and trace.reading("I-1") == "exclude_providers":
        trace.step("X-EXCL / I-1 (alternative reading): cloud/platform providers are excluded")
        reasons.add(Reason.EXCLUDED_ENTITY)
        exempt = False
    business, tax, since = registration_on(
        reference.registry, app.uscc, day, app.business_in_minhang, app.tax_in_minhang
    )
    trace.screening["registration"] = shared(
        {
            "business_in_minhang": business,
            "tax_in_minhang": tax,
            "source": f"registry row effective {since.isoformat()}" if since else "application",
            "exempt": exempt,
        }
    )
    if not exempt and not (business and tax):
        trace.step(f"X-SCOPE: business in Minhang={business}, tax in Minhang={tax} on {day}")
        reasons.add(Reason.OUT_OF_SCOPE)
    if app.field not in trace.param("X.fields_in_plan"):
        trace.step(f"X-SCOPE: field {app.field!r} is not in the district's industrial plan")
        reasons.add(Reason.FIELD_NOT_IN_PLAN)
    return reasons


def credit_reasons(
    uscc: str, reference: ReferenceData, day: date, trace: Trace, role: str = "applicant"
) -> set[Reason]:
    """X-CREDIT: an entity on the serious-dishonesty list on ``day`` gets nothing."""
    listed = is_blacklisted(reference.blacklist, uscc, day)
    record: dict[str, object] = {"on": day.isoformat(), "listed": listed, "blacklist_load": reference.blacklist_load_id}
    if role != "applicant":  # the applicant's code is the decision's own
        record = {"uscc": uscc, **record}
    trace.screening[f"blacklisted_{role}"] = shared(record)
    if listed:
        trace.step(f"X-CREDIT: {role} {uscc} is on the blacklist on {day}")
        return {Reason.BLACKLISTED}
    return set()
