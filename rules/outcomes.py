"""What a batch decided, in the shapes the rest of the system takes: one row per decision (with the facts it
kept, as JSON text) and one row per installment of an approved award. Amounts in integer fen."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from rules.engine import BIT, Decisions, decide, reasons_text
from rules.facts import fact_record, facts_of_run
from rules.model import APPLICATION_FIELDS, Application, History, Reason, ReferenceData, Status
from rules.params import PolicyParameters
from rules.table import Applications

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
    "recipient_entity_type",
    "recipient_business_in_minhang",
    "recipient_tax_in_minhang",
]
INSTALLMENT_COLUMNS = ["application_id", "number", "due_year", "amount_fen", "clause", "recipient_uscc"]


@dataclass
class DecisionTables:
    decisions: pd.DataFrame
    """``DECISION_COLUMNS``; ``trace`` is the JSON text of {parameters_on, facts}, ``parameter_set`` the dict of
    parameter records the decision read (shared by decisions that read the same)."""
    installments: pd.DataFrame
    """``INSTALLMENT_COLUMNS``, approved decisions only."""


def fact_records(decided: Decisions) -> list[str]:
    """Per decision, the JSON text of the facts it kept (``{}`` for most)."""
    f, before = decided.facts, decided.before
    special = f.listed | f.provider_listed | (f.received > 0) | (f.onboarded >= 0)
    special |= np.array([x is not None for x in f.registry_since.tolist()], dtype=bool)
    special |= np.array([x is not None for x in f.blocker.tolist()], dtype=bool)
    special |= np.array([x is not None for x in f.case.tolist()], dtype=bool)
    for column in before.values():
        special |= column > 0
    out = ["{}"] * len(decided.status)
    for i in np.flatnonzero(special).tolist():
        out[i] = json.dumps(fact_record(f, before, i), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return out


def decision_tables(decided: Decisions) -> DecisionTables:
    t = decided.table
    submitted = t.values("submitted_on")
    records = fact_records(decided)
    parameter_sets = [g.parameters.record() for g in decided.groups]
    plain: dict[date, str] = {}  # the trace of a decision that kept no facts: one text per date, shared
    trace = [
        (plain.get(d) or plain.setdefault(d, _trace(r, d))) if r == "{}" else _trace(r, d)
        for d, r in zip(submitted.tolist(), records, strict=True)
    ]
    texts = {m: reasons_text(int(m)) for m in np.unique(decided.reasons).tolist()}
    uscc, recipient = t.values("uscc"), decided.recipient
    other = recipient != uscc
    provider_registered = t.flag("provider_in_minhang")
    decisions = _frame(
        {
            "application_id": t.values("application_id"),
            "clause": t.values("clause"),
            "uscc": uscc,
            "status": decided.status,
            "reasons": [texts[m] for m in decided.reasons.tolist()],
            "award_fen": decided.award,
            "recipient_uscc": recipient,
            "decided_on": decided.decided_on,
            "kind": decided.kind,
            "project_key": decided.project_key,
            "claim_year": t.values("claim_year"),
            "submitted_on": submitted,
            "trace": trace,
            "parameter_set": [parameter_sets[g] for g in decided.group_of.tolist()],
            "recipient_entity_type": np.where(other, "enterprise", t.values("entity_type")),
            "recipient_business_in_minhang": np.where(other, provider_registered, t.flag("business_in_minhang")),
            "recipient_tax_in_minhang": np.where(other, provider_registered, t.flag("tax_in_minhang")),
        }
    )
    approved = decided.status == Status.APPROVED.value
    rows, ks = np.nonzero((decided.installments > 0) & approved[:, None])
    installments = _frame(
        {
            "application_id": t.values("application_id")[rows],
            "number": ks + 1,
            "due_year": decided.due_years[rows, ks],
            "amount_fen": decided.installments[rows, ks],
            "clause": t.values("clause")[rows],
            "recipient_uscc": recipient[rows],
        }
    )
    return DecisionTables(decisions, installments)


def _frame(columns: dict[str, Any]) -> pd.DataFrame:
    """A table of the decisions' columns; texts stay the Python texts the rules made (pandas would copy each
    column of texts into Arrow strings, one copy per row of a text many rows share: a trace, a reason list)."""
    return pd.DataFrame(
        {name: pd.Series(c, dtype=object, copy=False) if _texts(c) else c for name, c in columns.items()}, copy=False
    )


def _texts(column: Any) -> bool:
    return isinstance(column, list) or (isinstance(column, np.ndarray) and column.dtype == object)


def _trace(facts: str, parameters_on: date) -> str:
    return f'{{"facts":{facts},"parameters_on":"{parameters_on.isoformat()}"}}'


def reasons_of(decided: Decisions, i: int) -> list[str]:
    return [r.value for r in Reason if decided.reasons[i] & BIT[r]]


def decide_run(
    frame: pd.DataFrame,
    waiting: list[Application],
    reference: ReferenceData,
    history: History,
    params: PolicyParameters,
    decided_on: date,
) -> DecisionTables:
    """Decide a run's validated applications and the ``waiting`` major projects whose case decision came, from
    the reference data in force and what earlier runs granted: one table, decision order."""
    names = [n for n in APPLICATION_FIELDS if n in frame.columns]
    if waiting:
        frame = pd.concat([frame[names], Applications.frame_of(waiting)], ignore_index=True)
    table = Applications.from_frame(frame)
    facts = facts_of_run(table, reference, history, decided_on, params)
    return decision_tables(decide(table, facts, params, decided_on))


def decide_applications(
    applications: list[Application],
    reference: ReferenceData,
    history: History,
    params: PolicyParameters,
    decided_on: date,
) -> Decisions:
    """Decide a list of applications as one run (tests and what-if runs; intake takes ``decide_run``)."""
    table = Applications.from_applications(applications)
    return decide(table, facts_of_run(table, reference, history, decided_on, params), params, decided_on)
