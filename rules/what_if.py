"""What-if: the stored applications decided again under amended parameters and readings, and compared with what
was decided.

The history is replayed run by run, in the order the intakes decided it: each run's applications (those whose
stored decision that run made) on the run's decision date, with the reference data each decision kept (blacklist
hits, registry rows, support from other policies, case decisions, counted onboardings) and what the replay's own
earlier runs granted (X-HIGHEST, X-ONEINV, the shared caps: ``rules.history``), by the one rules engine. Under
the policy's own parameters the replay gives back every stored decision. Pure: nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from rules.engine import decide
from rules.facts import facts_of_records, history_facts
from rules.history import add_decisions
from rules.model import History
from rules.money import cny_of_fen
from rules.outcomes import ROWS_PER_PART, DecisionTables, decision_tables, independent_parts
from rules.params import PolicyParameters
from rules.table import Applications

OUTCOME = ["application_id", "clause", "uscc", "status", "reasons", "award_fen"]
"""What a decision's comparison reads of it."""
INSTALLMENT = ["application_id", "number", "due_year", "amount_fen", "clause"]


@dataclass
class StoredRun:
    """One intake run's decisions as stored: the run's decision date, its applications (``APPLICATION_FIELDS``
    columns) and, row by row, the facts each decision kept."""

    run_id: int
    as_of: date
    applications: pd.DataFrame
    records: list[dict[str, Any]]


@dataclass
class Outcomes:
    """Decisions (``OUTCOME``) and their installments (``INSTALLMENT``), amounts in fen."""

    decisions: pd.DataFrame
    installments: pd.DataFrame


def decide_again(runs: Iterable[StoredRun], params: PolicyParameters) -> Iterator[DecisionTables]:
    """Each run decided again, a part at a time (``independent_parts``), from the facts its decisions kept and
    what the replay granted before it; the tables of each part as ``rules.outcomes`` makes them for an intake."""
    history = History()
    for run in runs:
        table = Applications.from_frame(run.applications)
        decided: list[pd.DataFrame] = []
        for rows in independent_parts(table, ROWS_PER_PART):
            part = table.take(rows)
            assert part.rows is not None
            facts = facts_of_records(part, [run.records[p] for p in part.rows.tolist()], reference_only=True)
            history_facts(facts, part, history)
            tables = decision_tables(decide(part, facts, params, run.as_of))
            decided.append(tables.decisions[[*OUTCOME, "project_key", "kind", "claim_year", "decided_on"]])
            yield tables
        for frame in decided:  # later runs see this run's grants, as they did when it was decided
            add_decisions(history, frame)


def outcomes_of(parts: Iterable[DecisionTables]) -> Outcomes:
    """The decisions and installments of a replay, joined."""
    decisions, installments = [], []
    for tables in parts:
        decisions.append(tables.decisions[OUTCOME])
        installments.append(tables.installments[INSTALLMENT])
    return Outcomes(_joined(decisions, OUTCOME), _joined(installments, INSTALLMENT))


def _joined(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


@dataclass
class Comparison:
    """What an amendment changes: totals per clause and fiscal year (fen before, after, difference), how many
    applications move from one status to another, and every application whose outcome changed."""

    decided: int
    totals: pd.DataFrame
    status_moves: dict[tuple[str, str], int]
    changed: pd.DataFrame

    @property
    def difference_fen(self) -> int:
        return int(self.totals["difference_fen"].sum()) if len(self.totals) else 0


CHANGED_COLUMNS = [
    "application_id",
    "clause",
    "uscc",
    "status_before",
    "status_after",
    "reasons_before",
    "reasons_after",
    "award_before_fen",
    "award_after_fen",
    "installments_before",
    "installments_after",
]


def compare(before: Outcomes, after: Outcomes) -> Comparison:
    """``after`` (a replay) against ``before`` (the stored decisions and the commitments the ledger holds)."""
    totals = _totals(before.installments, after.installments)
    joined = _exact(before.decisions, ["award_fen"]).merge(
        _exact(after.decisions, ["award_fen"]), on="application_id", how="outer", suffixes=("_before", "_after")
    )
    differs = np.zeros(len(joined), dtype=bool)
    for name in ("status", "reasons", "award_fen"):
        differs |= _unequal(joined[f"{name}_before"], joined[f"{name}_after"])
    moved = set(_installments_changed(before.installments, after.installments))
    differs |= joined["application_id"].isin(moved).to_numpy()
    changed = joined[differs].sort_values("application_id", kind="stable")
    moves = changed[changed["status_before"] != changed["status_after"]]
    status_moves = {
        (str(b), str(a)): int(n)
        for (b, a), n in moves.groupby(["status_before", "status_after"], dropna=False).size().items()
    }
    return Comparison(len(after.decisions), totals, status_moves, _changed_rows(changed, before, after))


def _exact(frame: pd.DataFrame, amounts: list[str]) -> pd.DataFrame:
    """``frame`` with its integer columns nullable: a row one side of an outer join lacks is <NA>, never a float."""
    return frame.astype({name: "Int64" for name in amounts})


def _unequal(left: pd.Series, right: pd.Series) -> np.ndarray:
    """Where two columns of an outer join differ; a value on one side only differs."""
    left_missing, right_missing = left.isna().to_numpy(), right.isna().to_numpy()
    out = left_missing != right_missing
    both = ~(left_missing | right_missing)
    out[both] = (left[both] != right[both]).to_numpy(dtype=bool)
    return out


def _totals(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    sums = [_exact_sums(frame).rename(name) for frame, name in ((before, "before_fen"), (after, "after_fen"))]
    table = pd.concat(sums, axis=1).fillna(0).reset_index()
    table.columns = ["clause", "fiscal_year", "before_fen", "after_fen"]
    table["difference_fen"] = table["after_fen"] - table["before_fen"]
    return table.sort_values(["clause", "fiscal_year"], kind="stable").reset_index(drop=True)


def _exact_sums(installments: pd.DataFrame) -> pd.Series:
    """Fen per clause and due year, exact at any size: summed as Python integers where int64 could overflow."""
    amounts = installments["amount_fen"]
    largest = int(amounts.abs().max()) if len(amounts) else 0
    if largest * len(amounts) >= 2**62:
        amounts = amounts.astype(object)
    return amounts.groupby([installments["clause"], installments["due_year"]]).sum()


def _installments_changed(before: pd.DataFrame, after: pd.DataFrame) -> np.ndarray:
    keys, values = ["application_id", "number"], ["due_year", "amount_fen"]
    both = _exact(before[[*keys, *values]], values).merge(
        _exact(after[[*keys, *values]], values), on=keys, how="outer", suffixes=("_b", "_a")
    )
    differs = _unequal(both["due_year_b"], both["due_year_a"]) | _unequal(both["amount_fen_b"], both["amount_fen_a"])
    return both.loc[differs, "application_id"].unique()


def _changed_rows(changed: pd.DataFrame, before: Outcomes, after: Outcomes) -> pd.DataFrame:
    ids = changed["application_id"]
    out = pd.DataFrame(
        {
            "application_id": ids,
            "clause": changed["clause_before"].fillna(changed["clause_after"]),
            "uscc": changed["uscc_before"].fillna(changed["uscc_after"]),
            "status_before": changed["status_before"].fillna(""),
            "status_after": changed["status_after"].fillna(""),
            "reasons_before": changed["reasons_before"].fillna(""),
            "reasons_after": changed["reasons_after"].fillna(""),
            "award_before_fen": changed["award_fen_before"].fillna(0).astype("int64"),
            "award_after_fen": changed["award_fen_after"].fillna(0).astype("int64"),
        }
    )
    for name, outcomes in (("installments_before", before), ("installments_after", after)):
        out[name] = ids.map(_schedules(outcomes.installments, ids)).fillna("")
    return out.reset_index(drop=True)[CHANGED_COLUMNS]


def _schedules(installments: pd.DataFrame, ids: pd.Series) -> dict[str, str]:
    """Per application among ``ids``, its installments as ``due year:amount`` joined by ``;``."""
    rows = installments[installments["application_id"].isin(ids)].sort_values(["application_id", "number"])
    out: dict[str, list[str]] = {}
    for app_id, year, fen in rows[["application_id", "due_year", "amount_fen"]].itertuples(index=False):
        out.setdefault(app_id, []).append(f"{int(year)}:{cny_of_fen(int(fen))}")
    return {k: ";".join(v) for k, v in out.items()}


# ---------------------------------------------------------------- what is shown and written

TOTAL_COLUMNS = ["fiscal_year", "clause", "before", "after", "difference"]
"""totals.csv (CONTRACT.md 'what-if'): a row per fiscal year and clause (the total is shown, not written)."""
CHANGED_CSV_COLUMNS = [c.removesuffix("_fen") for c in CHANGED_COLUMNS]
CHANGES_COLUMNS = [
    "application_id",
    "clause",
    "status_before",
    "status_after",
    "award_before",
    "award_after",
    "reasons_after",
]
"""changes.csv (CONTRACT.md 'what-if'): only the applications whose status or award changes."""


def total_rows(comparison: Comparison) -> list[dict[str, str]]:
    """Per fiscal year and clause, then in all (the last row, ``clause`` total): committed before and after, and the
    difference, in CNY."""
    t = comparison.totals.sort_values(["fiscal_year", "clause"]) if len(comparison.totals) else comparison.totals
    rows = [
        {
            "fiscal_year": str(y),
            "clause": str(c),
            "before": cny_of_fen(int(b)),
            "after": cny_of_fen(int(a)),
            "difference": _signed(int(a) - int(b)),
        }
        for y, c, b, a in t[["fiscal_year", "clause", "before_fen", "after_fen"]].itertuples(index=False)
    ]
    before, after = (int(t[n].sum()) if len(t) else 0 for n in ("before_fen", "after_fen"))
    rows.append(
        {
            "fiscal_year": "",
            "clause": "total",
            "before": cny_of_fen(before),
            "after": cny_of_fen(after),
            "difference": _signed(after - before),
        }
    )
    return rows


def status_rows(comparison: Comparison) -> list[dict[str, str]]:
    """How many applications moved from one status to another (none: one row saying so)."""
    if not comparison.status_moves:
        return [{"before": "—", "after": "—", "applications": "0"}]
    return [
        {"before": b or "(none)", "after": a or "(none)", "applications": str(n)}
        for (b, a), n in sorted(comparison.status_moves.items())
    ]


def changed_rows(comparison: Comparison) -> Iterator[dict[str, str]]:
    """Every application whose outcome changed, amounts in CNY (``CHANGED_CSV_COLUMNS``)."""
    for row in comparison.changed.itertuples(index=False):
        values = row._asdict()
        values["award_before_fen"] = cny_of_fen(int(values["award_before_fen"]))
        values["award_after_fen"] = cny_of_fen(int(values["award_after_fen"]))
        yield {c.removesuffix("_fen"): str(v) for c, v in values.items()}


def changes_rows(comparison: Comparison) -> Iterator[dict[str, str]]:
    """The applications whose status or award changed (``CHANGES_COLUMNS``), amounts in CNY."""
    for row in changed_rows(comparison):
        if row["status_before"] != row["status_after"] or row["award_before"] != row["award_after"]:
            yield {name: row[name] for name in CHANGES_COLUMNS}


def _signed(fen: int) -> str:
    return ("+" if fen > 0 else "") + cny_of_fen(fen)
