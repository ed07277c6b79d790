"""The read side, answered at once (no Prefect server, no flow run): the contract's exports, one decision with
its trace replayed, the ledger verified and its balances, the budget forecast. The flows call the same functions as
tasks."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.gc_pause import collector_paused
from ledger.accounts import ISSUE, REISSUE, TRAIL_STEPS
from ledger.models import (
    ApplicationRecord,
    DecisionRecord,
    IntakeRun,
    LedgerTransaction,
    ParameterSet,
    PaymentLine,
    QuarantineRecord,
)
from ledger.posting import SETTLEMENTS
from ledger.verify import Balances, VerifyReport, ledger_balances, verify_ledger

if TYPE_CHECKING:
    from ledger.forecast import Forecast
    from rules.model import Application

# Each query imports what it alone needs where it runs (the rules and pandas for a replay, the exports' columns
# for an export): a balance does not wait for the rules to load.


def export_csv(engine: Engine, what: str, out: str) -> int:
    """Write one export with exactly the contract's columns; returns the number of rows."""
    from ledger.exports import EXPORTS, write_csv

    columns, rows = EXPORTS[what]
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with collector_paused(), Session(engine) as session:
        return write_csv(path, columns, rows(session))


def replayed_trace(d: DecisionRecord, application: Application, run_as_of: date) -> dict[str, Any]:
    """The trace of a stored decision: its application decided again by the rules from the facts the decision
    kept (on its run's date), told step by step, and checked against what was stored."""
    from rules.explain import explain
    from rules.params import default_parameters

    facts = d.trace.get("facts", d.trace.get("replay", {}))
    again = explain(application, facts, default_parameters(), run_as_of)
    stored = (d.status, d.reasons, d.award_total_fen)
    outcome = (again.status, ";".join(again.reasons), again.award_fen)
    return {
        "parameters_on": d.trace.get("parameters_on"),
        "facts": facts,
        "steps": [
            *again.steps,
            "replayed by the rules from the stored facts: "
            + ("the same outcome" if outcome == stored else f"DIFFERENT outcome {outcome} (stored {stored})"),
        ],
        "parameters": again.parameters,
    }


def load_decision(engine: Engine, application_id: str) -> dict[str, Any] | None:
    """The stored decision, its installments and how each was settled, for ``subsidy explain``; a quarantined
    application's rows and reasons; None when the application is unknown."""
    from ledger.applications import stored_application
    from ledger.exports import decision_fields

    with Session(engine) as session:
        d = session.get(DecisionRecord, application_id)
        if d is None:
            return _quarantined(session, application_id)
        record = session.get(ApplicationRecord, application_id)
        application = stored_application(record) if record is not None else None
        parameters = session.get(ParameterSet, d.parameter_set) if d.parameter_set else None
        stored_trace = dict(d.trace)
        run = session.get(IntakeRun, d.intake_run_id)
        if ("facts" in stored_trace or "replay" in stored_trace) and application is not None and run is not None:
            stored_trace = replayed_trace(d, application, run.as_of)
        trace = {
            **stored_trace,
            "inputs": application.as_inputs() if application is not None else {},
            "parameters": parameters.values if parameters else stored_trace.get("parameters", {}),
        }
        return {
            **decision_fields(d),
            "recipient_uscc": d.recipient_uscc,  # shown whatever the outcome: who would have been paid
            "decided_on": d.decided_on.isoformat(),
            "intake_run": d.intake_run_id,
            "trace": trace,
            "installments": _installments(session, application_id),
        }


def _quarantined(session: Session, application_id: str) -> dict[str, Any] | None:
    rows = session.scalars(
        select(QuarantineRecord).where(QuarantineRecord.application_id == application_id).order_by(QuarantineRecord.id)
    ).all()
    if not rows:
        return None
    return {
        "application_id": application_id,
        "status": "quarantined",
        "quarantine": [
            {"file": q.file, "row": q.row, "reason": q.reason, "columns": q.columns, "message": q.message} for q in rows
        ],
    }


def _installments(session: Session, application_id: str) -> list[dict[str, Any]]:
    """The commitment entries of an application (its installments), each with how it was settled, if it was."""
    from rules.money import cny, from_fen

    entries = session.scalars(
        select(LedgerTransaction)
        .where(LedgerTransaction.application_id == application_id)
        .order_by(LedgerTransaction.seq)
    ).all()
    settled = {t.installment: (t.kind, t.fiscal_year, t.reasons) for t in entries if t.kind in SETTLEMENTS}
    bank: dict[int | None, list[str]] = {}
    for t in entries:
        if t.kind in TRAIL_STEPS:
            bank.setdefault(t.installment, []).append(_bank_step(session, t))
    return [
        {
            "number": t.installment,
            "due_year": t.fiscal_year,
            "amount": cny(from_fen(t.amount_fen)),
            "settled": settled.get(t.installment),
            "bank": bank.get(t.installment, []),
        }
        for t in sorted((t for t in entries if t.kind == "commitment"), key=lambda t: t.installment or 0)
    ]


STEP_WORDS = {
    "clear": "cleared",
    "bounce": "returned by the bank",
    "withhold": "withheld: the award was revoked before it was sent",
    "retain": "withheld: the award was revoked after the bank returned it",
    "claim": "claimed back",
    "receipt": "paid back",
}
"""A step of an installment's trail after it left, in words (with the entry's amount and its reasons)."""


def _bank_step(session: Session, t: LedgerTransaction) -> str:
    """One step of a paid installment's money through the bank or back, in words."""
    from rules.money import cny_of_fen

    if t.kind in (ISSUE, REISSUE):
        line = session.scalar(
            select(PaymentLine.reference).where(PaymentLine.first_seq <= t.seq, PaymentLine.last_seq >= t.seq)
        )
        return f"{'sent again' if t.kind == REISSUE else 'sent'} in payment file line {line}"
    amount = f" {cny_of_fen(t.amount_fen)}" if t.kind in ("claim", "receipt") else ""
    return f"{STEP_WORDS[t.kind]}{amount}" + (f", {t.reasons}" if t.reasons else "")


def verify(
    engine: Engine, year: int | None = None, known_heads: list[str] | None = None
) -> tuple[VerifyReport, Balances]:
    """Recompute every entry's balance and the hash chain (and find the heads kept outside); then the balances."""
    with collector_paused(), Session(engine) as session:
        return verify_ledger(session, known_heads or ()), ledger_balances(session, year)


def balances(engine: Engine, year: int | None = None) -> Balances:
    """Committed / paid / forfeited / outstanding per clause (of one fiscal year, or all)."""
    with Session(engine) as session:
        return ledger_balances(session, year)


def forecast(
    engine: Engine,
    from_year: int | None = None,
    through_year: int | None = None,
    by_recipient: bool = False,
    out: Path | None = None,
) -> Forecast:
    """What the ledger still owes per clause and due year (and recipient), and the forfeited share per clause
    (``ledger.forecast.budget_forecast``); written to ``out`` when given as CSV: per fiscal year and clause, what is
    outstanding and to how many recipients (``FORECAST_COLUMNS``)."""
    from ledger.exports import write_csv
    from ledger.forecast import FORECAST_COLUMNS, budget_forecast, forecast_rows

    with Session(engine) as session, session.begin():  # one snapshot: the rows shown and the rows written
        found = budget_forecast(session, from_year, through_year, by_recipient)
        detail = found if by_recipient else budget_forecast(session, from_year, through_year, True)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(out, FORECAST_COLUMNS, forecast_rows(detail.still_owed))
    return found
