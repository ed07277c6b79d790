"""The disbursement cycle step by step, as plain functions (the Prefect tasks of ``tasks.disburse`` are these):

1. find the due installments: every installment due by the fiscal year and still open, read in one transaction
   with the basis it was read on (the chain head and the latest reference load);
2. screen their recipients on the as-of date (``rules.disbursement``): paid, forfeited, or left due (I-6);
3. post the settlements, once: under the run lock, the basis is read again; if another run posted or reference
   data was loaded since, the installments are found and screened again inside the lock, so what is posted is
   always what is open and screened on the data in force. One transaction: all of the cycle or none of it.

A preview is steps 1 and 2. Nothing here starts Prefect: the CLI's ``--dry-run`` and the ledger tests use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.errors import SubsidyError
from ledger import posting
from ledger.anchors import append_anchor
from ledger.cycles import (
    CycleSummary,
    EarlierCycle,
    LedgerBasis,
    due_installments,
    earlier_cycles,
    ledger_basis,
    record_cycle,
)
from ledger.db import refresh_statistics, run_transaction
from ledger.references import reference_in_force
from rules.disbursement import DueColumns, early_cycle, settle_columns
from rules.model import Reason, ReferenceData
from rules.params import PolicyParameters


@dataclass
class DueNow:
    """Step 1's finding: the open installments due by ``year``, with what they were found on."""

    year: int
    as_of: date
    due: DueColumns
    reference: ReferenceData
    earlier: list[EarlierCycle]
    basis: LedgerBasis


@dataclass
class Screened:
    """Step 2's outcome: the installments settled now (paid, or forfeited and why) and how many stay due, with the
    parameters they were screened under (step 3 screens again under the same ones when the basis moved)."""

    found: DueNow
    due: DueColumns
    paid: list[bool]
    reasons: list[tuple[Reason, ...]]
    staying_due: int
    params: PolicyParameters


def _find(session: Session, year: int, as_of: date) -> DueNow:
    basis = ledger_basis(session)  # first: whatever is stored after this moves it, and step 3 finds again
    due = due_installments(session, year)
    return DueNow(year, as_of, due, reference_in_force(session), earlier_cycles(session, year), basis)


def find_due(engine: Engine, year: int, as_of: date) -> DueNow:
    """Step 1. A cycle screening before 1 January of its year is refused (it would pay early)."""
    why = early_cycle(year, as_of)
    if why:
        raise SubsidyError(why)
    with Session(engine) as session, session.begin():
        return _find(session, year, as_of)


def screen(found: DueNow, params: PolicyParameters) -> Screened:
    """Step 2: each recipient screened on the as-of date; under I-6 read as suspend, a hit stays due."""
    settled, reasons = settle_columns(found.due, found.reference, params, found.as_of)
    staying = len(found.due) - len(settled)
    due = found.due.take(settled) if staying else found.due
    return Screened(found, due, [not r for r in reasons], reasons, staying, params)


def post_settlements(engine: Engine, screened: Screened) -> CycleSummary:
    """Step 3: the cycle stored and its settlements posted in one transaction, on the basis in force."""
    year, as_of = screened.found.year, screened.found.as_of
    with run_transaction(engine) as session:
        if ledger_basis(session) != screened.found.basis:
            screened = screen(_find(session, year, as_of), screened.params)
        cycle, result = record_cycle(session, year, as_of, _settlement_entries(screened, year))
        summary = CycleSummary(cycle_id=cycle.id, fiscal_year=year, as_of=as_of, earlier=screened.found.earlier)
        _count(summary, screened, per_recipient=False)
        summary.already_settled = result.skipped
        head_seq, summary.chain_head = posting.chain_head(session)
        cycle.paid_count, cycle.paid_fen = summary.paid, summary.paid_fen
        cycle.forfeited_count, cycle.forfeited_fen = summary.forfeited, summary.forfeited_fen
        cycle.chain_head = summary.chain_head
    if result.posted:
        append_anchor(engine, head_seq, summary.chain_head, f"cycle:{cycle.id}")
    refresh_statistics(engine, {"ledger_transactions": result.posted})
    return summary


def run_cycle(engine: Engine, year: int, as_of: date, params: PolicyParameters) -> CycleSummary:
    """The three steps: pay or forfeit every installment due in a year ≤ ``year`` not yet settled."""
    return post_settlements(engine, screen(find_due(engine, year, as_of), params))


def preview_cycle(engine: Engine, year: int, as_of: date, params: PolicyParameters) -> CycleSummary:
    """Steps 1 and 2: what ``run_cycle`` would pay and forfeit now, per clause and recipient; nothing written."""
    screened = screen(find_due(engine, year, as_of), params)
    summary = CycleSummary(cycle_id=0, fiscal_year=year, as_of=as_of, dry_run=True, earlier=screened.found.earlier)
    _count(summary, screened, per_recipient=True)
    summary.by_recipient = dict(sorted(summary.by_recipient.items()))
    summary.chain_head = screened.found.basis[0][1]
    return summary


def _settlement_entries(screened: Screened, year: int) -> dict[str, list[Any]]:
    due = screened.due
    reasons = [";".join(r) for r in screened.reasons]
    return posting.settlement_entries(
        due.application_id, due.number, due.clause, year, due.recipient_uscc, due.amount_fen, screened.paid, reasons
    )


def _count(summary: CycleSummary, screened: Screened, per_recipient: bool) -> None:
    """The summary's counts and totals (per clause; per clause and recipient for a preview)."""
    due = screened.due
    summary.due = len(due) + screened.staying_due
    summary.staying_due = screened.staying_due
    for p, clause, recipient, fen in zip(screened.paid, due.clause, due.recipient_uscc, due.amount_fen, strict=True):
        kind = "paid" if p else "forfeited"
        per = summary.by_clause.setdefault(clause, {"paid_fen": 0, "forfeited_fen": 0})
        per[f"{kind}_fen"] += fen
        if per_recipient:
            row = summary.by_recipient.setdefault((clause, recipient), {"paid": 0, "forfeited": 0})
            row[kind] += 1
            row[f"{kind}_fen"] = row.get(f"{kind}_fen", 0) + fen
        if p:
            summary.paid += 1
            summary.paid_fen += fen
        else:
            summary.forfeited += 1
            summary.forfeited_fen += fen
