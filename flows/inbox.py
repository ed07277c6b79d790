"""The inbox: new files dropped by the operations team → validated → decided → archived with their checksum; the
bank's return files among them reconciled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow

from core.errors import SubsidyError
from core.settings import inbox_dir
from flows import as_is
from flows.run_names import inbox_run_name
from ledger.bank_returns import Reconciled
from ledger.runs import IntakeSummary
from tasks.bank import post_bank_outcomes
from tasks.inbox import InboxBatch, InboxItem, archive_inbox_files, inbox_records, read_inbox_files, scan_inbox
from tasks.intake import check_datasets, decide_and_record, record_rejected_files
from tasks.reports import publish_inbox_summary
from validations.batch import ValidatedTable


@dataclass
class InboxSummary:
    inbox: str
    processed: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    intake: IntakeSummary | None = None
    reconciled: list[Reconciled] = field(default_factory=list)
    """The bank's return files of the drop, each reconciled."""


@flow(name="inbox-intake", flow_run_name=inbox_run_name, log_prints=True)
def inbox_intake_flow(inbox: str | None = None, archive: str | None = None, as_of: date | None = None) -> InboxSummary:
    """Take every new file of the inbox through intake in one run; reject unusable files alone; archive all."""
    day = as_of or date.today()
    root = Path(inbox) if inbox else inbox_dir()
    archive_root = Path(archive) if archive else root / "archive"
    scan = scan_inbox(str(root))
    batch = read_inbox_files(scan.new, as_is(scan.contents), scan.refused)  # the bytes read at the scan
    summary = InboxSummary(inbox=str(root.resolve()))
    accepted = inbox_records(batch.accepted, "processed", archive_root, day)
    if batch.accepted:
        validation = check_datasets(as_is(batch.tables))
        checksums = {i.path: i.checksum for i in batch.accepted}
        try:
            summary.intake = decide_and_record(
                as_is(batch.tables), as_is(batch.references), day, validation, accepted, checksums
            )
        except SubsidyError:  # the database refused the drop: each file on its own, so one blocks no other
            summary.intake = _each_file_alone(batch, accepted, day, validation, checksums)
    returned = []
    for item, rows in batch.bank_returns:  # each return file reconciled, its inbox record stored with the outcomes
        record = inbox_records([item], "processed", archive_root, day)
        summary.reconciled.append(post_bank_outcomes(item.path, as_is(rows), item.checksum, record))
        returned.append((item, record[0]["archived_as"]))
    rejected_items = [item for item, _ in batch.rejected]
    rejected = inbox_records(
        rejected_items,
        "rejected",
        archive_root / "rejected",
        day,
        {item.checksum: message for item, message in batch.rejected},
    )
    if rejected:
        record_rejected_files(rejected)
    moves = [(i, r["archived_as"]) for i, r in zip(batch.accepted, accepted, strict=True)]
    moves += returned
    moves += [(i, r["archived_as"]) for i, r in zip(rejected_items, rejected, strict=True)]
    moves += [
        (item, archived or str(archive_root / "duplicates" / f"{item.checksum[:12]}-{item.name}"))
        for item, _, archived in scan.seen
    ]
    summary.archived = archive_inbox_files(moves)
    summary.processed = [i.name for i in batch.accepted] + [i.name for i, _ in batch.bank_returns]
    summary.rejected = [message for _, message in batch.rejected]
    summary.skipped = [f"{item.name}: already {status}" for item, status, _ in scan.seen] + scan.ignored
    publish_inbox_summary(summary)
    return summary


def _each_file_alone(
    batch: InboxBatch, accepted: list[dict[str, Any]], day: date, validation: dict[str, Any], checksums: dict[str, str]
) -> IntakeSummary | None:
    """Decide and record each file of the drop in its own run (the reference files first, as the drop would
    have stored them before deciding): a file the database refuses is moved from ``batch.accepted`` (and its
    record from ``accepted``) to ``batch.rejected`` with the reason; the others are taken. The last run's
    summary, None when every file was refused."""
    summary = None
    by_kind = {kind: [i for i in batch.accepted if i.kind == kind] for kind in batch.references}
    units: list[tuple[list[ValidatedTable], dict[str, tuple[ValidatedTable, str]], list[InboxItem]]] = [
        ([], {kind: batch.references[kind]}, by_kind[kind]) for kind in batch.references
    ]
    applications = [i for i in batch.accepted if i.kind == "applications"]
    units += [([table], {}, [item]) for table, item in zip(batch.tables, applications, strict=True)]
    for tables, references, items in units:
        records = [accepted[batch.accepted.index(i)] for i in items]
        try:
            summary = decide_and_record(as_is(tables), as_is(references), day, validation, records, checksums)
        except SubsidyError as e:
            for item in items:
                del accepted[batch.accepted.index(item)]
                batch.accepted.remove(item)
                batch.rejected.append((item, str(e)))
    return summary
