"""Deciding a batch of applications, small or large, with one set of rules.

The steps, each over the whole table (decision order: submitted_on, application_id):

1. the appendix and the clause rules, for the rows of each clause and parameter epoch (``rules/appendix.py``,
   ``rules/clauses/*``): eligibility reasons, installments, clause caps, recipient;
2. X-CASE: a major project's amount is its recorded case decision (I-15 rounding);
3. X-ONEINV: one investment-type subsidy per enterprise (``rules/exclusivity.py``; I-4, I-16);
4. X-HIGHEST: per project and kind, or per diagnosis report, what was granted before is deducted
   (``rules/highest.py``; I-2, I-3, I-14);
5. caps shared by several applications: A2 per enterprise (I-12), A5 and A7-ALLIANCE per entity and year
   (``rules/caps.py``);
6. status and reasons: an award of 0.00 is rejected with the reason that took it there.

What a decision read from outside its application is in ``Facts``; each decision keeps those facts (with what
was granted or used before it), and ``subsidy explain`` replays it through these same steps. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from rules import appendix, caps, exclusivity, highest
from rules.clauses import (
    CLAUSES,
    YEARLY_CAPPED_KINDS,
    Assessment,
    ClauseRule,
    SupportKind,
    a1_settlement,
    a2_rent,
    a3_smart_factory,
    a4_integration,
    a5_cloud,
    a6_innovation,
    a7_platform,
    a8_diagnosis,
)
from rules.facts import Facts, kinds, project_keys
from rules.model import Reason, Status
from rules.money import fill_in_order, round_given_amount, to_fen
from rules.params import ParametersOn, PolicyParameters
from rules.table import Applications, group_codes, isin

CLAUSE_RULES: dict[str, ClauseRule] = {
    **a1_settlement.RULES,
    **a2_rent.RULES,
    **a3_smart_factory.RULES,
    **a4_integration.RULES,
    **a5_cloud.RULES,
    **a6_innovation.RULES,
    **a7_platform.RULES,
    **a8_diagnosis.RULES,
}
BIT = {r: 1 << i for i, r in enumerate(Reason)}
INVESTMENT = [c.id for c in CLAUSES.values() if c.investment_type]
YEARLY_CAPPED = [c.id for c in CLAUSES.values() if c.kind in YEARLY_CAPPED_KINDS]


def reasons_text(mask: int) -> str:
    """The ``;``-joined reason codes of a bit mask, in CONTRACT order."""
    return ";".join(r.value for r in Reason if mask & BIT[r])


@dataclass
class ClauseGroup:
    """The rows of one clause and parameter epoch, assessed together."""

    rows: np.ndarray
    clause: str
    parameters: ParametersOn
    assessment: Assessment


@dataclass
class Decisions:
    """The decisions on a table, row by row in its order (fen amounts, reason bit masks)."""

    table: Applications
    facts: Facts
    groups: list[ClauseGroup]
    status: np.ndarray
    reasons: np.ndarray
    installments: np.ndarray
    due_years: np.ndarray
    own: np.ndarray
    """What the clause itself allows (before the rules across applications)."""
    recipient: np.ndarray
    decided_on: np.ndarray
    project_key: np.ndarray
    kind: np.ndarray
    group_of: np.ndarray
    before: dict[str, np.ndarray] = field(default_factory=dict)
    """What each row's X-HIGHEST key and shared cap had used before it (earlier runs and earlier rows)."""

    @property
    def award(self) -> np.ndarray:
        return self.installments.sum(axis=1)

    def parameters_of(self, i: int) -> ParametersOn:
        return self.groups[int(self.group_of[i])].parameters


@dataclass
class Working:
    """The columns the steps fill in, row by row in decision order (fen amounts, reason bit masks)."""

    groups: list[ClauseGroup]
    group_of: np.ndarray
    amounts: np.ndarray
    due: np.ndarray
    mask: np.ndarray
    capped: np.ndarray
    recipient: np.ndarray
    shared: np.ndarray
    major: np.ndarray
    own: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    award: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    reduced: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    case_fen: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    case_granted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    before: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def eligible(self) -> np.ndarray:
        return self.mask == 0


def decide(table: Applications, facts: Facts, params: PolicyParameters, decided_on: date) -> Decisions:
    """Decide every row of ``table`` (decision order) from its facts: the steps of the module's docstring."""
    readings = {r: params.reading(r) for r in ("I-2", "I-3", "I-4", "I-12", "I-14", "I-15", "I-16")}
    w = assess_clauses(table, facts, params, decided_on)
    case_by_case(w, facts, readings)
    one_investment_subsidy(w, table, facts, readings)
    project, kind = project_keys(table), kinds(table)
    highest_support(w, table, facts, project, kind, readings)
    shared_caps(w, table, facts, readings)
    final = fill_in_order(w.amounts, np.where(w.eligible & ~w.major, w.award, 0))
    final[w.case_granted, 0] = w.case_fen[w.case_granted]
    w.due[w.case_granted, 0] = [c.decided_on.year for c in facts.case[w.case_granted].tolist()]
    status, reasons = outcome(w, final.sum(axis=1), facts)
    days = np.full(len(table), decided_on, dtype=object)
    with_case = w.major & w.eligible & _present(facts.case)
    days[with_case] = [c.decided_on for c in facts.case[with_case].tolist()]
    return Decisions(
        table,
        facts,
        w.groups,
        status,
        reasons,
        final,
        w.due,
        w.own,
        w.recipient,
        days,
        project,
        kind,
        w.group_of,
        w.before,
    )


def assess_clauses(table: Applications, facts: Facts, params: PolicyParameters, decided_on: date) -> Working:
    """Step 1: the appendix and the clause rule for the rows of each clause and parameter epoch."""
    n = len(table)
    groups = [
        assess_group(table, facts, rows, c, ParametersOn(params, day), decided_on)
        for rows, c, day in clause_groups(table, params)
    ]
    width = max([g.assessment.amounts.shape[1] for g in groups], default=1)
    w = Working(
        groups,
        np.zeros(n, dtype=np.int64),
        np.zeros((n, width), dtype=np.int64),
        np.full((n, width), decided_on.year, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=bool),
        table.values("uscc").copy(),
        np.zeros(n, dtype=np.int64),
        table.flag("major_project"),
    )
    for g, group in enumerate(groups):
        a, rows = group.assessment, group.rows
        w.amounts[rows, : a.amounts.shape[1]] = a.amounts
        w.due[rows, : a.due_years.shape[1]] = a.due_years
        for reason, where in a.reasons.items():
            w.mask[rows[where]] |= BIT[reason]
        if a.capped is not None:
            w.capped[rows] = a.capped
        if a.recipient is not None:
            w.recipient[rows] = a.recipient
        if a.shared_cap is not None:
            w.shared[rows] = a.shared_cap
        w.group_of[rows] = g
    w.amounts[w.major] = 0  # X-CASE: the formula does not apply to a major project
    w.own = w.amounts.sum(axis=1)
    w.award = w.own.copy()
    return w


def case_by_case(w: Working, facts: Facts, readings: dict[str, str]) -> None:
    """Step 2, X-CASE: a major project's amount is its recorded case decision, rounded as it enters (I-15); it is
    granted unless the appendix rejects it or the applicant is listed on the case's date."""
    w.case_fen = np.zeros(len(w.major), dtype=np.int64)
    for i in np.flatnonzero(w.major).tolist():
        case = facts.case[i]
        if case is not None:
            w.case_fen[i] = to_fen(round_given_amount(case.amount, readings["I-15"]))
    w.case_granted = w.major & w.eligible & (w.case_fen > 0) & ~facts.case_listed


def one_investment_subsidy(w: Working, table: Applications, facts: Facts, readings: dict[str, str]) -> None:
    """Step 3, X-ONEINV: each contender at what it would be granted after earlier runs and other policies."""
    eligible = w.eligible
    provisional = np.where(eligible, np.minimum(w.own, np.maximum(w.own - facts.granted - facts.received, 0)), 0)
    blockers = exclusivity.investment_exclusivity(
        table.values("uscc"),
        table.values("clause"),
        table.values("application_id"),
        isin(table.values("clause"), INVESTMENT),
        np.where(w.major, np.where(w.case_granted, w.case_fen, 0), provisional),
        w.major,
        w.major & ~_present(facts.case),
        facts.blocker,
        readings,
    )
    blocked = _present(blockers)
    w.mask[blocked] |= BIT[Reason.INVESTMENT_LIMIT]
    facts.blocker = blockers  # kept with the decisions: what blocked each
    w.case_granted &= ~blocked


def highest_support(
    w: Working, table: Applications, facts: Facts, project: np.ndarray, kind: np.ndarray, readings: dict[str, str]
) -> None:
    """Step 4, X-HIGHEST: per (applicant, project, kind), or per diagnosis report (I-14), the running maximum of
    what was asked before, and what earlier runs granted, is deducted (I-2), with support from other policies
    (I-3). Case decisions count at their amount; yearly claims are bounded by their caps instead."""
    uscc, eligible = table.values("uscc"), w.eligible
    in_scope = ~isin(kind, [k.value for k in YEARLY_CAPPED_KINDS])
    if readings["I-14"] == "per_application":
        in_scope &= kind != SupportKind.DIAGNOSIS.value
    keys = group_codes(np.where(kind == SupportKind.DIAGNOSIS.value, "", uscc), project, kind)
    formula = np.where(eligible, np.maximum(w.own - facts.received, 0), 0)
    asked = np.where(w.major, np.where(w.case_granted, w.case_fen, 0), formula)
    before = highest.granted_before(keys, np.where(in_scope, asked, 0), facts.granted)
    limited = in_scope & eligible & ~w.major
    w.award = np.where(limited, highest.already_supported(w.own, before, facts.received, readings), w.own)
    w.reduced = limited & (w.award < w.own)
    w.before["granted_before"] = np.where(limited, before, 0)


def shared_caps(w: Working, table: Applications, facts: Facts, readings: dict[str, str]) -> None:
    """Step 5: caps shared by several applications, filled in decision order across runs: A2's per enterprise
    (I-12), A5's and A7-ALLIANCE's per entity and claim year."""
    clause, uscc = table.values("clause"), table.values("uscc")
    rent = clause == "A2"
    sharing = w.eligible & ~w.major & ((rent & (readings["I-12"] == "per_enterprise")) | isin(clause, YEARLY_CAPPED))
    groups = group_codes(clause, uscc, np.where(rent, 0, table.integers("claim_year")))
    earlier = np.where(rent, facts.rent_granted, facts.cap_used)
    allowed, used = caps.shared_cap(groups, np.where(sharing, w.award, 0), earlier, np.where(sharing, w.shared, 0))
    w.capped |= sharing & (allowed < w.award)
    w.award = np.where(sharing, allowed, w.award)
    w.before["rent_granted_before"] = np.where(sharing & rent, used, 0)
    w.before["cap_used_before"] = np.where(sharing & ~rent, used, 0)


def _present(values: np.ndarray) -> np.ndarray:
    return np.array([v is not None for v in values.tolist()], dtype=bool)


def outcome(w: Working, total: np.ndarray, facts: Facts) -> tuple[np.ndarray, np.ndarray]:
    """Step 6, status and reasons: an eligible award of 0.00 is rejected with the reason that took it there
    (CAPPED when nothing else); X-CASE: a major project waits as manual until its case decision, and is rejected
    when listed on the case's date or decided at 0.00."""
    eligible, major = w.eligible, w.major
    flags = np.where(w.capped, BIT[Reason.CAPPED], 0) | np.where(w.reduced, BIT[Reason.ALREADY_SUPPORTED], 0)
    approved = eligible & ~major & (total > 0)
    reasons = np.where(eligible & ~major, np.where((flags == 0) & ~approved, BIT[Reason.CAPPED], flags), w.mask)
    status = np.full(len(approved), Status.REJECTED.value, dtype=object)  # one text shared by the rows
    status[approved] = Status.APPROVED.value
    has_case = _present(facts.case)
    waiting = major & eligible & ~has_case
    status[waiting] = Status.MANUAL.value
    reasons[waiting] = BIT[Reason.CASE_BY_CASE]
    reasons[major & eligible & has_case & facts.case_listed] = BIT[Reason.BLACKLISTED]
    reasons[major & eligible & has_case & ~facts.case_listed] = BIT[Reason.CASE_BY_CASE]
    status[w.case_granted] = Status.APPROVED.value
    return status, reasons


def clause_groups(table: Applications, params: PolicyParameters) -> list[tuple[np.ndarray, str, date]]:
    """The rows of each clause and parameter epoch (rows whose submission days read the same parameters), with
    a day of the epoch to read them on."""
    days = table.values("submitted_on")
    day_codes, distinct = _factorize(days)
    epochs: dict[tuple[int, ...], int] = {}
    epoch_of_day = np.array([epochs.setdefault(params.epoch(d), len(epochs)) for d in distinct], dtype=np.int64)
    clause_codes, clauses = _factorize(table.values("clause"))
    combined = clause_codes * (len(epochs) + 1) + epoch_of_day[day_codes]
    out = []
    for code in np.unique(combined).tolist():
        rows = np.flatnonzero(combined == code)
        out.append((rows, clauses[clause_codes[rows[0]]], days[rows[0]]))
    return out


def _factorize(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    return codes.astype(np.int64), list(uniques)


def assess_group(
    table: Applications, facts: Facts, rows: np.ndarray, clause: str, p: ParametersOn, decided_on: date
) -> ClauseGroup:
    """The appendix and the clause rule for the rows of one clause and epoch."""
    sub, f = table.take(rows), facts.take(rows)
    assessment = CLAUSE_RULES[clause].assess(sub, p, decided_on, f)
    recipient = assessment.recipient if assessment.recipient is not None else sub.values("uscc")
    major = sub.flag("major_project")
    clause_reasons = {r: w & ~major for r, w in assessment.reasons.items()}
    assessment.reasons = {
        Reason.OUTSIDE_VALIDITY: appendix.validity(sub, p, decided_on, clause),
        Reason.EXCLUDED_ENTITY: appendix.excluded_entity(sub, p),
        Reason.OUT_OF_SCOPE: appendix.out_of_scope(sub, f, p),
        Reason.FIELD_NOT_IN_PLAN: appendix.field_not_in_plan(sub, p),
        Reason.BLACKLISTED: appendix.blacklisted(sub, f, recipient, p),
        Reason.NOT_CERTIFIED: appendix.not_certified(sub) & ~major,
        **clause_reasons,
    }
    for reading in readings_across(clause, bool(major.any())):
        p.reading(reading)
    return ClauseGroup(rows, clause, p, assessment)


def readings_across(clause: str, has_major: bool) -> tuple[str, ...]:
    """The readings the rules across applications apply to a clause's rows (kept with their parameters)."""
    c = CLAUSES[clause]
    out: tuple[str, ...] = ()
    if c.investment_type:
        out += exclusivity.READINGS
    if c.kind == SupportKind.DIAGNOSIS:
        out += ("I-14",)
    elif c.kind not in YEARLY_CAPPED_KINDS:
        out += highest.READINGS
    if clause == "A2":
        out += ("I-12",)
    if has_major:
        out += ("I-15",)
    return out
