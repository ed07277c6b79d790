"""Disbursement tasks: the cycle's three steps (``tasks.cycle``) as the operator sees them in the Prefect UI."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE

from core.gc_pause import collector_paused
from ledger.cycles import CycleSummary
from ledger.db import get_engine
from rules.params import default_parameters
from subsidy import progress
from tasks import cycle
from tasks.retry import RETRY_DELAYS, transient_database_error


@task(
    name="find-due-installments",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def find_due_installments(year: int, as_of: date) -> cycle.DueNow:
    """Every installment due by ``year`` that no cycle has settled and no correction has reversed."""
    with collector_paused(), progress.step(f"find the installments due by {year}"):
        return cycle.find_due(get_engine(), year, as_of)


@task(name="screen-recipients", cache_policy=NO_CACHE)
def screen_recipients(found: cycle.DueNow) -> cycle.Screened:
    """Each due installment's recipient screened on the as-of date: paid, forfeited (and why), or left due."""
    with collector_paused(), progress.step(f"screen {len(found.due)} installment(s)' recipients"):
        return cycle.screen(found, default_parameters())


@task(
    name="post-settlements",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def post_settlements(screened: cycle.Screened) -> CycleSummary:
    """The payments and forfeits posted exactly once, in one transaction under the run lock (screened again, under
    the screening's parameters, if another run posted or reference data was loaded since)."""
    with collector_paused(), progress.step("post the payments and forfeits to the ledger"):
        return cycle.post_settlements(get_engine(), screened)
