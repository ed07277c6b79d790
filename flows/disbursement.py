"""The yearly disbursement cycle: every due installment is paid or forfeited, exactly once."""

from __future__ import annotations

from datetime import date

from prefect import flow

from flows import as_is
from flows.run_names import cycle_run_name
from ledger.cycles import CycleSummary
from tasks.disburse import find_due_installments, post_settlements, screen_recipients
from tasks.reports import publish_cycle_summary


@flow(name="disbursement-cycle", flow_run_name=cycle_run_name, log_prints=True)
def disbursement_flow(year: int | None = None, as_of: date | None = None) -> CycleSummary:
    """Run the cycle for fiscal ``year`` (default: the year of the run date), screening on ``as_of`` (default today)."""
    screening_date = as_of or date.today()
    found = find_due_installments(year or screening_date.year, screening_date)
    screened = screen_recipients(as_is(found))
    summary = post_settlements(as_is(screened))
    publish_cycle_summary(summary)
    return summary
