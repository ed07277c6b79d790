"""Every deployment loads: schedules parse, entrypoints import, parameters validate."""

from __future__ import annotations

from deploy.deployments import build_deployments


def test_every_deployment_loads_with_its_schedule_and_limit() -> None:
    deployments = {d.name: d for d in build_deployments()}
    assert set(deployments) == {
        "inbox-hourly",
        "yearly-disbursement-cycle",
        "blacklist-refresh-daily",
        "ledger-verify-daily",
        "what-if",
        "payment-file",
        "bank-reconciliation",
        "recovery",
        "recovery-receipt",
    }
    recovery, receipt = deployments.pop("recovery"), deployments.pop("recovery-receipt")
    assert recovery.schedules == [] and receipt.schedules == []
    assert set(recovery._parameter_openapi_schema.properties) == {
        "application_id", "document_ref", "approved_by", "reason", "on", "amount_fen"
    }  # fmt: skip
    assert set(receipt._parameter_openapi_schema.properties) == {"application_id", "amount_fen", "value_date"}
    payment_file, reconciliation = deployments.pop("payment-file"), deployments.pop("bank-reconciliation")
    assert payment_file.schedules == [] and reconciliation.schedules == []  # run from the UI with parameters
    assert set(payment_file._parameter_openapi_schema.properties) == {"year", "on", "out"}
    assert set(reconciliation._parameter_openapi_schema.properties) == {"return_file"}
    what_if = deployments.pop("what-if")  # run by a planner from the UI, with parameters: no schedule
    assert what_if.schedules == [] and what_if.parameters == {"out": "subsidy-what-if"}
    assert set(what_if._parameter_openapi_schema.properties) == {"parameters", "readings", "as_of", "out"}
    crons = {name: (d.schedules[0].schedule.cron, d.schedules[0].schedule.timezone) for name, d in deployments.items()}
    assert crons == {
        "inbox-hourly": ("0 * * * *", "Asia/Shanghai"),
        "yearly-disbursement-cycle": ("0 9 1 12 *", "Asia/Shanghai"),
        "blacklist-refresh-daily": ("30 6 * * *", "Asia/Shanghai"),
        "ledger-verify-daily": ("0 6 * * *", "Asia/Shanghai"),
    }
    for d in deployments.values():
        limit = d.concurrency_limit
        assert getattr(limit, "limit", limit) == 1
    cycle = deployments["yearly-disbursement-cycle"]
    assert set(cycle._parameter_openapi_schema.properties) == {"year", "as_of"}
    assert set(deployments["inbox-hourly"]._parameter_openapi_schema.properties) == {"inbox", "archive", "as_of"}
    assert deployments["blacklist-refresh-daily"].parameters["blacklist"].endswith("blacklist.csv")
