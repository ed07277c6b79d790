"""What earlier runs granted, read from the stored decisions as plain data for the rules (``rules.model.History``):
totals per X-HIGHEST key, the investment-type award of each enterprise, per-year cap use, summed by the database
and counted by ``rules.history``."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.models import DecisionRecord
from rules.history import (
    APPROVED,
    INVESTMENT_CLAUSES,
    YEARLY_CAPPED_CLAUSES,
    add_granted,
    add_investment_award,
    add_yearly_use,
)
from rules.model import History


def grant_history(session: Session) -> History:
    """Earlier grants: totals per (applicant, project, kind) — per report for A8 —, the investment-type award of
    each enterprise (and whether a case decision set it), and per-year cap use of the yearly claims."""
    history = History()
    d = DecisionRecord
    approved = d.status == APPROVED
    for uscc, project_key, kind, fen in session.execute(
        select(d.uscc, d.project_key, d.kind, func.sum(d.award_total_fen))
        .where(approved)
        .group_by(d.uscc, d.project_key, d.kind)
    ):
        add_granted(history, uscc, project_key, kind, fen)
    for app_id, clause, uscc, fen, reasons in session.execute(
        select(d.application_id, d.clause, d.uscc, d.award_total_fen, d.reasons)
        .where(approved, d.clause.in_(INVESTMENT_CLAUSES))
        .order_by(d.decided_on, d.application_id)
    ):
        add_investment_award(history, app_id, clause, uscc, fen, reasons)
    for uscc, clause, year, fen in session.execute(
        select(d.uscc, d.clause, d.claim_year, func.sum(d.award_total_fen))
        .where(approved, d.clause.in_(YEARLY_CAPPED_CLAUSES), d.claim_year.is_not(None))
        .group_by(d.uscc, d.clause, d.claim_year)
    ):
        add_yearly_use(history, uscc, clause, year, fen)
    return history
