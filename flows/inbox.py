"""The inbox: new files dropped by the operations team → validated → decided → archived with their checksum."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from prefect import flow

from core.settings import inbox_dir
from flows import as_is
from ledger.runs import IntakeSummary
from tasks.inbox import archive_inbox_files, inbox_records, read_inbox_files, scan_inbox
from tasks.intake import check_datasets, decide_and_record, record_rejected_files
from tasks.reports import publish_inbox_summary


@dataclass
class InboxSummary:
    inbox: str
    processed: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    intake: IntakeSummary | None = None


@flow(name="inbox-intake", log_prints=True)
def inbox_intake_flow(inbox: str | None = None, archive: str | None = None, as_of: date | None = None) -> InboxSummary:
    """Take every new file of the inbox through intake in one run; reject unusable files alone; archive all."""
    day = as_of or date.today()
    root = Path(inbox) if inbox else inbox_dir()
    archive_root = Path(archive) if archive else root / "archive"
    scan = scan_inbox(str(root))
    batch = read_inbox_files(scan.new, as_is(scan.contents), scan.refused)  # the bytes read at the scan
    summary = InboxSummary(inbox=str(root.resolve()))
    accepted = inbox_records(batch.accepted, "processed", archive_root, day)
    rejected_items = [item for item, _ in batch.rejected]
    rejected = inbox_records(
        rejected_items,
        "rejected",
        archive_root / "rejected",
        day,
        {item.checksum: message for item, message in batch.rejected},
    )
    if batch.accepted:
        validation = check_datasets(as_is(batch.tables))
        checksums = {i.path: i.checksum for i in batch.accepted}
        summary.intake = decide_and_record(
            as_is(batch.tables), as_is(batch.references), day, validation, accepted, checksums
        )
    if rejected:
        record_rejected_files(rejected)
    moves = [(i, r["archived_as"]) for i, r in zip(batch.accepted, accepted, strict=True)]
    moves += [(i, r["archived_as"]) for i, r in zip(rejected_items, rejected, strict=True)]
    moves += [
        (item, archived or str(archive_root / "duplicates" / f"{item.checksum[:12]}-{item.name}"))
        for item, _, archived in scan.seen
    ]
    summary.archived = archive_inbox_files(moves)
    summary.processed = [i.name for i in batch.accepted]
    summary.rejected = [message for _, message in batch.rejected]
    summary.skipped = [f"{item.name}: already {status}" for item, status, _ in scan.seen] + scan.ignored
    publish_inbox_summary(summary)
    return summary
