"""Posting to the double-entry ledger: exactly once, balanced, hash-chained.

Each entry moves ``amount_fen`` from its debit account to its credit account: double entry, balanced by its
shape. What an entry is for (its business key: ``commitment/<app>/<k>``, ``settlement/<app>/<k>``,
``reversal/<seq>``) and its two accounts follow from what it says (``ledger.accounts``); a unique index holds each
key once. An entry's content hash is recomputed from what it says (the one hash stored is the chain link,
``entry_hash``): the same key with the same content is skipped, the same key with other content is refused.
Callers post inside ``ledger.db.run_transaction`` so the chain is extended by one run at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, exists, insert, select, true
from sqlalchemy.orm import Session

from core.errors import IdempotencyConflict, LedgerError
from ledger.accounts import KEYS, described
from ledger.bulk import INSERT_CHUNK, LOOKUP_CHUNK, bulk_insert_tuples
from ledger.models import JournalBatch, LedgerTransaction, TransactionKind

GENESIS_HASH = "0" * 64
COMMITMENT, PAYMENT, FORFEIT, CANCEL = (
    k.value
    for k in (TransactionKind.COMMITMENT, TransactionKind.PAYMENT, TransactionKind.FORFEIT, TransactionKind.CANCEL)
)
SETTLEMENTS = (PAYMENT, FORFEIT, CANCEL)
"""The kinds that settle an installment, one each (``settlement/<app>/<k>``)."""


def still_open(commitment: Any, through_seq: int | None = None) -> ColumnElement[bool]:
    """Which entries of ``commitment`` (an alias of the ledger's table) are installments still owed: commitments
    that no payment, forfeit or cancellation has settled and no reversal has undone (among the entries up to
    ``through_seq``, when given). An installment is settled at most once (its settlement's business key is unique),
    so a settled one is never owed again. The cycle pays these; the report counts them."""
    other = LedgerTransaction.__table__.alias("other")
    in_cut = true() if through_seq is None else other.c.seq <= through_seq
    settled = exists().where(
        other.c.application_id == commitment.c.application_id,
        other.c.installment == commitment.c.installment,
        other.c.kind.in_(SETTLEMENTS),
        in_cut,
    )
    reversed_ = exists().where(other.c.reverses_seq == commitment.c.seq, in_cut)
    return and_(commitment.c.kind == COMMITMENT, ~settled, ~reversed_)


class Posting(NamedTuple):
    """An entry to post once: ``amount_fen`` between the two accounts its kind names (``ledger.accounts``)."""

    kind: str
    amount_fen: int
    application_id: str | None = None
    installment: int | None = None
    clause: str | None = None
    fiscal_year: int | None = None
    recipient_uscc: str | None = None
    reasons: str = ""
    reverses_seq: int | None = None

    @property
    def business_key(self) -> str:
        """What the entry is for; posted at most once."""
        return KEYS[self.kind].format(**self._asdict())


def content_hash(
    business_key: str,
    kind: str,
    application_id: str | None,
    installment: int | None,
    clause: str | None,
    fiscal_year: int | None,
    recipient_uscc: str | None,
    amount_fen: int,
    reasons: str | None,
    reverses_seq: int | None,
    debit_account: str,
    credit_account: str,
) -> str:
    """SHA-256 over what one entry says (``content_hashes`` of a single entry)."""
    fields = (business_key, kind, application_id, installment, clause, fiscal_year, recipient_uscc, amount_fen)
    return content_hashes([[f] for f in (*fields, reasons, reverses_seq, debit_account, credit_account)])[0]


def entry_hash(seq: int, prev_hash: str, content: str, posted_at: datetime | str, source: str) -> str:
    """The chain link: this entry's hash covers the previous entry's hash. ``posted_at`` as ISO text (with a
    ``T``) or a datetime."""
    stamp = posted_at if isinstance(posted_at, str) else posted_at.isoformat()
    text = f"{seq}\x1f{prev_hash}\x1f{content}\x1f{stamp}\x1f{source}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def commitment_entries(
    application_id: Sequence[str],
    installment: Sequence[int],
    clause: Sequence[str],
    due_year: Sequence[int],
    recipient: Sequence[str],
    fen: Sequence[int],
) -> dict[str, list[Any]]:
    """On approval, column by column (``ENTRY_FACTS``): each installment committed against its clause's budget line
    for the year it falls due, payable to its recipient."""
    n = len(application_id)
    return {
        "kind": [COMMITMENT] * n,
        "application_id": list(application_id),
        "installment": list(installment),
        "clause": list(clause),
        "fiscal_year": list(due_year),
        "recipient_uscc": list(recipient),
        "amount_fen": list(fen),
        "reasons": [""] * n,
        "reverses_seq": [None] * n,
    }


def settlement_entries(
    application_id: Sequence[str],
    installment: Sequence[int],
    clause: Sequence[str],
    year: int,
    recipient: Sequence[str],
    fen: Sequence[int],
    paid: Sequence[bool],
    reasons: Sequence[str],
) -> dict[str, list[Any]]:
    """In a cycle of ``year``, column by column: each installment paid, or forfeited with its reasons (releasing
    the commitment). One settlement each."""
    n = len(application_id)
    return {
        "kind": [PAYMENT if p else FORFEIT for p in paid],
        "application_id": list(application_id),
        "installment": list(installment),
        "clause": list(clause),
        "fiscal_year": [year] * n,
        "recipient_uscc": list(recipient),
        "amount_fen": list(fen),
        "reasons": list(reasons),
        "reverses_seq": [None] * n,
    }


def commitment(application_id: str, installment: int, clause: str, due_year: int, recipient: str, fen: int) -> Posting:
    """One entry of ``commitment_entries``."""
    return _one(commitment_entries([application_id], [installment], [clause], [due_year], [recipient], [fen]))


def settlement(
    application_id: str,
    installment: int,
    clause: str,
    year: int,
    recipient: str,
    fen: int,
    paid: bool,
    reasons: str = "",
) -> Posting:
    """One entry of ``settlement_entries``."""
    return _one(
        settlement_entries([application_id], [installment], [clause], year, [recipient], [fen], [paid], [reasons])
    )


def _one(columns: dict[str, list[Any]]) -> Posting:
    return Posting(**{name: column[0] for name, column in columns.items()})


@dataclass
class PostResult:
    posted: int = 0
    skipped: int = 0
    head: str = GENESIS_HASH


def chain_head(session: Session) -> tuple[int, str]:
    """The last sequence number and its entry hash (0 and the genesis hash for an empty ledger)."""
    row = session.execute(
        select(LedgerTransaction.seq, LedgerTransaction.entry_hash).order_by(LedgerTransaction.seq.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


def _posted_contents(session: Session, keys: Sequence[str], applications: Sequence[str | None]) -> dict[str, str]:
    """The content hash of each entry already posted under one of ``keys`` (the entries of ``applications``, found
    by the index that holds each key once), recomputed from what it says (the ledger keeps one hash per entry, its
    chain link)."""
    columns = [getattr(LedgerTransaction, name) for name in ENTRY_FIELDS]
    wanted, found = set(keys), dict[str, str]()
    named = sorted({a for a in applications if a is not None})
    for start in range(0, len(named), LOOKUP_CHUNK):
        chunk = named[start : start + LOOKUP_CHUNK]
        rows = session.execute(select(*columns).where(LedgerTransaction.application_id.in_(chunk))).tuples().all()
        if rows:
            posted = [list(column) for column in zip(*rows, strict=True)]
            found.update((k, c) for k, c in zip(posted[0], content_hashes(posted), strict=True) if k in wanted)
    return found


ENTRY_FACTS = (
    "kind",
    "application_id",
    "installment",
    "clause",
    "fiscal_year",
    "recipient_uscc",
    "amount_fen",
    "reasons",
    "reverses_seq",
)
"""What an entry says, as stored."""
ENTRY_FIELDS = ("business_key", *ENTRY_FACTS, "debit_account", "credit_account")
"""What an entry says with what it is for and its two accounts (``ledger.accounts``), in the order
``content_hash`` takes it."""
LEDGER_INSERT = ("seq", *ENTRY_FACTS, "entry_hash")
"""The columns of a posted entry, in the order ``post_columns`` builds its rows."""


def post(session: Session, postings: Iterable[Posting], source: str, known_new: bool = False) -> PostResult:
    """Post each entry once, in the order given (see ``post_columns``)."""
    postings = list(postings)
    return post_columns(
        session, {name: [getattr(p, name) for p in postings] for name in ENTRY_FACTS}, source, known_new
    )


def described_columns(session: Session, columns: Mapping[str, Sequence[Any]]) -> list[Sequence[Any]]:
    """Entries given column by column (``ENTRY_FACTS``) with their business keys and accounts, in
    ``ENTRY_FIELDS`` order; refused when an amount is negative or an entry lacks what its accounts need."""
    if any(amount < 0 for amount in columns["amount_fen"]):
        raise LedgerError("ledger: an entry moves a negative amount")
    reversed_seqs = sorted({seq for seq in columns["reverses_seq"] if seq is not None})
    reversed_kinds: dict[int, str] = {}
    if reversed_seqs:
        query = select(LedgerTransaction.seq, LedgerTransaction.kind).where(LedgerTransaction.seq.in_(reversed_seqs))
        reversed_kinds = dict(session.execute(query).tuples().all())
    keys, debits, credits = described(columns, reversed_kinds)
    return [keys, *(columns[name] for name in ENTRY_FACTS), debits, credits]


def post_columns(
    session: Session,
    columns: Mapping[str, Sequence[Any]],
    source: str,
    known_new: bool = False,
    head: tuple[int, str] | None = None,
) -> PostResult:
    """Post entries given column by column (``ENTRY_FACTS``), in order, each under its business key at most
    once: the same key with the same content is skipped, with other content refused. ``known_new`` skips the
    look-up of existing keys when the caller has just established that none exists (the unique index still
    guards); ``head`` is the chain head the caller read in this transaction, under the run lock, with nothing
    posted since. Entries are hashed and inserted a chunk at a time; the chain goes on across chunks. The entries
    posted are one journal batch: ``source`` and the time are stored once, with it."""
    result = PostResult()
    cols = described_columns(session, columns)
    keys = cols[0]
    if len(set(keys)) != len(keys):  # the same key twice in one call: identical entries count once
        by_key: dict[str, tuple[Any, ...]] = {}
        for entry in zip(*cols, strict=True):
            if by_key.setdefault(entry[0], entry) != entry:
                raise IdempotencyConflict(entry[0])
        cols = [list(c) for c in zip(*by_key.values(), strict=True)] if by_key else [[] for _ in ENTRY_FIELDS]
        keys = cols[0]
    existing = {} if known_new else _posted_contents(session, keys, cols[2])
    seq, prev = head if head is not None else chain_head(session)
    first = seq + 1
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    stamp = now.isoformat()
    for start in range(0, len(keys), INSERT_CHUNK):
        chunk = [c[start : start + INSERT_CHUNK] for c in cols]
        contents = content_hashes(chunk)
        if existing:
            fresh = []
            for i, (key, content) in enumerate(zip(chunk[0], contents, strict=True)):
                if key not in existing:
                    fresh.append(i)
                elif existing[key] != content:
                    raise IdempotencyConflict(key)
            result.skipped += len(contents) - len(fresh)
            chunk = [[c[i] for i in fresh] for c in chunk]
            contents = [contents[i] for i in fresh]
        seqs = range(seq + 1, seq + 1 + len(contents))
        links = []
        for number, content in zip(seqs, contents, strict=True):
            prev = entry_hash(number, prev, content, stamp, source)
            links.append(prev)
        seq += len(contents)
        rows = list(zip(seqs, *chunk[1:-2], links, strict=True))
        bulk_insert_tuples(session, LedgerTransaction.__table__, LEDGER_INSERT, rows)
        result.posted += len(contents)
    if result.posted:
        session.execute(insert(JournalBatch).values(first_seq=first, last_seq=seq, source=source, posted_at=now))
    result.head = prev
    return result


def content_hashes(cols: Sequence[Sequence[Any]]) -> list[str]:
    """The content hash of each entry given as columns in ``ENTRY_FIELDS`` order: SHA-256 over what the entry says
    (not when or by which run it was posted), its two accounts entering as its two lines ``account:debit:credit``.
    The one hash of an entry's content: ``content_hash`` is this of a single entry."""
    sha256 = hashlib.sha256
    return [
        sha256(
            f"{key}\x1f{kind}\x1f{app or ''}\x1f{'' if number is None else number}\x1f{clause or ''}"
            f"\x1f{'' if year is None else year}\x1f{uscc or ''}\x1f{fen}\x1f{reasons or ''}"
            f"\x1f{'' if reverses is None else reverses}\x1f{debit}:{fen}:0\x1f{credit}:0:{fen}".encode()
        ).hexdigest()
        for key, kind, app, number, clause, year, uscc, fen, reasons, reverses, debit, credit in zip(*cols, strict=True)
    ]


def reverse(session: Session, seq: int, reason: str, source: str) -> PostResult:
    """A correction: a new entry moving the same amount back (accounts swapped), linked to the one it reverses."""
    original = session.get(LedgerTransaction, seq)
    if original is None:
        raise LedgerError(f"ledger: no entry #{seq} to reverse")
    if original.kind == TransactionKind.REVERSAL:
        raise LedgerError(f"ledger: entry #{seq} is itself a reversal")
    undo = Posting(
        kind=TransactionKind.REVERSAL.value,
        amount_fen=original.amount_fen,
        application_id=original.application_id,
        installment=original.installment,
        clause=original.clause,
        fiscal_year=original.fiscal_year,
        recipient_uscc=original.recipient_uscc,
        reasons=reason,
        reverses_seq=seq,
    )
    return post(session, [undo], source)
