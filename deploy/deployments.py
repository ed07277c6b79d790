"""Deployments as reviewed code: the yearly disbursement cycle and on-demand intake, exports and checks.

``python -m deploy.deployments`` (or ``subsidy serve`` in a later release) serves them all from one process;
secrets such as the database URL come only from the environment (SUBSIDY_DATABASE_URL).
"""

from __future__ import annotations

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.disbursement import disbursement_flow
from flows.intake import intake_flow
from flows.records import verify_flow

TIMEZONE = "Asia/Shanghai"


def build_deployments() -> list[RunnerDeployment]:
    """Every deployment of the project, with its schedule and concurrency limit."""
    return [
        disbursement_flow.to_deployment(
            name="yearly-disbursement-cycle",
            schedules=[Cron("0 9 1 12 *", timezone=TIMEZONE)],
            concurrency_limit=1,
            description="Pays or forfeits every due installment on 1 December, 09:00 Shanghai time.",
            tags=["subsidy", "disbursement"],
        ),
        intake_flow.to_deployment(
            name="intake",
            concurrency_limit=1,
            description="Ingests the application files given as parameters.",
            tags=["subsidy", "intake"],
        ),
        verify_flow.to_deployment(
            name="ledger-verify-daily",
            schedules=[Cron("0 6 * * *", timezone=TIMEZONE)],
            concurrency_limit=1,
            description="Recomputes ledger balances and the hash chain every morning.",
            tags=["subsidy", "ledger"],
        ),
    ]


if __name__ == "__main__":  # pragma: no cover - long-running server process
    serve(*build_deployments())
