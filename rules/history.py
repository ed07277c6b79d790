"""What earlier decisions granted, as the rules across applications count it (``rules.model.History``): per
X-HIGHEST key the total granted, each enterprise's first investment-type award, the yearly caps used.

The stored decisions give it for an intake (``ledger.history.grant_history``, summed by the database); a what-if
adds each re-decided run's decisions as it goes (``add_decisions``). Both count through the functions below."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from rules.clauses import CLAUSES, YEARLY_CAPPED_KINDS
from rules.facts import highest_key
from rules.model import History, InvestmentAward, Reason, Status
from rules.money import from_fen

INVESTMENT_CLAUSES = [c.id for c in CLAUSES.values() if c.investment_type]
YEARLY_CAPPED_CLAUSES = [c.id for c in CLAUSES.values() if c.kind in YEARLY_CAPPED_KINDS]
APPROVED = Status.APPROVED.value


def add_granted(history: History, uscc: str, project_key: str, kind: str, fen: int) -> None:
    """An approved total of (applicant, project, kind), counted under its X-HIGHEST key."""
    key = highest_key(uscc, project_key, kind)
    history.granted[key] = history.granted.get(key, Decimal(0)) + from_fen(int(fen))


def add_investment_award(history: History, application_id: str, clause: str, uscc: str, fen: int, reasons: str) -> None:
    """An approved investment-type award; the enterprise's first one (in decision order) is the one that blocks."""
    case = Reason.CASE_BY_CASE.value in (reasons or "").split(";")
    history.investment_awards.setdefault(uscc, InvestmentAward(application_id, clause, from_fen(int(fen)), case))


def add_yearly_use(history: History, uscc: str, clause: str, claim_year: int | None, fen: int) -> None:
    key = (uscc, clause, int(claim_year or 0))
    history.yearly_used[key] = history.yearly_used.get(key, Decimal(0)) + from_fen(int(fen))


def add_decisions(history: History, decisions: pd.DataFrame) -> None:
    """A run's decisions (``rules.outcomes.DECISION_COLUMNS``) added to what later runs see granted."""
    approved = decisions[decisions["status"] == APPROVED]
    for (uscc, project_key, kind), fen in (
        approved.groupby(["uscc", "project_key", "kind"], sort=False)["award_fen"].sum().items()
    ):
        add_granted(history, uscc, project_key, kind, fen)
    investment = approved[approved["clause"].isin(INVESTMENT_CLAUSES)].sort_values(
        ["decided_on", "application_id"], kind="stable"
    )
    for row in investment[["application_id", "clause", "uscc", "award_fen", "reasons"]].itertuples(index=False):
        add_investment_award(history, *row)
    yearly = approved[approved["clause"].isin(YEARLY_CAPPED_CLAUSES) & approved["claim_year"].notna()]
    for (uscc, clause, year), fen in (
        yearly.groupby(["uscc", "clause", "claim_year"], sort=False)["award_fen"].sum().items()
    ):
        add_yearly_use(history, uscc, clause, year, fen)
