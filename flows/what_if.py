"""What-if: the stored applications decided again under an amended policy, compared with the ledger; nothing is
written to the ledger."""

from __future__ import annotations

from datetime import date

from prefect import flow

from flows import as_is
from flows.run_names import what_if_run_name
from tasks.what_if import (
    WhatIfResult,
    compare_with_ledger,
    decide_history_again,
    find_decided_runs,
    publish_what_if,
    read_amendment,
    read_stored_outcomes,
    write_what_if_files,
)


@flow(name="what-if", flow_run_name=what_if_run_name, log_prints=True)
def what_if_flow(
    parameters: str | None = None,
    readings: list[str] | None = None,
    as_of: date | None = None,
    out: str = "subsidy-what-if",
) -> WhatIfResult:
    """Decide every stored application again under the amended parameters (a YAML file or folder in the shape of
    ``rules/parameters/``) and readings (``I-4=first_come``); only those decided up to ``as_of`` when given. The
    comparison goes to ``out`` (CSV) and to this run's artifacts."""
    amendment = read_amendment(parameters, readings or [])
    runs = find_decided_runs(as_of)
    after = decide_history_again(as_is(amendment), as_is(runs))
    before = read_stored_outcomes(as_is(runs))
    comparison = compare_with_ledger(as_is(before), as_is(after))
    result = write_what_if_files(as_is(comparison), as_is(amendment), as_is(runs), as_of, out)
    publish_what_if(as_is(result), as_is(comparison))
    return result
