"""Disbursement task: pay or forfeit the due installments of a fiscal year in one transaction."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE

from core.gc_pause import collector_paused
from ledger.cycles import CycleSummary, run_cycle
from ledger.db import get_engine
from rules.params import default_parameters
from subsidy import progress
from tasks.retry import RETRY_DELAYS, transient_database_error


@task(
    name="pay-due-installments",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def pay_due_installments(year: int, as_of: date) -> CycleSummary:
    """Screen each due installment's recipient on ``as_of`` and post its payment or forfeit exactly once."""
    with collector_paused(), progress.step(f"pay or forfeit the installments due by {year}"):
        return run_cycle(get_engine(), year, as_of, default_parameters())
