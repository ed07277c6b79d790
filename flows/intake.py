"""Intake: files in → validated → screened → decided → committed in the ledger."""

from __future__ import annotations

from datetime import date

from prefect import flow

from flows import as_is
from ledger.runs import IntakeSummary
from tasks.intake import (
    decide_and_record,
    finish_dataset_checks,
    read_applications,
    read_reference_data,
    start_dataset_checks,
)
from tasks.reports import publish_intake_summary


@flow(name="intake", log_prints=True)
def intake_flow(
    files: list[str],
    blacklist: str | None = None,
    registry: str | None = None,
    external_awards: str | None = None,
    case_decisions: str | None = None,
    onboardings: str | None = None,
    as_of: date | None = None,
) -> IntakeSummary:
    """Ingest application files with the reference data given; the decision date is ``as_of`` (default today)."""
    decision_date = as_of or date.today()
    reference_files = {
        kind: path
        for kind, path in (
            ("blacklist", blacklist),
            ("registry", registry),
            ("external_awards", external_awards),
            ("case_decisions", case_decisions),
            ("onboardings", onboardings),
        )
        if path
    }
    checks = start_dataset_checks(files)  # Great Expectations, in its own process, beside the rest
    references = read_reference_data(reference_files)
    tables = read_applications(files)
    summary = decide_and_record(as_is(tables), as_is(references), decision_date)
    validation = finish_dataset_checks(checks, summary.run_id)
    summary.data_docs = validation.get("data_docs")
    publish_intake_summary(summary)
    return summary
