"""Deployments as reviewed code: the inbox intake (hourly), the yearly disbursement cycle (1 December, 09:00
Shanghai), the blacklist refresh (daily), a daily ledger verification, and the what-if a planner runs from the UI
with an amendment's path and readings (no schedule; it writes nothing to the ledger), and the bank's payment file and
reconciliation, and a recovery and its receipts, run from the UI with their parameters (no schedule); one run at a
time each.

``subsidy serve`` serves them all from one process for a small installation; ``deploy/prefect.yaml`` describes
the same deployments for a work pool and workers. Paths come from the environment (SUBSIDY_INBOX,
SUBSIDY_BLACKLIST_FILE), the database URL only from SUBSIDY_DATABASE_URL.
"""

from __future__ import annotations

import os
from typing import Any

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.bank import payment_file_flow, reconcile_flow
from flows.disbursement import disbursement_flow
from flows.inbox import inbox_intake_flow
from flows.records import verify_flow
from flows.recovery import receipt_flow, recovery_flow
from flows.reference import reference_refresh_flow
from flows.what_if import what_if_flow

TIMEZONE = "Asia/Shanghai"


def build_deployments() -> list[RunnerDeployment]:
    """Every deployment of the project, with its schedule, parameters and concurrency limit."""
    blacklist = os.environ.get("SUBSIDY_BLACKLIST_FILE", "reference/blacklist.csv")
    deployments: list[Any] = [
        inbox_intake_flow.to_deployment(
            name="inbox-hourly",
            schedules=[Cron("0 * * * *", timezone=TIMEZONE)],
            concurrency_limit=1,
            parameters={"inbox": os.environ.get("SUBSIDY_INBOX", "inbox")},
            description="Takes the new files of the inbox through intake every hour and archives them.",
            tags=["subsidy", "intake"],
        ),
        disbursement_flow.to_deployment(
            name="yearly-disbursement-cycle",
            schedules=[Cron("0 9 1 12 *", timezone=TIMEZONE)],
            concurrency_limit=1,
            description="Pays or forfeits every due installment on 1 December, 09:00 Shanghai time.",
            tags=["subsidy", "disbursement"],
        ),
        reference_refresh_flow.to_deployment(
            name="blacklist-refresh-daily",
            schedules=[Cron("30 6 * * *", timezone=TIMEZONE)],
            concurrency_limit=1,
            parameters={"blacklist": blacklist},
            description="Loads the blacklist snapshot every morning when it changed.",
            tags=["subsidy", "reference-data"],
        ),
        verify_flow.to_deployment(
            name="ledger-verify-daily",
            schedules=[Cron("0 6 * * *", timezone=TIMEZONE)],
            concurrency_limit=1,
            description="Recomputes ledger balances and the hash chain every morning.",
            tags=["subsidy", "ledger"],
        ),
        what_if_flow.to_deployment(
            name="what-if",
            concurrency_limit=1,
            parameters={"out": os.environ.get("SUBSIDY_WHAT_IF_DIR", "subsidy-what-if")},
            description="Decides the stored applications again under an amended parameter file and readings, and "
            "compares with the ledger (run it with parameters: an amendment's path, readings such as I-4=first_come).",
            tags=["subsidy", "planning"],
        ),
        payment_file_flow.to_deployment(
            name="payment-file",
            concurrency_limit=1,
            description="Issues the bank's batch payment file of a fiscal year (run it with the year; out: where the "
            "file goes, .csv or .xlsx): every paid installment not yet sent, once.",
            tags=["subsidy", "bank"],
        ),
        reconcile_flow.to_deployment(
            name="bank-reconciliation",
            concurrency_limit=1,
            description="Reconciles the bank's return file (run it with its path): lines cleared or returned, once.",
            tags=["subsidy", "bank"],
        ),
        recovery_flow.to_deployment(
            name="recovery",
            concurrency_limit=1,
            description="Revokes an award (run it with the application, the document, who approved it and why): "
            "cancels what is unsettled, withholds what was not sent, claims back what reached the recipient.",
            tags=["subsidy", "recovery"],
        ),
        receipt_flow.to_deployment(
            name="recovery-receipt",
            concurrency_limit=1,
            description="Records money paid back of a revoked award (run it with the application, amount in fen and "
            "value date).",
            tags=["subsidy", "recovery"],
        ),
    ]
    return deployments  # to_deployment called outside an event loop returns the deployment itself


def serve_all() -> None:  # pragma: no cover - a long-running server process
    from prefect import serve

    serve(*build_deployments())


if __name__ == "__main__":  # pragma: no cover
    serve_all()
