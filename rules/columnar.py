"""The batch path of the decision rules: the rules of ``rules/decide.py`` computed column by column.

``rules/decide.py`` is the reference: one application at a time, with a full trace. For a large batch the same
rules run here over whole columns (integer fen, exact: amounts are whole fen and rates exact fractions, rounded
half-up once per installment, I-9). Every rule across applications is keyed by the applicant (X-ONEINV per
enterprise; X-HIGHEST per (uscc, project, kind); per-year caps per (uscc, clause, claim year)), so enterprises
are independent of each other: an enterprise with anything this path does not cover — a major project (X-CASE),
a registry row, an award from another policy, an amount finer than a fen, a reading other than those below — is
decided by the reference path instead, with all its applications. Tests hold both paths to the same outcomes.

X-HIGHEST in decision order pays ``max(0, own − granted before)``, so what a key has granted after each
application is the running maximum of the eligible amounts (and what was granted before the batch); a per-year
cap used after each application is ``min(cap, used before + running sum)``. Both are group-wise scans.

Each decision keeps the facts its rules read from outside the application itself (blacklist hits, granted and
cap used before it, what blocks it under X-ONEINV): ``replay`` decides it again from them with the reference
path, which gives ``subsidy explain`` the full trace.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from rules.clauses import CLAUSES, YEARLY_CLAIM_KINDS
from rules.decide import Finisher, assess, decide_batch
from rules.model import (
    APPLICATION_FIELDS,
    Application,
    Decision,
    History,
    ListingPeriod,
    Reason,
    ReferenceData,
    Status,
    application_from_row,
)
from rules.money import to_fen
from rules.params import PolicyParameters

# Readings this path implements; any other selected reading sends the whole batch to the reference path.
SUPPORTED_READINGS = {
    "I-1": {"registration_rule_only"},
    "I-2": {"pay_difference"},
    "I-4": {"highest", "first_come"},
    "I-5": {"replace", "add"},
    "I-7": {"submitted_within_validity", "stop_at_expiry"},
    "I-8": {"calendar_year_of_start"},
    "I-9": {"half_up_to_fen_per_installment", "half_up_to_yuan_per_installment"},
}
AMOUNT_COLUMNS = (
    "fixed_asset_investment",
    "rd_expense",
    "equipment_investment",
    "paid_in_capital",
    "financing",
    "annual_rent",
    "investment",
    "activity_cost",
)
MAX_FEN = 10**14  # 1,000,000,000,000 CNY, the largest valid amount (CONTRACT.md)
BIT = {r: 1 << i for i, r in enumerate(Reason)}
INVESTMENT = {c.id for c in CLAUSES.values() if c.investment_type}
YEARLY = {c.id for c in CLAUSES.values() if c.kind in YEARLY_CLAIM_KINDS}
YEARLY_CAP = {"A5": "A5.yearly_cap", "A7-ALLIANCE": "A7.alliance_yearly_cap"}
LEVEL_AWARD = {"A3-TITLE": "A3.title_award_", "A6-TITLE": "A6.title_award_", "A4-CERT": "A4.cert_award_"}
FIXED_AWARD = {"A4-PILOT": "A4.pilot_award", "A7-START": "A7.startup_award"}
INVESTMENT_SHARE = {"A3-INV": "A3", "A6-INV": "A6"}
APPENDIX_KEYS = (
    "X.validity_start",
    "X.validity_end",
    "X.excluded_entity_types",
    "X.registration_exempt_entity_types",
    "X.fields_in_plan",
)
CLAUSE_KEYS = {
    "A1": ("A1.min_fixed_asset_investment", "A1.rate", "A1.cap", "I-9"),
    "A2": (
        "A2.min_paid_in_capital",
        "A2.min_headcount",
        "A2.min_financing",
        "A2.yearly_rates",
        "A2.cumulative_cap",
        "I-9",
        "I-8",
    ),
    "A3-INV": ("A3.investment_rate", "A3.investment_cap", "I-9"),
    "A6-INV": ("A6.investment_rate", "A6.investment_cap", "I-9"),
    "A4-PILOT": ("A4.pilot_award", "I-9"),
    "A7-START": ("A7.startup_award", "I-9"),
    "A5": ("A5.per_enterprise", "A5.yearly_cap", "I-9", "I-10"),
    "A7-SITE": ("A7.site_yearly_cap", "A7.site_years", "I-9", "I-8"),
    "A7-ALLIANCE": ("A7.alliance_yearly_cap", "I-9"),
    "A8": ("A8.report_award", "A8.adopted_report_award", "I-5", "I-9"),
}


def reasons_text(mask: int) -> str:
    """The ``;``-joined reason codes of a bit mask, in CONTRACT order."""
    return ";".join(r.value for r in Reason if mask & BIT[r])


@dataclass
class BatchDecisions:
    """Decisions of the batch path, one entry per application, in decision order."""

    frame: pd.DataFrame
    """application_id, clause, uscc, status, reasons, award_fen, recipient_uscc, kind, project_key, claim_year,
    submitted_on, facts (JSON text of the replay facts), parameter_set (shared dict per clause)."""
    installments: pd.DataFrame
    """application_id, number, due_year, amount_fen, clause, recipient_uscc — approved decisions only."""


@dataclass
class Split:
    """Which rows of a batch the batch path decides (``fast``, a boolean mask) and why the others are not."""

    fast: np.ndarray
    why_not: str = ""
    usccs_elsewhere: set[str] = field(default_factory=set)


def _readings_supported(params: PolicyParameters) -> str:
    for iid, readings in SUPPORTED_READINGS.items():
        if params.reading(iid) not in readings:
            return f"{iid} reading {params.reading(iid)!r}"
    return ""


def _one_epoch(params: PolicyParameters, days: Iterable[date]) -> str:
    """'' when every parameter has one value over all of ``days`` (the batch path reads each once)."""
    days = list(days)
    if not days:
        return ""
    first, last = min(days), max(days)
    for key, parameter in params.parameters.items():
        lo = bisect.bisect_right(parameter.dates, max(first, parameter.dates[0])) - 1
        hi = bisect.bisect_right(parameter.dates, max(last, parameter.dates[0])) - 1
        if lo != hi:
            return f"parameter {key} changes within the batch's submission days"
    return ""


def _fen_column(values: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Amounts as integer fen, whether given, and whether whole fen within range (else not for this path)."""
    n = len(values)
    fen = np.zeros(n, dtype=np.int64)
    given = np.zeros(n, dtype=bool)
    ok = np.ones(n, dtype=bool)
    present = np.flatnonzero(pd.notna(np.asarray(values, dtype=object)))
    for i in present.tolist():
        f = values[i] * 100
        if f != f.to_integral_value() or not 0 <= f <= MAX_FEN:
            ok[i] = False
            continue
        fen[i] = int(f)
        given[i] = True
    return fen, given, ok


Amounts = dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
"""Per amount column: ``_fen_column`` of it (fen, given, whole fen within range)."""


def amounts_in_fen(frame: pd.DataFrame) -> Amounts:
    return {name: _fen_column(frame[name].tolist()) for name in AMOUNT_COLUMNS}


def split_batch(
    frame: pd.DataFrame,
    reference: ReferenceData,
    params: PolicyParameters,
    extra_usccs: set[str],
    fen_columns: Amounts | None = None,
) -> Split:
    """Rows the batch path may decide: those of enterprises with nothing it leaves to the reference path."""
    n = len(frame)
    why = _readings_supported(params) or _one_epoch(params, set(frame["submitted_on"].tolist()))
    if why:
        return Split(np.zeros(n, dtype=bool), why)
    unusual = np.zeros(n, dtype=bool)
    unusual |= frame["major_project"].to_numpy(dtype=object) == True  # noqa: E712 (object column of bool/None)
    for _, _, ok in (fen_columns or amounts_in_fen(frame)).values():
        unusual |= ~ok
    clause = frame["clause"].to_numpy(dtype=object)
    needs_lease = _isin(clause, ["A2", "A7-SITE"])
    unusual |= needs_lease & (pd.isna(frame["annual_rent"]).to_numpy() | pd.isna(frame["lease_start"]).to_numpy())
    unusual |= _isin(clause, list(LEVEL_AWARD)) & pd.isna(
        np.where(
            clause == "A4-CERT", frame["cert_level"].to_numpy(dtype=object), frame["title_level"].to_numpy(dtype=object)
        )
    )
    unusual |= _isin(clause, list(YEARLY_CAP)) & pd.isna(frame["claim_year"]).to_numpy()
    uscc = frame["uscc"].to_numpy(dtype=object)
    referenced = set(reference.registry) | {k[0] for k in reference.external_awards} | extra_usccs
    unusual |= _isin(uscc, referenced)
    elsewhere = set(uscc[unusual].tolist()) | extra_usccs
    fast = ~_isin(uscc, elsewhere)
    return Split(fast, "", elsewhere)


def _round(numerator: np.ndarray, denominator: int, to_yuan: bool) -> np.ndarray:
    """numerator / denominator fen, rounded half-up to the fen (or to the yuan), for non-negative values."""
    if to_yuan:
        return (2 * numerator + 100 * denominator) // (200 * denominator) * 100
    return (2 * numerator + denominator) // (2 * denominator)


def _ratio(value: Decimal) -> tuple[int, int]:
    p, q = value.as_integer_ratio()
    return int(p), int(q)


def _fill_in_order(amounts: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Per row, pay the installments in order until ``limit`` is used up (the later ones are cut)."""
    out = np.zeros_like(amounts)
    remaining = np.maximum(limit, 0)
    for k in range(amounts.shape[1]):
        paid = np.minimum(amounts[:, k], remaining)
        out[:, k] = paid
        remaining = remaining - paid
    return out


def _previous_in_group(values: np.ndarray, codes: np.ndarray, how: str) -> np.ndarray:
    """For each row (in decision order) the running max or sum of ``values`` over the earlier rows of its group."""
    s = pd.Series(values)
    g = s.groupby(codes, sort=False)
    running = g.cummax() if how == "max" else g.cumsum()
    return (
        (running - s).to_numpy()
        if how == "sum"
        else running.groupby(codes, sort=False).shift(1).fillna(0).to_numpy(dtype=np.int64)
    )


def decide_columns(
    frame: pd.DataFrame,
    reference: ReferenceData,
    history: History,
    params: PolicyParameters,
    decided_on: date,
    fen_columns: Amounts | None = None,
) -> BatchDecisions:
    """Decide the rows of ``frame`` (all of the batch path's: see ``split_batch``) in decision order.
    ``fen_columns``: ``amounts_in_fen(frame)`` when the caller has it already."""
    order = decision_order(frame["submitted_on"].to_numpy(dtype=object), frame["application_id"].to_numpy(dtype=object))
    n = len(frame)
    col = {name: frame[name].to_numpy(dtype=object)[order] for name in APPLICATION_FIELDS if name in frame.columns}
    clause, uscc = col["clause"], col["uscc"]
    day = min(col["submitted_on"]) if n else decided_on

    def p(key: str) -> Any:
        return params.traced(key, day)[0]

    def reading(iid: str) -> str:
        return params.reading(iid)

    to_yuan = reading("I-9") == "half_up_to_yuan_per_installment"
    mask = np.zeros(n, dtype=np.int64)

    def flag(reason: Reason, where: np.ndarray) -> None:
        mask[where] |= BIT[reason]

    # --- pass 1: the appendix and the clause rules, each application alone
    submitted = np.array([d.toordinal() for d in col["submitted_on"]], dtype=np.int64)
    start, end = p("X.validity_start"), p("X.validity_end")
    outside = (submitted < start.toordinal()) | (submitted > end.toordinal())
    if decided_on > end and reading("I-7") == "stop_at_expiry":
        outside[:] = True
    flag(Reason.OUTSIDE_VALIDITY, outside)
    entity = np.where(pd.isna(col["entity_type"]), "enterprise", col["entity_type"]).astype(object)
    flag(Reason.EXCLUDED_ENTITY, _isin(entity, list(p("X.excluded_entity_types"))))
    exempt = _isin(entity, list(p("X.registration_exempt_entity_types")))
    registered_business = col["business_in_minhang"] == True  # noqa: E712
    registered_tax = col["tax_in_minhang"] == True  # noqa: E712
    provider_registered = col["provider_in_minhang"] == True  # noqa: E712
    registered = registered_business & registered_tax
    flag(Reason.OUT_OF_SCOPE, ~exempt & ~registered)
    flag(Reason.FIELD_NOT_IN_PLAN, ~_isin(col["field"], list(p("X.fields_in_plan"))))
    listed_usccs = [u for u, periods in reference.blacklist.items() if _listed(periods, decided_on)]
    listed = _isin(uscc, listed_usccs)
    flag(Reason.BLACKLISTED, listed)
    flag(Reason.NOT_CERTIFIED, col["certified"] != True)  # noqa: E712

    fen = {name: (f[order], given[order]) for name, (f, given, _) in (fen_columns or amounts_in_fen(frame)).items()}
    width = max(len(p("A2.yearly_rates")), int(p("A7.site_years")), 1)
    amounts = np.zeros((n, width), dtype=np.int64)
    due = np.full((n, width), decided_on.year, dtype=np.int64)
    capped = np.zeros(n, dtype=bool)
    recipient = uscc.copy()

    def rows(*ids: str) -> np.ndarray:
        return _isin(clause, list(ids))

    def lease_years(where: np.ndarray, count: int) -> None:
        start_year = np.array([d.year if d is not None else 0 for d in col["lease_start"][where]], dtype=np.int64)
        for k in range(count):
            due[where, k] = np.maximum(decided_on.year, start_year + k)

    # A1: 10 % of R&D and equipment investment, at most 10,000,000; fixed-asset investment at least 50,000,000.
    w = rows("A1")
    if w.any():
        fa, fa_given = fen["fixed_asset_investment"]
        flag(Reason.BELOW_THRESHOLD, w & (~fa_given | (fa < _to_fen(p("A1.min_fixed_asset_investment")))))
        num, den = _ratio(p("A1.rate"))
        gross = _round((fen["rd_expense"][0] + fen["equipment_investment"][0]) * num, den, to_yuan)
        cap = _to_fen(p("A1.cap"))
        capped |= w & (gross > cap)
        amounts[w, 0] = np.minimum(gross, cap)[w]
    # A3-INV, A6-INV: a share of the investment with a cap.
    for cid, prefix in INVESTMENT_SHARE.items():
        w = rows(cid)
        if w.any():
            num, den = _ratio(p(f"{prefix}.investment_rate"))
            gross = _round(fen["investment"][0] * num, den, to_yuan)
            cap = _to_fen(p(f"{prefix}.investment_cap"))
            capped |= w & (gross > cap)
            amounts[w, 0] = np.minimum(gross, cap)[w]
    # A2: thresholds; 100 % / 100 % / 50 % of the year's rent, then the cumulative cap filled in order.
    w = rows("A2")
    if w.any():
        below = np.zeros(n, dtype=bool)
        for name, key in (("paid_in_capital", "A2.min_paid_in_capital"), ("financing", "A2.min_financing")):
            value, given = fen[name]
            below |= ~given | (value < _to_fen(p(key)))
        headcount = col["headcount"]
        minimum = p("A2.min_headcount")
        below |= np.array([h is None or h < minimum for h in headcount], dtype=bool)
        flag(Reason.BELOW_THRESHOLD, w & below)
        rates = p("A2.yearly_rates")
        gross = np.zeros((n, width), dtype=np.int64)
        for k, rate in enumerate(rates):
            num, den = _ratio(rate)
            gross[:, k] = _round(fen["annual_rent"][0] * num, den, to_yuan)
        cap = _to_fen(p("A2.cumulative_cap"))
        filled = _fill_in_order(gross, np.full(n, cap, dtype=np.int64))
        capped |= w & (gross.sum(axis=1) > cap)
        amounts[w] = filled[w]
        lease_years(w, len(rates))
    # A7-SITE: the yearly site cost, at most 500,000 a year, for the first three years.
    w = rows("A7-SITE")
    if w.any():
        yearly = _round(fen["annual_rent"][0], 1, to_yuan)
        cap = _to_fen(p("A7.site_yearly_cap"))
        years = int(p("A7.site_years"))
        capped |= w & (yearly > cap)
        for k in range(years):
            amounts[w, k] = np.minimum(yearly, cap)[w]
        lease_years(w, years)
    # Fixed one-time awards (titles and certification levels by level).
    for cid, key in FIXED_AWARD.items():
        w = rows(cid)
        if w.any():
            amounts[w, 0] = _round(np.array([_to_fen(p(key))]), 1, to_yuan)[0]
    for cid, prefix in LEVEL_AWARD.items():
        w = rows(cid)
        if w.any():
            levels = col["cert_level"] if cid == "A4-CERT" else col["title_level"]
            for level in set(levels[w].tolist()):
                lw = w & (levels == level)
                amounts[lw, 0] = _round(np.array([_to_fen(p(prefix + level))]), 1, to_yuan)[0]
    # A5: 500 per onboarded enterprise (per-year cap below).
    w = rows("A5")
    if w.any():
        count = np.array([c or 0 for c in col["onboarded_count"]], dtype=np.int64)
        amounts[w, 0] = _round(_to_fen(p("A5.per_enterprise")) * count, 1, to_yuan)[w]
    # A7-ALLIANCE: the actual activity cost (per-year cap below).
    w = rows("A7-ALLIANCE")
    if w.any():
        amounts[w, 0] = _round(fen["activity_cost"][0], 1, to_yuan)[w]
    # A8: 40,000 per report, 80,000 when adopted (I-5); paid to a provider registered in Minhang.
    w = rows("A8")
    if w.any():
        report, adopted_award = _to_fen(p("A8.report_award")), _to_fen(p("A8.adopted_report_award"))
        adopted_gross = adopted_award + report if reading("I-5") == "add" else adopted_award
        adopted = col["adopted"] == True  # noqa: E712
        amounts[w, 0] = _round(np.where(adopted, adopted_gross, report), 1, to_yuan)[w]
        to_provider = w & (col["provider_in_minhang"] == True) & ~pd.isna(col["provider_uscc"])  # noqa: E712
        recipient[to_provider] = col["provider_uscc"][to_provider]
    other = recipient != uscc
    recipient_listed = other & _isin(recipient, listed_usccs)
    flag(Reason.BLACKLISTED, recipient_listed)

    # --- pass 2: X-ONEINV, one investment-type award per enterprise (I-4)
    own = amounts.sum(axis=1)
    project = np.where(pd.isna(col["project_id"]), uscc, col["project_id"]).astype(object)
    kind = pd.Series(clause, dtype=object).map({c.id: c.kind.value for c in CLAUSES.values()}).to_numpy(dtype=object)
    blocked: dict[int, str] = {}
    inv = np.flatnonzero(_isin(clause, list(INVESTMENT)))
    if len(inv):
        blocked = _investment_exclusivity(inv, col, own, mask, project, kind, history, params)
    for i in blocked:
        mask[i] |= BIT[Reason.INVESTMENT_LIMIT]

    # --- pass 3: X-HIGHEST and per-year caps, in decision order
    eligible = mask == 0
    award = np.where(eligible, own, 0)
    granted_before = np.zeros(n, dtype=np.int64)
    used_before = np.zeros(n, dtype=np.int64)
    reduced = np.zeros(n, dtype=bool)
    one_off = ~_isin(clause, list(YEARLY))
    uscc_codes = pd.factorize(pd.Series(uscc, dtype=object))[0]
    if one_off.any():
        codes = group_codes(uscc_codes, project, kind)
        granted = history.granted
        earlier = (
            np.array(
                [0 if (g := granted.get(key)) is None else _to_fen(g) for key in zip(uscc, project, kind, strict=True)],
                dtype=np.int64,
            )
            if granted
            else np.zeros(n, dtype=np.int64)
        )
        running = _previous_in_group(np.where(eligible & one_off, own, 0), codes, "max")
        granted_before = np.maximum(earlier, running)
        limit = np.maximum(own - granted_before, 0)
        reduced = eligible & one_off & (limit < own)
        award = np.where(eligible & one_off, np.minimum(own, limit), award)
    for cid, key in YEARLY_CAP.items():
        w = (clause == cid) & eligible
        if not w.any():
            continue
        cap = _to_fen(p(key))
        years = col["claim_year"]
        codes = group_codes(uscc_codes, years)
        earlier = np.zeros(n, dtype=np.int64)  # what earlier runs used of the cap: only this clause's rows count
        if history.yearly_used:
            rows_w = np.flatnonzero(w)
            used_earlier = history.yearly_used
            earlier[rows_w] = [
                0 if (u := used_earlier.get((uscc[i], cid, int(years[i] or 0)))) is None else _to_fen(u)
                for i in rows_w.tolist()
            ]
        before = _previous_in_group(np.where(w, own, 0), codes, "sum")
        used = np.where(earlier >= cap, earlier, np.minimum(cap, earlier + before))
        remaining = np.maximum(cap - used, 0)
        capped |= w & (own > remaining)
        award = np.where(w, np.minimum(own, remaining), award)
        used_before = np.where(w, used, used_before)
    final = _fill_in_order(amounts, award)
    total = final.sum(axis=1)
    flags = np.where(capped, BIT[Reason.CAPPED], 0) | np.where(reduced, BIT[Reason.ALREADY_SUPPORTED], 0)
    approved = eligible & (total > 0)
    reasons_mask = np.where(eligible, np.where(approved, flags, np.where(flags > 0, flags, BIT[Reason.CAPPED])), mask)
    texts = {m: reasons_text(int(m)) for m in np.unique(reasons_mask)}

    facts = _facts(n, listed, recipient_listed, granted_before, used_before, eligible, one_off, blocked)
    parameter_sets = _parameter_sets(params, day, decided_on, clause, col, entity, exempt)
    out = pd.DataFrame(
        {
            "application_id": col["application_id"],
            "clause": clause,
            "uscc": uscc,
            "status": np.where(approved, Status.APPROVED.value, Status.REJECTED.value),
            "reasons": [texts[m] for m in reasons_mask],
            "award_fen": total,
            "recipient_uscc": recipient,
            "kind": kind,
            "project_key": project,
            "claim_year": col["claim_year"],
            "submitted_on": col["submitted_on"],
            "facts": facts,
            "parameter_set": parameter_sets,
            "recipient_entity_type": np.where(other, "enterprise", entity),
            "recipient_business_in_minhang": np.where(other, provider_registered, registered_business),
            "recipient_tax_in_minhang": np.where(other, provider_registered, registered_tax),
        }
    )
    rows_i, ks = np.nonzero((final > 0) & approved[:, None])
    installments = pd.DataFrame(
        {
            "application_id": col["application_id"][rows_i],
            "number": ks + 1,
            "due_year": due[rows_i, ks],
            "amount_fen": final[rows_i, ks],
            "clause": clause[rows_i],
            "recipient_uscc": recipient[rows_i],
        }
    )
    return BatchDecisions(out, installments)


def decision_order(submitted_on: np.ndarray, application_id: np.ndarray) -> np.ndarray:
    """Positions in decision order, (submitted_on, application_id), without copying the rows."""
    days = np.fromiter((d.toordinal() for d in submitted_on), dtype=np.int64, count=len(submitted_on))
    ids = pd.factorize(pd.Series(application_id, dtype=object), sort=True)[0].astype(np.int64)
    return np.lexsort((ids, days))


def group_codes(*keys: np.ndarray) -> np.ndarray:
    """One integer per distinct combination of ``keys`` (columns of equal length), without building strings."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        series = pd.Series(key) if key.dtype.kind in "iu" else pd.Series(key, dtype=object)
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
        combined = pd.factorize(combined * (len(uniques) + 1) + codes)[0].astype(np.int64)
    return combined


def _isin(values: np.ndarray, wanted: Iterable[Any]) -> np.ndarray:
    """Membership by hashing (``np.isin`` sorts object arrays)."""
    return pd.Series(values, dtype=object, copy=False).isin(list(wanted)).to_numpy(dtype=bool)


def _to_fen(value: Decimal) -> int:
    return int(value * 100)


def _listed(periods: Iterable[Any], day: date) -> bool:
    return any(p.listed_on <= day and (p.removed_on is None or day < p.removed_on) for p in periods)


def _investment_exclusivity(
    rows: np.ndarray,
    col: dict[str, np.ndarray],
    own: np.ndarray,
    mask: np.ndarray,
    project: np.ndarray,
    kind: np.ndarray,
    history: History,
    params: PolicyParameters,
) -> dict[int, str]:
    """X-ONEINV over the investment-type rows (in decision order): the message of what blocks each blocked row
    (the same words as ``rules.decide.investment_exclusivity``)."""
    first_come = params.reading("I-4") == "first_come"
    by_enterprise: dict[str, list[int]] = {}
    for i in rows.tolist():
        by_enterprise.setdefault(col["uscc"][i], []).append(i)
    blocked: dict[int, str] = {}
    for uscc, group in by_enterprise.items():
        earlier = history.investment_awards.get(uscc)
        if earlier is not None:
            for i in group:
                blocked[i] = f"{earlier[1]} award {earlier[2]} granted earlier in this policy cycle ({earlier[0]})"
            continue
        contenders = []
        for i in group:
            if mask[i] or own[i] <= 0:
                continue
            granted = _to_fen(history.granted.get((uscc, project[i], kind[i]), Decimal(0)))
            amount = min(own[i], max(0, own[i] - granted))
            if amount > 0:
                contenders.append((i, amount))
        if not contenders:
            continue
        winner, amount = contenders[0] if first_come else max(contenders, key=lambda c: c[1])
        words = (
            f"{col['clause'][winner]} application {col['application_id'][winner]} ({_cny(int(amount))}) is this "
            "enterprise's one investment-type subsidy"
        )
        for i in group:
            if i != winner:
                blocked[i] = words
    return blocked


def _cny(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _facts(
    n: int,
    listed: np.ndarray,
    recipient_listed: np.ndarray,
    granted_before: np.ndarray,
    used_before: np.ndarray,
    eligible: np.ndarray,
    one_off: np.ndarray,
    blocked: dict[int, str],
) -> list[str]:
    """Per decision, the JSON text of what its rules read beyond the application (empty ``{}`` for most)."""
    out = ["{}"] * n
    special = listed | recipient_listed | (eligible & ((granted_before > 0) & one_off | (used_before > 0)))
    for i in set(np.flatnonzero(special).tolist()) | set(blocked):
        f: dict[str, Any] = {}
        if listed[i]:
            f["listed"] = True
        if recipient_listed[i]:
            f["recipient_listed"] = True
        if eligible[i] and one_off[i] and granted_before[i] > 0:
            f["granted_before"] = _cny(int(granted_before[i]))
        if eligible[i] and used_before[i] > 0:
            f["cap_used_before"] = _cny(int(used_before[i]))
        if i in blocked:
            f["blocked"] = blocked[i]
        out[i] = json.dumps(f, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return out


def _parameter_sets(
    params: PolicyParameters,
    day: date,
    decided_on: date,
    clause: np.ndarray,
    col: dict[str, np.ndarray],
    entity: np.ndarray,
    exempt: np.ndarray,
) -> list[dict[str, Any]]:
    """Per decision, the parameter records in force for its clause (one shared dict per clause and level)."""
    base = list(APPENDIX_KEYS)
    if decided_on > params.traced("X.validity_end", day)[0]:
        base.append("I-7")
    cache: dict[tuple[str, str | None, bool], dict[str, Any]] = {}
    levels = np.where(clause == "A4-CERT", col["cert_level"], col["title_level"])
    out: list[dict[str, Any]] = []
    for c, level, ex in zip(clause.tolist(), levels.tolist(), exempt.tolist(), strict=True):
        key = (c, level if c in LEVEL_AWARD else None, ex)
        found = cache.get(key)
        if found is None:
            names = base + (["I-1"] if ex else [])
            if c in LEVEL_AWARD:
                names += [LEVEL_AWARD[c] + str(level), "I-9"]
            else:
                names += list(CLAUSE_KEYS[c])
            found = cache[key] = {
                name: (params.traced_reading(name)[1] if name.startswith("I-") else params.traced(name, day)[1])
                for name in names
            }
        out.append(found)
    return out


def applications_from_frame(frame: pd.DataFrame) -> list[Application]:
    """The rows of a validated frame as Applications (values already typed; None for empty)."""
    names = [n for n in APPLICATION_FIELDS if n in frame.columns]
    columns = [frame[n].tolist() for n in names]
    return [application_from_row(dict(zip(names, values, strict=True))) for values in zip(*columns, strict=True)]


RECIPIENT_COLUMNS = ["recipient_entity_type", "recipient_business_in_minhang", "recipient_tax_in_minhang"]
DECISION_COLUMNS = [
    "application_id",
    "clause",
    "uscc",
    "status",
    "reasons",
    "award_fen",
    "recipient_uscc",
    "decided_on",
    "kind",
    "project_key",
    "claim_year",
    "submitted_on",
    "trace",
    "parameter_set",
    *RECIPIENT_COLUMNS,
]
INSTALLMENT_COLUMNS = ["application_id", "number", "due_year", "amount_fen", "clause", "recipient_uscc"]


def _trace_texts(submitted_on: Iterable[date], facts: Iterable[str]) -> list[str]:
    return [f'{{"parameters_on":"{d.isoformat()}","replay":{f}}}' for d, f in zip(submitted_on, facts, strict=True)]


def recipient_registration(app: Application, recipient: str | None) -> tuple[str, bool, bool]:
    """What the application says of its recipient's registration: the applicant's own entity type and flags, or
    for an A8 provider paid directly, an enterprise registered in Minhang as ``provider_in_minhang`` says."""
    if recipient and recipient != app.uscc:
        return "enterprise", app.provider_in_minhang is True, app.provider_in_minhang is True
    return app.entity_type or "enterprise", app.business_in_minhang is True, app.tax_in_minhang is True


def _reference_table(decisions: list[Decision], applications: dict[str, Application]) -> BatchDecisions:
    """Decisions of the reference path in the batch path's shape (traces whole, as JSON text)."""
    rows: list[tuple[Any, ...]] = []
    installments: list[tuple[Any, ...]] = []
    for d in decisions:
        app = applications[d.application_id]
        trace = {k: v for k, v in d.trace.items() if k != "parameters"}
        rows.append(
            (
                d.application_id,
                d.clause,
                d.uscc,
                d.status.value,
                ";".join(d.reasons),
                to_fen(d.award_total),
                d.recipient_uscc,
                d.decided_on,
                d.kind,
                d.project_key,
                app.claim_year,
                app.submitted_on,
                json.dumps(trace, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
                d.trace.get("parameters"),
                *recipient_registration(app, d.recipient_uscc),
            )
        )
        if d.status == Status.APPROVED:
            installments.extend(
                (d.application_id, i.number, i.due_year, to_fen(i.amount), d.clause, d.recipient_uscc or d.uscc)
                for i in d.installments
            )
    return BatchDecisions(
        pd.DataFrame(rows, columns=DECISION_COLUMNS, dtype=object),
        pd.DataFrame(installments, columns=INSTALLMENT_COLUMNS, dtype=object),
    )


def decide_frame(
    frame: pd.DataFrame,
    waiting: list[Application],
    reference: ReferenceData,
    history: History,
    params: PolicyParameters,
    decided_on: date,
) -> BatchDecisions:
    """Decide a validated batch (and the ``waiting`` manual applications whose case decision came): the batch
    path for the enterprises it covers, the reference path (``rules.decide``) for the others. Decision order."""
    amounts = amounts_in_fen(frame)
    split = split_batch(frame, reference, params, {a.uscc for a in waiting}, amounts)
    fields = [c for c in APPLICATION_FIELDS if c in frame.columns]
    if not split.fast.all():
        frame_fast = frame.loc[split.fast, fields]
        amounts = {name: (f[split.fast], g[split.fast], ok[split.fast]) for name, (f, g, ok) in amounts.items()}
    else:
        frame_fast = frame
    fast = decide_columns(frame_fast, reference, history, params, decided_on, amounts)
    fast.frame["decided_on"] = decided_on
    fast.frame["trace"] = _trace_texts(fast.frame["submitted_on"].tolist(), fast.frame.pop("facts").tolist())
    slow_apps = applications_from_frame(frame.loc[~split.fast, fields]) + waiting
    slow = _reference_table(
        decide_batch(slow_apps, reference, history, params, decided_on), {a.application_id: a for a in slow_apps}
    )
    if slow.frame.empty:
        return BatchDecisions(fast.frame[DECISION_COLUMNS], fast.installments)
    if fast.frame.empty:
        return slow
    both = pd.concat([fast.frame[DECISION_COLUMNS], slow.frame], ignore_index=True)
    order = decision_order(both["submitted_on"].to_numpy(dtype=object), both["application_id"].to_numpy(dtype=object))
    both = both.iloc[order].reset_index(drop=True)
    return BatchDecisions(both, pd.concat([fast.installments, slow.installments], ignore_index=True))


def replay(
    app: Application, facts: dict[str, Any], params: PolicyParameters, decided_on: date, blacklist_load_id: int | None
) -> Decision:
    """Decide one application of the batch path again with the reference path, from the facts its decision
    kept: the same outcome, with the full trace (``subsidy explain``)."""
    reference = ReferenceData(blacklist_load_id=blacklist_load_id)
    if facts.get("listed"):
        reference.blacklist[app.uscc].append(ListingPeriod(decided_on, None))
    if facts.get("recipient_listed") and app.provider_uscc:
        reference.blacklist[app.provider_uscc].append(ListingPeriod(decided_on, None))
    history = History()
    kind = CLAUSES[app.clause].kind.value
    if "granted_before" in facts:
        history.granted[(app.uscc, app.project_key, kind)] = Decimal(facts["granted_before"])
    if "cap_used_before" in facts:
        history.yearly_used[(app.uscc, app.clause, app.claim_year or 0)] = Decimal(facts["cap_used_before"])
    blocked = {app.application_id: facts["blocked"]} if "blocked" in facts else {}
    item = assess(app, reference, params, decided_on)
    return Finisher(reference, history, params, decided_on, blocked).finish(item)
