"""Intake tasks: read and validate the files, run the dataset suites, decide and record in one transaction.

Each file is read once: its checksum is of the bytes parsed, and the dataset suites run on the tables read, in
this process (no second reading of the files elsewhere)."""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, date, datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from core.errors import ReferenceDataError
from core.gc_pause import collector_paused
from core.settings import data_docs_dir
from ledger.db import get_engine
from ledger.inbox_files import file_checksum
from ledger.runs import IntakeSummary, attach_validation, record_inbox_rejections, refresh_reference_data
from rules.params import default_parameters
from subsidy import progress
from tasks.intake_run import record_intake
from tasks.refusals import said_with_the_input
from tasks.retry import RETRY_DELAYS, transient_database_error
from validations.batch import ValidatedTable
from validations.files import joined_table, validated_chunks, validated_file
from validations.readers import read_file_bytes
from validations.suites import run_suites

logger = logging.getLogger(__name__)


def read_file(path: str, kind: str) -> tuple[ValidatedTable, str]:
    """One file read once: its validated table and the SHA-256 of the bytes parsed."""
    data = read_file_bytes(path)
    checksum = hashlib.sha256(data).hexdigest()
    chunks = validated_chunks(data, path, kind)
    del data  # not held while the chunks are joined
    return joined_table(path, kind, chunks), checksum


@task(name="read-application-files", cache_policy=NO_CACHE)
def read_application_files(files: list[str]) -> tuple[list[ValidatedTable], dict[str, str]]:
    """Read and validate every application file, each once; the tables and the checksum of each file's bytes.
    A whole-file problem stops the run before anything is stored."""
    tables, checksums = [], {}
    with collector_paused(), progress.step("read and validate application files", len(files)) as done:
        for n, f in enumerate(files, 1):
            table, checksums[f] = read_file(f, "applications")
            tables.append(table)
            done(n)
    return tables, checksums


@task(name="read-applications", cache_policy=NO_CACHE)
def read_applications(files: list[str]) -> list[ValidatedTable]:
    """The validated tables of ``read_application_files`` alone."""
    tables, _ = read_application_files.fn(files)
    return tables


def read_reference_table(path: str, kind: str, data: bytes | None = None) -> ValidatedTable:
    """A reference file (or the bytes read of it) with any bad row is refused whole, so a snapshot of its kind is
    never partial."""
    table = validated_file(read_file_bytes(path) if data is None else data, path, kind)
    if table.quarantined:
        details = "; ".join(f"row {q.row}: {q.message}" for q in table.quarantined[:10])
        more = f" (and {len(table.quarantined) - 10} more)" if len(table.quarantined) > 10 else ""
        raise ReferenceDataError(path, f"{len(table.quarantined)} bad row(s), file refused: {details}{more}")
    return table


@task(name="read-reference-data", cache_policy=NO_CACHE)
def read_reference_data(files: dict[str, str]) -> dict[str, tuple[ValidatedTable, str]]:
    """Read each reference file (refused whole when any row is bad)."""
    loaded = {}
    with collector_paused():
        for kind, path in files.items():
            data = read_file_bytes(path)
            loaded[kind] = (read_reference_table(path, kind, data), hashlib.sha256(data).hexdigest())
            del data
    return loaded


@task(name="check-datasets", cache_policy=NO_CACHE)
def check_datasets(tables: list[ValidatedTable]) -> dict[str, Any]:
    """Great Expectations dataset rules on each application table as read, rendered as Data Docs when the run
    read application rows (a run with none, such as one of reference files only, writes no Data Docs folder); the
    results and the Data Docs location are kept with the run. The rules run on the valid rows; each file's count
    of rows read, quarantined ones included, is checked too. Checks that fail to run say why; the intake goes on."""
    if not tables:
        return {"files": {}, "data_docs": None}
    progress.report("dataset rules (Great Expectations)", 0, 1)
    rows_read = {t.file: len(t.frame) + len(t.quarantined) for t in tables}
    docs = None
    if any(rows_read.values()):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        docs = data_docs_dir() / f"intake-{stamp}-{uuid.uuid4().hex[:6]}"
    try:
        outcomes = run_suites("applications", {t.file: t.frame for t in tables}, docs, rows_read)
    except Exception as e:  # GX's own failures vary with its version: reported with the run, never fatal
        logger.warning("dataset checks failed: %s", e, exc_info=True)
        return {"files": {}, "data_docs": None, "error": f"dataset checks failed: {e.__class__.__name__}: {e}"}
    finally:
        _forget_gx_context()
    return {
        "files": {f: {"suite": o.suite, "success": o.success, "results": o.results} for f, o in outcomes.items()},
        "data_docs": str((docs / "index.html").resolve()) if docs is not None else None,
    }


def _forget_gx_context() -> None:
    """GX keeps the last context it made, with the batches it checked, for the life of the process: let it go
    before the batch is decided (about 100 MB for 2,000,000 applications)."""
    try:
        from great_expectations.data_context.data_context.context_factory import project_manager

        project_manager.set_project(None)
    except (ImportError, AttributeError):  # another GX version: it keeps what it keeps
        pass


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
    checksums: dict[str, str] | None = None,
) -> IntakeSummary:
    """Screen, decide and commit the batch in one database transaction (with the inbox files it came from).
    ``checksums``: of the bytes each table was read from (a file missing there is hashed from its path)."""
    known = checksums or {}
    file_info = [
        {
            "file": t.file,
            "checksum": known.get(t.file) or file_checksum(t.file),
            "rows": len(t.frame) + len(t.quarantined),
        }
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
    name="record-dataset-checks",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def record_dataset_checks(run_id: int | None, validation: dict[str, Any]) -> None:
    """Keep the dataset checks run after the batch was decided with its intake run."""
    if run_id is not None:
        attach_validation(get_engine(), run_id, validation)


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
