"""What a batch decided, in the shapes the rest of the system takes: one row per decision (with the facts it
kept, as JSON text) and one row per installment of an approved award. Amounts in integer fen."""

from __future__ import annotations

import json
from collections.abc import Iterator
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


ROWS_PER_PART = 100_000
"""A run of more applications is decided in parts of about this many rows (``decide_run``), each part's tables
stored before the next is decided: the decision step's memory then grows with the part, not with the run."""


def independent_parts(table: Applications, rows_per_part: int) -> list[np.ndarray]:
    """Positions of ``table`` cut into parts no rule across applications looks across: an enterprise's rows
    share a part (X-ONEINV, X-HIGHEST and the caps of A2, A5 and A7-ALLIANCE compare the rows of one
    enterprise), and so do the A8 rows of one diagnosis report (X-HIGHEST per report, I-14). Each part keeps
    decision order; a table of at most ``rows_per_part`` rows is one part."""
    count = -(-len(table) // rows_per_part)
    if count <= 1:
        return [np.arange(len(table))]
    enterprise, usccs = table.codes("uscc")
    report, _ = table.codes("report_id")
    clause, clauses = table.codes("clause")
    a8 = [i for i, c in enumerate(clauses) if c == "A8"]
    by_report = np.isin(clause, a8) & (report >= 0)
    key = np.where(by_report, len(usccs) + report, enterprise)  # codes in order of first sight: parts even
    return [np.flatnonzero(key % count == p) for p in range(count)]


def decide_run(
    frame: pd.DataFrame,
    waiting: list[Application],
    reference: ReferenceData,
    history: History,
    params: PolicyParameters,
    decided_on: date,
    rows_per_part: int | None = None,
) -> Iterator[DecisionTables]:
    """Decide a run's validated applications and the ``waiting`` major projects whose case decision came, from
    the reference data in force and what earlier runs granted, one ``independent_parts`` part at a time (each
    in decision order, of ``ROWS_PER_PART`` rows unless told): a part is decided when the caller asks for it,
    so that it can store the one before."""
    names = [n for n in APPLICATION_FIELDS if n in frame.columns]
    if waiting:
        frame = pd.concat([frame[names], Applications.frame_of(waiting)], ignore_index=True)
    table = Applications.from_frame(frame)
    for rows in independent_parts(table, rows_per_part or ROWS_PER_PART):
        yield _decide_part(table.take(rows), reference, history, params, decided_on)


def _decide_part(
    part: Applications, reference: ReferenceData, history: History, params: PolicyParameters, decided_on: date
) -> DecisionTables:
    """A part's tables; what the rules made for it (its columns read, facts) is freed on return."""
    return decision_tables(decide(part, facts_of_run(part, reference, history, decided_on, params), params, decided_on))


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
