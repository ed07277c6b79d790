"""Verification and balances: recompute every transaction's balance, content hash and chain link."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.models import LedgerLine, LedgerTransaction, TransactionKind
from ledger.posting import GENESIS_HASH, content_hash, entry_hash
from subsidy.errors import LedgerIntegrityError

BATCH = 5000


@dataclass
class VerifyReport:
    entries: int
    lines: int
    head: str
    debit_fen: int
    credit_fen: int


def verify_ledger(session: Session, known_heads: Iterable[str] = ()) -> VerifyReport:
    """Walk the chain in order; raise ``LedgerIntegrityError`` naming the first bad entry. ``known_heads`` are
    chain heads kept outside the database (printed by each cycle): each must still be an entry of the chain, so
    a ledger rewritten from some point on, hashes and all, is caught too."""
    wanted = set(known_heads)
    prev = GENESIS_HASH
    expected_seq = 0
    entries = lines_seen = total_debit = total_credit = 0
    last_seq = 0
    while True:
        txns = (
            session.execute(
                select(LedgerTransaction)
                .where(LedgerTransaction.seq > last_seq)
                .order_by(LedgerTransaction.seq)
                .limit(BATCH)
            )
            .scalars()
            .all()
        )
        if not txns:
            break
        seqs = [t.seq for t in txns]
        by_seq: dict[int, list[LedgerLine]] = defaultdict(list)
        for line in session.execute(
            select(LedgerLine)
            .where(LedgerLine.seq.between(seqs[0], seqs[-1]))
            .order_by(LedgerLine.seq, LedgerLine.line)
        ).scalars():
            by_seq[line.seq].append(line)
        for t in txns:
            expected_seq += 1
            if t.seq != expected_seq:
                raise LedgerIntegrityError(expected_seq, f"missing; the chain jumps to #{t.seq}")
            lines = by_seq.get(t.seq, [])
            debit = sum(ln.debit_fen for ln in lines)
            credit = sum(ln.credit_fen for ln in lines)
            if not lines or debit != credit:
                raise LedgerIntegrityError(t.seq, f"does not balance (debit {debit} fen, credit {credit} fen)")
            if debit != t.amount_fen:
                raise LedgerIntegrityError(t.seq, f"amount {t.amount_fen} fen differs from its lines ({debit} fen)")
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
                [(ln.account, ln.debit_fen, ln.credit_fen) for ln in lines],
            )
            if content != t.content_hash:
                raise LedgerIntegrityError(t.seq, f"content was changed after posting ({t.business_key})")
            if t.prev_hash != prev:
                raise LedgerIntegrityError(t.seq, "does not link to the entry before it (hash chain broken)")
            if entry_hash(t.seq, prev, content, t.posted_at, t.source) != t.entry_hash:
                raise LedgerIntegrityError(t.seq, "entry hash does not match its content (hash chain broken)")
            prev = t.entry_hash
            wanted.discard(prev)
            entries += 1
            lines_seen += len(lines)
            total_debit += debit
            total_credit += credit
        last_seq = seqs[-1]
    orphan = session.execute(select(func.count()).select_from(LedgerLine).where(LedgerLine.seq > last_seq)).scalar_one()
    if orphan:
        raise LedgerIntegrityError(last_seq + 1, f"{orphan} line(s) belong to no transaction")
    if wanted:
        raise LedgerIntegrityError(
            last_seq, f"chain head(s) kept outside the database are not in the chain: {', '.join(sorted(wanted))}"
        )
    return VerifyReport(entries, lines_seen, prev, total_debit, total_credit)


@dataclass
class ClauseBalance:
    committed_fen: int = 0
    paid_fen: int = 0
    forfeited_fen: int = 0

    @property
    def outstanding_fen(self) -> int:
        return self.committed_fen - self.paid_fen - self.forfeited_fen


@dataclass
class Balances:
    by_clause: dict[str, ClauseBalance] = field(default_factory=dict)


def ledger_balances(session: Session, year: int | None = None) -> Balances:
    """Committed / paid / forfeited / outstanding per clause (for one fiscal year when ``year`` is given).
    A reversal counts against the kind of the entry it reverses."""
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
    return balances
