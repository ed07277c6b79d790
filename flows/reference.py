"""Reference-data refresh: the blacklist (daily), the registry, awards from other policies, the enterprises cloud
providers onboarded and the recipients' bank accounts, as full snapshots."""

from __future__ import annotations

from prefect import flow

from tasks.intake import read_reference_data, refresh_references


@flow(name="reference-refresh", log_prints=True)
def reference_refresh_flow(
    blacklist: str | None = None,
    registry: str | None = None,
    external_awards: str | None = None,
    onboardings: str | None = None,
    bank_accounts: str | None = None,
) -> dict[str, str]:
    """Load each given snapshot file; one identical to the latest load of its kind is not loaded again."""
    given = {
        "blacklist": blacklist,
        "registry": registry,
        "external_awards": external_awards,
        "onboardings": onboardings,
        "bank_accounts": bank_accounts,
    }
    files = {kind: path for kind, path in given.items() if path}
    outcome = refresh_references(read_reference_data(files))
    for kind, what in outcome.items():
        print(f"{kind}: {what}")
    return outcome
