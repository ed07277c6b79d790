"""Verification and balances: recompute every entry's content hash and chain link, every application's inputs hash,
and the ledger's totals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.errors import LedgerIntegrityError
from ledger import invariants
from ledger.anchors import Anchor, read_anchors
from ledger.journal import BatchWalk, check_batches_tile, journal_batches
from ledger.models import JournalBatch, LedgerTransaction, TransactionKind
from ledger.posting import GENESIS_HASH, content_hash, entry_hash

BATCH = 5000


@dataclass
class VerifyReport:
    entries: int
    head: str
    anchors_checked: int = 0
    """Chain heads kept outside the database that were found in the chain."""
    checked: list[str] = field(default_factory=list)
    """What was checked, in words: each line a check that could have failed and did not."""


def verify_ledger(
    session: Session, known_heads: Iterable[str] = (), anchors: Sequence[Anchor] | None = None
) -> VerifyReport:
    """Walk the chain in order; raise ``LedgerIntegrityError`` naming the first bad entry. ``known_heads`` are
    chain heads given by the operator, ``anchors`` those kept outside the database by every committing run (by
    default read from this ledger's anchor file, ``ledger.anchors``): each must still be in the chain at its place,
    so a ledger rewritten from some point on, hashes and all, or cut short, is caught. Then every entry must match
    what it is for (``check_entries_match``)."""
    wanted = set(known_heads)
    given = len(wanted)
    anchored = {a.seq: a for a in (read_anchors(session) if anchors is None else anchors)}
    batches = journal_batches(session)
    walk = BatchWalk(batches)
    prev = GENESIS_HASH
    entries = 0
    while True:
        txns = (
            session.execute(
                select(LedgerTransaction)
                .where(LedgerTransaction.seq > entries)
                .order_by(LedgerTransaction.seq)
                .limit(BATCH)
            )
            .scalars()
            .all()
        )
        if not txns:
            break
        for t in txns:
            entries += 1
            check_entry(t, entries, prev, walk.of(t.seq))
            anchor = anchored.get(t.seq)
            if anchor is not None and anchor.head != t.entry_hash:
                raise LedgerIntegrityError(
                    t.seq, f"differs from the head {anchor.source} kept outside the database: the ledger was rewritten"
                )
            prev = t.entry_hash
            wanted.discard(prev)
    check_heads_reached(wanted, anchored, entries)
    check_batches_tile(batches, entries)
    check_entries_match(session)
    applications = check_applications_unchanged(session)
    checked = [
        f"{entries} entries in order from #1, each a transfer between two named accounts, its hash recomputed from "
        f"what it says, when and by which run it was posted (its journal batch), and the hash of the entry before it",
        f"{len(anchored)} chain head(s) kept outside the database (the anchor file) found at their places",
        f"{len(batches)} journal batch(es) holding each entry exactly once",
        "every commitment an installment of an approved decision within its award, every settlement one unreversed "
        "installment due by its cycle (same recipient and amount), every bank transfer (issue, reissue, clear, bounce) "
        "and every recovery step (withhold, retain, claim, receipt) the next step of its installment's money after the "
        "entry it follows, every approved award equal to its commitments",
        f"{applications} applications' inputs, each giving the hash stored with it at intake",
    ]
    if given:
        checked.insert(2, f"{given} chain head(s) given found in the chain")
    return VerifyReport(entries, prev, anchors_checked=len(anchored), checked=checked)


def check_heads_reached(wanted: set[str], anchored: dict[int, Anchor], entries: int) -> None:
    """After the walk: every chain head given was met (``wanted`` holds those that were not), and no head kept
    outside the database lies beyond the ledger's last entry (a ledger cut short)."""
    if wanted:
        raise LedgerIntegrityError(
            entries, f"chain head(s) kept outside the database are not in the chain: {', '.join(sorted(wanted))}"
        )
    beyond = [a for a in anchored.values() if a.seq > entries]
    if beyond:
        last = max(beyond, key=lambda a: a.seq)
        raise LedgerIntegrityError(
            entries + 1,
            f"missing: the ledger ends at #{entries} but {last.source} kept head #{last.seq} outside the database",
        )


def check_applications_unchanged(session: Session) -> int:
    """Every stored application's inputs still give the hash stored with them at intake; returns how many."""
    from ledger.applications import applications_unchanged  # pandas: loaded for verify only, not for balances

    applications, changed = applications_unchanged(session)
    if changed is not None:
        raise LedgerIntegrityError(
            0,
            "its inputs do not give the hash stored with them at intake: changed after it was decided",
            subject=f"application {changed}",
        )
    return applications


def check_entry(t: LedgerTransaction, expected_seq: int, prev: str, batch: JournalBatch | None) -> None:
    """One entry: in its place, a transfer, and its hash that of its content, posting (``batch``: its journal
    batch) and link to the entry before it (``prev``: that entry's hash), each recomputed."""
    if t.seq != expected_seq:
        raise LedgerIntegrityError(expected_seq, f"missing; the chain jumps to #{t.seq}")
    if batch is None:
        raise LedgerIntegrityError(t.seq, "is in no journal batch: when and by which run it was posted is not kept")
    if t.amount_fen < 0 or not t.debit_account or not t.credit_account or t.debit_account == t.credit_account:
        raise LedgerIntegrityError(
            t.seq, f"does not balance (debit {t.debit_account!r}, credit {t.credit_account!r}, {t.amount_fen} fen)"
        )
    content = content_hash(
        t.business_key,
        t.kind,
        t.application_id,
        t.installment,
        t.clause,
        t.fiscal_year,
        t.recipient_uscc,
        t.amount_fen,
        t.reasons,
        t.reverses_seq,
        t.debit_account,
        t.credit_account,
    )
    if entry_hash(t.seq, prev, content, batch.posted_at, batch.source) != t.entry_hash:
        raise LedgerIntegrityError(
            t.seq,
            f"does not match its hash ({t.business_key}): what it says, when or by which run it was posted was changed "
            "after posting, or it does not link to the entry before it (hash chain broken)",
        )


def check_entries_match(session: Session) -> None:
    """M1: every entry matches what it is for (``ledger.invariants``: each settlement one unreversed commitment
    installment of an approved decision, same recipient and amount; no reversal of a settled one) and every
    approved decision's commitments sum to its award. Raises naming the first entry (or decision) that does not."""
    ok = invariants.entry_ok("r", session.get_bind().dialect.name, new_rows_in_table=True)
    bad = session.execute(text(invariants.FIRST_UNMATCHED.format(ok=ok))).scalar()
    if bad is not None:
        key = session.execute(select(LedgerTransaction.business_key).where(LedgerTransaction.seq == bad)).scalar()
        raise LedgerIntegrityError(bad, f"{key} does not match what it is for {invariants.RULES}")
    unequal = session.execute(text(invariants.FIRST_AWARD_NOT_COMMITTED)).first()
    if unequal is not None:
        app_id, award, committed, first = unequal
        raise LedgerIntegrityError(
            first or 0, f"the commitments of {app_id} sum to {committed} fen, its approved award is {award} fen"
        )


@dataclass
class ClauseBalance:
    committed_fen: int = 0
    paid_fen: int = 0
    forfeited_fen: int = 0
    cancelled_fen: int = 0
    """Installments of revoked awards cancelled before they were settled."""
    in_transit_fen: int = 0
    """Paid and sent to the bank in a payment file; its outcome not yet known."""
    cleared_fen: int = 0
    """Paid and, as the bank's return file says, in the recipient's account (and not claimed back)."""
    returned_fen: int = 0
    """Paid, sent, and returned by the bank: owed again until the next payment file sends it."""
    withheld_fen: int = 0
    """Paid in a cycle, then kept when the award was revoked before the money left."""
    claimed_fen: int = 0
    """Cleared, then claimed back from the recipient when the award was revoked."""
    recovered_fen: int = 0
    """Of what was claimed, paid back."""

    @property
    def outstanding_fen(self) -> int:
        return self.committed_fen - self.paid_fen - self.forfeited_fen - self.cancelled_fen

    @property
    def not_sent_fen(self) -> int:
        """Paid in a cycle but in no payment file yet (waiting for one, or held): paid = cleared + in transit +
        returned + not sent + withheld + claimed."""
        sent = self.cleared_fen + self.in_transit_fen + self.returned_fen
        return self.paid_fen - sent - self.withheld_fen - self.claimed_fen


TRAIL_MOVES = {
    TransactionKind.ISSUE.value: {"in_transit_fen": 1},
    TransactionKind.REISSUE.value: {"in_transit_fen": 1, "returned_fen": -1},
    TransactionKind.CLEAR.value: {"in_transit_fen": -1, "cleared_fen": 1},
    TransactionKind.BOUNCE.value: {"in_transit_fen": -1, "returned_fen": 1},
    TransactionKind.CANCEL.value: {"cancelled_fen": 1},
    TransactionKind.WITHHOLD.value: {"withheld_fen": 1},
    TransactionKind.RETAIN.value: {"returned_fen": -1, "withheld_fen": 1},
    TransactionKind.CLAIM.value: {"cleared_fen": -1, "claimed_fen": 1},
    TransactionKind.RECEIPT.value: {"recovered_fen": 1},
}
"""How each cancellation and each step of a trail moves a clause's money between the balances."""


@dataclass
class Balances:
    by_clause: dict[str, ClauseBalance] = field(default_factory=dict)


def ledger_balances(
    session: Session, year: int | None = None, *, through_seq: int | None = None, through_year: int | None = None
) -> Balances:
    """Committed / paid / forfeited / outstanding per clause, and of the paid money what is in transit, cleared and
    returned by the bank (for one fiscal year when ``year`` is given, the fiscal years up to ``through_year``, the
    entries up to ``through_seq``). A reversal counts against the kind of the entry it reverses."""
    original = LedgerTransaction.__table__.alias("original")
    query = (
        select(
            LedgerTransaction.clause,
            LedgerTransaction.kind,
            original.c.kind,
            func.sum(LedgerTransaction.amount_fen),
        )
        .select_from(LedgerTransaction)
        .outerjoin(original, original.c.seq == LedgerTransaction.reverses_seq)
        .group_by(LedgerTransaction.clause, LedgerTransaction.kind, original.c.kind)
    )
    if year is not None:
        query = query.where(LedgerTransaction.fiscal_year == year)
    if through_year is not None:
        query = query.where(LedgerTransaction.fiscal_year <= through_year)
    if through_seq is not None:
        query = query.where(LedgerTransaction.seq <= through_seq)
    balances = Balances()
    for clause, txn_kind, reversed_kind, total in session.execute(query):
        b = balances.by_clause.setdefault(clause or "-", ClauseBalance())
        effective = reversed_kind if txn_kind == TransactionKind.REVERSAL.value else txn_kind
        amount = -int(total) if txn_kind == TransactionKind.REVERSAL.value else int(total)
        if effective == TransactionKind.COMMITMENT.value:
            b.committed_fen += amount
        elif effective == TransactionKind.PAYMENT.value:
            b.paid_fen += amount
        elif effective == TransactionKind.FORFEIT.value:
            b.forfeited_fen += amount
        for name, sign in TRAIL_MOVES.get(effective or "", {}).items():
            setattr(b, name, getattr(b, name) + sign * amount)
    return balances
