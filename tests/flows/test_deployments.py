"""Every deployment loads: schedules parse, entrypoints import, parameters validate."""

from __future__ import annotations

from deploy.deployments import build_deployments


def test_every_deployment_loads_with_its_schedule() -> None:
    deployments = {d.name: d for d in build_deployments()}
    assert set(deployments) == {"yearly-disbursement-cycle", "intake", "ledger-verify-daily"}
    cycle = deployments["yearly-disbursement-cycle"]
    [schedule] = cycle.schedules
    assert schedule.schedule.cron == "0 9 1 12 *"
    assert schedule.schedule.timezone == "Asia/Shanghai"
    assert cycle.concurrency_limit == 1
    assert set(cycle._parameter_openapi_schema.properties) == {"year", "as_of"}
    assert "files" in deployments["intake"]._parameter_openapi_schema.properties
