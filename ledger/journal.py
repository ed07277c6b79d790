"""Journal batches: when and by which run the ledger's entries were posted, kept once per batch of consecutive
entries (``models.JournalBatch``), and found again for each entry as the ledger is read in order."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import LedgerIntegrityError
from ledger.models import JournalBatch


def journal_batches(session: Session) -> list[JournalBatch]:
    """Every journal batch, in the order of its entries (a few per run: read at once)."""
    return list(session.execute(select(JournalBatch).order_by(JournalBatch.first_seq)).scalars())


class BatchWalk:
    """The journal batch of each entry, for entries asked in the order of their sequence numbers."""

    def __init__(self, batches: Sequence[JournalBatch]) -> None:
        self._batches = batches
        self._next = 0

    def of(self, seq: int) -> JournalBatch | None:
        """The batch holding entry ``seq``; None when no batch does."""
        while self._next < len(self._batches) and self._batches[self._next].last_seq < seq:
            self._next += 1
        if self._next < len(self._batches) and self._batches[self._next].first_seq <= seq:
            return self._batches[self._next]
        return None


def check_batches_tile(batches: Sequence[JournalBatch], entries: int) -> None:
    """The batches (in order) hold entries 1 … ``entries`` each exactly once: none overlaps another, leaves a gap
    or names an entry the ledger does not have. Raises naming the first entry where they do not."""
    expected = 1
    for batch in batches:
        if batch.first_seq != expected:
            raise LedgerIntegrityError(
                min(batch.first_seq, expected),
                f"the journal batches do not follow each other: one starts at #{batch.first_seq}, #{expected} was next",
            )
        expected = batch.last_seq + 1
    if expected != entries + 1:
        raise LedgerIntegrityError(
            entries + 1, f"a journal batch names entries up to #{expected - 1}, the ledger ends at #{entries}"
        )
