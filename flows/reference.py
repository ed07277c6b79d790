"""Reference-data refresh: the blacklist (daily), the registry and awards from other policies, as full snapshots."""

from __future__ import annotations

from prefect import flow

from tasks.intake import read_reference_data, refresh_references


@flow(name="reference-refresh", log_prints=True)
def reference_refresh_flow(
    blacklist: str | None = None, registry: str | None = None, external_awards: str | None = None
) -> dict[str, str]:
    """Load each given snapshot file; one identical to the latest load of its kind is not loaded again."""
    files = {
        k: v for k, v in (("blacklist", blacklist), ("registry", registry), ("external_awards", external_awards)) if v
    }
    outcome = refresh_references(read_reference_data(files))
    for kind, what in outcome.items():
        print(f"{kind}: {what}")
    return outcome
