"""Intake tasks: read and validate the files, run the dataset suites, decide and record in one transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from core.errors import ReferenceDataError
from core.settings import data_docs_dir
from ledger import records
from ledger.db import get_engine
from ledger.runs import (
    IntakeSummary,
    attach_validation,
    record_inbox_rejections,
    record_intake,
    refresh_reference_data,
)
from rules.params import default_parameters
from subsidy import dataset_checks, progress
from subsidy.dataset_checks import DatasetChecks
from subsidy.gc_pause import collector_paused
from tasks.refusals import said_with_the_input
from tasks.retry import RETRY_DELAYS, transient_database_error
from validations.batch import ValidatedTable, validate_table
from validations.readers import read_table
from validations.suites import run_suites


@task(name="read-applications", cache_policy=NO_CACHE)
def read_applications(files: list[str]) -> list[ValidatedTable]:
    """Read and validate every application file; a whole-file problem stops the run before anything is stored."""
    tables = []
    with collector_paused(), progress.step("read and validate application files", len(files)) as done:
        for n, f in enumerate(files, 1):
            tables.append(validate_table(read_table(f, "applications")))
            done(n)
    return tables


def read_reference_table(path: str, kind: str) -> ValidatedTable:
    """A reference file with any bad row is refused whole, so a snapshot of its kind is never partial."""
    table = validate_table(read_table(path, kind))
    if table.quarantined:
        details = "; ".join(f"row {q.row}: {q.message}" for q in table.quarantined[:10])
        more = f" (and {len(table.quarantined) - 10} more)" if len(table.quarantined) > 10 else ""
        raise ReferenceDataError(path, f"{len(table.quarantined)} bad row(s), file refused: {details}{more}")
    return table


@task(name="read-reference-data", cache_policy=NO_CACHE)
def read_reference_data(files: dict[str, str]) -> dict[str, tuple[ValidatedTable, str]]:
    """Read each reference file (refused whole when any row is bad)."""
    with collector_paused():
        return {kind: (read_reference_table(path, kind), records.file_checksum(path)) for kind, path in files.items()}


@task(name="check-datasets", cache_policy=NO_CACHE)
def check_datasets(tables: list[ValidatedTable]) -> dict[str, Any]:
    """Great Expectations dataset rules on each application batch, rendered as Data Docs; the results and the
    Data Docs location are kept with the run."""
    if not tables:
        return {"files": {}, "data_docs": None}
    progress.report("dataset rules (Great Expectations)", 0, 1)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    docs = data_docs_dir() / f"intake-{stamp}-{uuid.uuid4().hex[:6]}"
    outcomes = run_suites("applications", {t.file: t.frame for t in tables}, docs)
    return {
        "files": {f: {"suite": o.suite, "success": o.success, "results": o.results} for f, o in outcomes.items()},
        "data_docs": str((docs / "index.html").resolve()),
    }


@task(name="start-dataset-checks", cache_policy=NO_CACHE)
def start_dataset_checks(files: list[str]) -> DatasetChecks:
    """Start the Great Expectations dataset rules on the application files in a separate process (or take the
    ones the command already started): they run on the other core while this process decides and records."""
    return dataset_checks.start(files)


@task(
    name="finish-dataset-checks",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def finish_dataset_checks(checks: DatasetChecks, run_id: int | None) -> dict[str, Any]:
    """Wait for the dataset checks and keep their results (and the Data Docs location) with the intake run."""
    if checks.process is not None:
        progress.report("dataset rules (Great Expectations)", 0, 1)
    validation = checks.outcome()
    if run_id is not None:
        attach_validation(get_engine(), run_id, validation)
    return validation


@task(
    name="decide-and-record",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def decide_and_record(
    tables: list[ValidatedTable],
    references: dict[str, tuple[ValidatedTable, str]],
    as_of: date,
    validation: dict[str, Any] | None = None,
    inbox_files: list[dict[str, Any]] | None = None,
) -> IntakeSummary:
    """Screen, decide and commit the batch in one database transaction (with the inbox files it came from)."""
    file_info = [
        {"file": t.file, "checksum": records.file_checksum(t.file), "rows": len(t.frame) + len(t.quarantined)}
        for t in tables
    ]
    # A value the database refuses fails the run naming its file and row, not with a bare DataError.
    with collector_paused(), progress.step("screen, decide and post to the ledger"), said_with_the_input(tables):
        return record_intake(
            get_engine(),
            tables,
            references,
            as_of,
            default_parameters(),
            file_info,
            validation or {},
            inbox_files or [],
        )


@task(
    name="record-rejected-files",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def record_rejected_files(files: list[dict[str, Any]]) -> None:
    """Remember rejected inbox files (by checksum) so the same bad file dropped again is not read again."""
    record_inbox_rejections(get_engine(), files)


@task(
    name="refresh-reference-data",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def refresh_references(references: dict[str, tuple[ValidatedTable, str]]) -> dict[str, str]:
    """Store the snapshots that changed since the last load of their kind."""
    return refresh_reference_data(get_engine(), references)
