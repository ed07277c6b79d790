"""What earlier runs granted, read from the stored decisions as plain data for the rules (``rules.model.History``):
totals per X-HIGHEST key, the investment-type award of each enterprise, per-year cap use."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.models import DecisionRecord
from rules.clauses import CLAUSES, YEARLY_CAPPED_KINDS
from rules.facts import highest_key
from rules.model import History, InvestmentAward, Reason, Status
from rules.money import from_fen


def grant_history(session: Session) -> History:
    """Earlier grants: totals per (applicant, project, kind) — per report for A8 —, the investment-type award of
    each enterprise (and whether a case decision set it), and per-year cap use of the yearly claims."""
    history = History()
    approved = DecisionRecord.status == Status.APPROVED.value
    for uscc, project_key, kind, fen in session.execute(
        select(
            DecisionRecord.uscc,
            DecisionRecord.project_key,
            DecisionRecord.kind,
            func.sum(DecisionRecord.award_total_fen),
        )
        .where(approved)
        .group_by(DecisionRecord.uscc, DecisionRecord.project_key, DecisionRecord.kind)
    ):
        key = highest_key(uscc, project_key, kind)
        history.granted[key] = history.granted.get(key, Decimal(0)) + from_fen(int(fen))
    investment_clauses = [c.id for c in CLAUSES.values() if c.investment_type]
    for app_id, clause, uscc, fen, reasons in session.execute(
        select(
            DecisionRecord.application_id,
            DecisionRecord.clause,
            DecisionRecord.uscc,
            DecisionRecord.award_total_fen,
            DecisionRecord.reasons,
        )
        .where(approved, DecisionRecord.clause.in_(investment_clauses))
        .order_by(DecisionRecord.decided_on, DecisionRecord.application_id)
    ):
        case = Reason.CASE_BY_CASE.value in (reasons or "").split(";")
        history.investment_awards.setdefault(uscc, InvestmentAward(app_id, clause, from_fen(fen), case))
    yearly = [c.id for c in CLAUSES.values() if c.kind in YEARLY_CAPPED_KINDS]
    for uscc, clause, year, fen in session.execute(
        select(
            DecisionRecord.uscc,
            DecisionRecord.clause,
            DecisionRecord.claim_year,
            func.sum(DecisionRecord.award_total_fen),
        )
        .where(approved, DecisionRecord.clause.in_(yearly), DecisionRecord.claim_year.is_not(None))
        .group_by(DecisionRecord.uscc, DecisionRecord.clause, DecisionRecord.claim_year)
    ):
        history.yearly_used[(uscc, clause, int(year or 0))] = from_fen(int(fen))
    return history
