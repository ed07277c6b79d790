"""The facts a decision reads from outside its application, per row: blacklist hits, registration, support
received elsewhere, what earlier runs granted or used, the investment award that blocks it, its case decision,
the enterprises that count for an A5 claim.

They come from the reference data and the history of a run (``facts_of_run``) or, to explain a stored decision,
from the facts it kept (``facts_of_record``): the same rules then decide it again from the same facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from rules.clauses import CLAUSES, SupportKind
from rules.model import CaseDecision, History, Onboarding, ReferenceData, RegistrationChange
from rules.money import from_fen, round_given_amount, to_fen
from rules.params import PolicyParameters
from rules.screening import is_blacklisted, registration_on
from rules.table import Applications, isin


@dataclass(frozen=True, slots=True)
class Blocker:
    """What takes X-ONEINV's one investment-type subsidy from an application."""

    words: str
    case_by_case: bool = False


@dataclass
class Facts:
    """Per row of a table (decision order)."""

    listed: np.ndarray
    """bool: the applicant is on the blacklist on the decision day (X-CREDIT)."""
    provider_listed: np.ndarray
    """bool: the A8 provider is on the blacklist on the decision day (I-11)."""
    business: np.ndarray
    tax: np.ndarray
    """bool: business / tax registration in Minhang on the decision day (the registry overrides the application)."""
    registry_since: np.ndarray
    """object: effective date of the registry row that overrides the application's flags, or None."""
    received: np.ndarray
    """int64 fen: support of the same kind another district policy gave the same project (I-3)."""
    granted: np.ndarray
    """int64 fen: what this policy granted before the rows of the table for the same X-HIGHEST key."""
    rent_granted: np.ndarray
    """int64 fen: the enterprise's A2 total before the rows of the table (I-12)."""
    cap_used: np.ndarray
    """int64 fen: the yearly cap of the claim's entity and year used before the rows of the table."""
    blocker: np.ndarray
    """object: the ``Blocker`` an earlier run's investment award makes, or None."""
    case: np.ndarray
    """object: the ``CaseDecision`` of a major project, or None (X-CASE)."""
    case_listed: np.ndarray
    """bool: the applicant is on the blacklist on its case decision's date."""
    onboarded: np.ndarray
    """int64: enterprises that count for an A5 claim by the onboardings file, -1 where it lists none (I-10)."""

    def take(self, rows: np.ndarray) -> Facts:
        return Facts(*(getattr(self, f.name)[rows] for f in fields(self)))


def no_facts(n: int) -> Facts:
    """Nothing known from outside: not listed, registered as the application says, nothing before."""
    zero = np.zeros(n, dtype=np.int64)
    false = np.zeros(n, dtype=bool)
    none = np.full(n, None, dtype=object)
    return Facts(
        false,
        false.copy(),
        false.copy(),
        false.copy(),
        none,
        zero,
        zero.copy(),
        zero.copy(),
        zero.copy(),
        none.copy(),
        none.copy(),
        false.copy(),
        np.full(n, -1, dtype=np.int64),
    )


def project_keys(table: Applications) -> np.ndarray:
    """The project X-HIGHEST compares: ``project_id``, or the applicant itself when empty; for A8 the diagnosis
    report (I-14): ``report:<report_id>``, else ``diagnosis:<enterprise>/<provider>/<claim year>``."""
    uscc, project = table.values("uscc"), table.values("project_id")
    keys = np.where(table.given("project_id"), project, uscc).astype(object)
    a8 = np.flatnonzero(table.values("clause") == "A8")
    if len(a8):
        report, provider, year = (table.values(n)[a8].tolist() for n in ("report_id", "provider_uscc", "claim_year"))
        keys[a8] = [
            f"report:{r}" if r is not None else f"diagnosis:{u}/{p}/{y}"
            for r, u, p, y in zip(report, uscc[a8].tolist(), provider, year, strict=True)
        ]
    return keys


def highest_key(uscc: str, project_key: str, kind: str) -> tuple[str, str, str]:
    """The key X-HIGHEST groups by: (applicant, project, kind); a diagnosis report is one report whoever
    claims it (I-14)."""
    return ("", project_key, kind) if kind == SupportKind.DIAGNOSIS else (uscc, project_key, kind)


KIND_OF = {c.id: c.kind.value for c in CLAUSES.values()}


def kinds(table: Applications) -> np.ndarray:
    return np.array([KIND_OF[c] for c in table.values("clause").tolist()], dtype=object)


def facts_of_run(
    table: Applications, reference: ReferenceData, history: History, decided_on: date, params: PolicyParameters
) -> Facts:
    """The facts of a run's rows from the reference data in force and what earlier runs granted. Support from
    other policies is rounded to the fen as it enters (I-15)."""
    n = len(table)
    facts = no_facts(n)
    uscc, clause = table.values("uscc"), table.values("clause")
    listed = {u for u, periods in reference.blacklist.items() if is_blacklisted(reference.blacklist, u, decided_on)}
    if listed:
        facts.listed = isin(uscc, listed)
        facts.provider_listed = isin(table.values("provider_uscc"), listed)
    facts.business, facts.tax = table.flag("business_in_minhang").copy(), table.flag("tax_in_minhang").copy()
    for i in _rows_of(uscc, reference.registry):
        business, tax, since = registration_on(reference.registry, uscc[i], decided_on, facts.business[i], facts.tax[i])
        facts.business[i], facts.tax[i], facts.registry_since[i] = business, tax, since
    project, kind = project_keys(table), kinds(table)
    i15 = params.reading("I-15")
    received = {k: round_given_amount(v, i15) for k, v in reference.external_awards.items()}
    _fill(facts.received, received, _rows_of(uscc, {k[0] for k in received}), lambda i: (uscc[i], project[i], kind[i]))
    history_facts(facts, table, history)
    if reference.case_decisions:
        for i in np.flatnonzero(table.flag("major_project")).tolist():
            case = reference.case_decisions.get(table.values("application_id")[i])
            if case is not None:
                facts.case[i] = case
                facts.case_listed[i] = is_blacklisted(reference.blacklist, uscc[i], case.decided_on)
    if reference.onboardings:
        counts = onboarded_counts(reference.onboardings, reference.registry, params.reading("I-10"))
        years = table.values("claim_year")
        for i in np.flatnonzero(clause == "A5").tolist():
            facts.onboarded[i] = counts.get((uscc[i], years[i]), -1)
    return facts


def history_facts(facts: Facts, table: Applications, history: History) -> None:
    """What earlier runs granted, into the facts of a table's rows: per X-HIGHEST key, per enterprise's A2 total
    and per yearly cap, and the investment-type award that blocks a later one (X-ONEINV)."""
    n = len(table)
    uscc, clause, years = table.values("uscc"), table.values("clause"), table.values("claim_year")
    project, kind = project_keys(table), kinds(table)
    _fill(
        facts.granted,
        history.granted,
        range(n) if history.granted else (),
        lambda i: highest_key(uscc[i], project[i], kind[i]),
    )
    rent = _rent_by_enterprise(history.granted) if history.granted else {}
    _fill(facts.rent_granted, rent, _rows_of(uscc, rent), lambda i: uscc[i])
    _fill(
        facts.cap_used,
        history.yearly_used,
        range(n) if history.yearly_used else (),
        lambda i: (uscc[i], clause[i], years[i]),
    )
    investment = {c.id for c in CLAUSES.values() if c.investment_type}
    for i in _rows_of(uscc, history.investment_awards):
        if clause[i] in investment:
            award = history.investment_awards[uscc[i]]
            facts.blocker[i] = Blocker(
                f"{award.clause} award {award.amount} granted earlier in this policy cycle ({award.application_id})",
                award.case_by_case,
            )


def _rows_of(uscc: np.ndarray, wanted: Any) -> list[int]:
    return np.flatnonzero(isin(uscc, wanted)).tolist() if wanted else []


def _fill(column: np.ndarray, amounts: dict[Any, Decimal], rows: Any, key: Callable[[int], Any]) -> None:
    for i in rows:
        found = amounts.get(key(i))
        if found is not None:
            column[i] = to_fen(found)


def _rent_by_enterprise(granted: dict[tuple[str, str, str], Decimal]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for (uscc, _, kind), amount in granted.items():
        if kind == SupportKind.RENT:
            out[uscc] = out.get(uscc, Decimal(0)) + amount
    return out


def onboarded_counts(
    onboardings: list[Onboarding], registry: dict[str, list[RegistrationChange]], reading: str
) -> dict[tuple[str, int], int]:
    """I-10: per (provider, claim year) the distinct enterprises listed that count for it. An enterprise the
    registry shows outside Minhang on its onboarding day does not count; one listed by several providers in a
    year counts for the provider that onboarded it first (same day: the lower USCC), or for each of them under
    the alternative reading."""
    first: dict[tuple[str, int], tuple[date, str]] = {}
    listed: dict[tuple[str, int], set[str]] = {}
    for row in onboardings:
        business, tax, _ = registration_on(registry, row.enterprise_uscc, row.onboarded_on, True, True)
        if not (business and tax):
            continue
        key = (row.enterprise_uscc, row.claim_year)
        listed.setdefault((row.provider_uscc, row.claim_year), set()).add(row.enterprise_uscc)
        mark = (row.onboarded_on, row.provider_uscc)
        if key not in first or mark < first[key]:
            first[key] = mark
    counts: dict[tuple[str, int], int] = {}
    for (provider, year), enterprises in listed.items():
        counted = enterprises if reading == "both" else {e for e in enterprises if first[(e, year)][1] == provider}
        counts[(provider, year)] = len(counted)
    for row in onboardings:  # a provider whose every listed enterprise is out of district counts none
        counts.setdefault((row.provider_uscc, row.claim_year), 0)
    return counts


# ---------------------------------------------------------------- facts kept with a decision


def fact_record(facts: Facts, before: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    """What a decision keeps of its facts (only what differs from nothing known), with the amounts it saw
    before it (earlier runs and earlier rows of its run together)."""
    out: dict[str, Any] = {}
    if facts.listed[i]:
        out["listed"] = True
    if facts.provider_listed[i]:
        out["provider_listed"] = True
    if facts.registry_since[i] is not None:
        out["registration"] = {
            "business_in_minhang": bool(facts.business[i]),
            "tax_in_minhang": bool(facts.tax[i]),
            "effective_on": facts.registry_since[i].isoformat(),
        }
    for name, column in (("received", facts.received), *before.items()):
        if column[i]:
            out[name] = str(from_fen(int(column[i])))
    blocker = facts.blocker[i]
    if blocker is not None:
        out["blocked"] = blocker.words
        if blocker.case_by_case:
            out["blocked_by_case"] = True
    case = facts.case[i]
    if case is not None:
        out["case"] = {
            "amount": str(case.amount),
            "approved_by": case.approved_by,
            "document_ref": case.document_ref,
            "decided_on": case.decided_on.isoformat(),
        }
        if facts.case_listed[i]:
            out["case_listed"] = True
    if facts.onboarded[i] >= 0:
        out["onboarded"] = int(facts.onboarded[i])
    return out


BEFORE_FACTS = ("granted_before", "rent_granted_before", "cap_used_before", "blocked", "blocked_by_case")
"""What a decision kept of earlier decisions (``history_facts``), as opposed to the reference data it read."""


def facts_of_record(table: Applications, record: dict[str, Any]) -> Facts:
    """The facts of a one-row table from what its decision kept (``fact_record``; older records too)."""
    return facts_of_records(table, [record])


def facts_of_records(table: Applications, records: list[dict[str, Any]], reference_only: bool = False) -> Facts:
    """The facts of a table's rows from what each decision kept (``fact_record``; older records too), in the
    table's order; ``reference_only``: the reference data alone, without what earlier decisions granted
    (``BEFORE_FACTS``), for ``history_facts`` to fill in again."""
    facts = no_facts(len(table))
    facts.business, facts.tax = table.flag("business_in_minhang").copy(), table.flag("tax_in_minhang").copy()
    ids = table.values("application_id")
    for i, record in enumerate(records):
        if record:
            _kept_facts(
                facts,
                i,
                ids[i],
                {k: v for k, v in record.items() if k not in BEFORE_FACTS} if reference_only else record,
            )
    return facts


def _kept_facts(facts: Facts, i: int, application_id: str, record: dict[str, Any]) -> None:
    facts.listed[i] = bool(record.get("listed"))
    facts.provider_listed[i] = bool(record.get("provider_listed") or record.get("recipient_listed"))
    registration = record.get("registration")
    if registration:
        facts.business[i], facts.tax[i] = registration["business_in_minhang"], registration["tax_in_minhang"]
        facts.registry_since[i] = date.fromisoformat(registration["effective_on"])
    for name, column in (
        ("received", facts.received),
        ("granted_before", facts.granted),
        ("rent_granted_before", facts.rent_granted),
        ("cap_used_before", facts.cap_used),
    ):
        if name in record:
            column[i] = to_fen(Decimal(record[name]))
    if "blocked" in record:
        facts.blocker[i] = Blocker(str(record["blocked"]), bool(record.get("blocked_by_case")))
    case = record.get("case")
    if case:
        facts.case[i] = CaseDecision(
            application_id,
            Decimal(case["amount"]),
            case["approved_by"],
            case["document_ref"],
            date.fromisoformat(case["decided_on"]),
        )
        facts.case_listed[i] = bool(record.get("case_listed"))
    if "onboarded" in record:
        facts.onboarded[i] = int(record["onboarded"])
