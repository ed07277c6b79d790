"""Recovery of revoked awards (issue 20; ``subsidy recover``): an award revoked by a document (false declarations
found in an audit, a court ruling) ends every trail of its installments in the ledger, in one transaction under the
run lock. Each installment not yet settled is cancelled (payable → cancelled, in its settlement's place, so no cycle
pays it); paid money the bank never got is withheld (paid → withheld), money the bank returned is retained (returned
→ withheld); money that reached the recipient is claimed back (cleared → receivable: all of it, or the amount the
decision orders, taken installment by installment). A revocation is refused while money is in transit: reconcile
the bank's return file first. Money paid back is recorded as receipts (receivable → recovered), each following the
claim or the receipt before it, never more than is owed.

Every step follows the entry before it, and each entry is followed once: a revocation or a receipt run again posts
nothing twice (a receipt is known by its application, value date and amount)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import SubsidyError
from ledger import posting
from ledger.accounts import (
    BOUNCE,
    CANCEL,
    CLAIM,
    CLEAR,
    COMMITMENT,
    ISSUE,
    PAYMENT,
    RECEIPT,
    REISSUE,
    RETAIN,
    REVERSAL,
    WITHHOLD,
)
from ledger.models import DecisionRecord, LedgerTransaction, Recovery, now_utc
from rules.money import cny_of_fen

FACTS = ("seq", "kind", "application_id", "installment", "clause", "fiscal_year", "recipient_uscc", "amount_fen")


@dataclass
class Revocation:
    """What a revocation did (or, run again, found done): per kind of step, the installments and fen."""

    application_id: str
    recipient_uscc: str
    document_ref: str
    revoked_on: date
    new: bool = True
    cancelled: list[tuple[int, int]] = field(default_factory=list)
    withheld: list[tuple[int, int]] = field(default_factory=list)
    claimed: list[tuple[int, int]] = field(default_factory=list)

    def fen(self, what: list[tuple[int, int]]) -> int:
        return sum(fen for _, fen in what)


@dataclass
class Receipt:
    """Money paid back: how much, on which day, what is still owed after it."""

    application_id: str
    amount_fen: int
    value_date: date
    outstanding_fen: int
    new: bool = True


def _entries(session: Session, application_id: str) -> list[Any]:
    columns = [getattr(LedgerTransaction, name) for name in (*FACTS, "reverses_seq")]
    query = select(*columns).where(LedgerTransaction.application_id == application_id).order_by(LedgerTransaction.seq)
    return list(session.execute(query).all())


def _unfollowed(entries: list[Any], kinds: tuple[str, ...]) -> list[Any]:
    followed = {e.reverses_seq for e in entries if e.reverses_seq is not None}
    return [e for e in entries if e.kind in kinds and e.seq not in followed]


def _steps(entries: list[Any], kind: str, reasons: str, amounts: list[int] | None = None) -> dict[str, list[Any]]:
    """The entries of ``kind`` following each of ``entries`` (all of each amount, or ``amounts``)."""
    columns: dict[str, list[Any]] = {name: [] for name in posting.ENTRY_FACTS}
    for i, e in enumerate(entries):
        fen = e.amount_fen if amounts is None else amounts[i]
        follows = None if kind == CANCEL else e.seq
        values = (
            kind,
            e.application_id,
            e.installment,
            e.clause,
            e.fiscal_year,
            e.recipient_uscc,
            fen,
            reasons,
            follows,
        )
        for name, value in zip(posting.ENTRY_FACTS, values, strict=True):
            columns[name].append(value)
    return columns


def _taken(total: int, parts: list[int]) -> list[int]:
    """``total`` taken from ``parts`` in order, each part at most its size."""
    taken = []
    for part in parts:
        take = min(part, total)
        taken.append(take)
        total -= take
    return taken


def revoke(
    session: Session,
    application_id: str,
    document_ref: str,
    approved_by: str,
    reason: str,
    on: date,
    amount_fen: int | None = None,
) -> Revocation:
    """Revoke an award in the caller's run transaction (see the module); run again, nothing is posted."""
    earlier = session.scalar(select(Recovery).where(Recovery.application_id == application_id))
    if earlier is not None:
        return _found(session, earlier)
    decision = session.get(DecisionRecord, application_id)
    if decision is None or decision.status != "approved" or not decision.recipient_uscc:
        raise SubsidyError(f"{application_id}: no approved award to revoke")
    entries = _entries(session, application_id)
    in_transit = _unfollowed(entries, (ISSUE, REISSUE))
    if in_transit:
        raise SubsidyError(
            f"{application_id}: installment(s) {', '.join(str(e.installment) for e in in_transit)} are in transit at "
            "the bank; reconcile the bank's return file first, then revoke"
        )
    settled = {e.installment for e in entries if e.kind in posting.SETTLEMENTS}
    reversed_ = {e.reverses_seq for e in entries if e.kind == REVERSAL}
    open_ = [e for e in entries if e.kind == COMMITMENT and e.installment not in settled and e.seq not in reversed_]
    cleared = _unfollowed(entries, (CLEAR,))
    reached = sum(e.amount_fen for e in cleared)
    if amount_fen is not None and not 0 < amount_fen <= reached:
        raise SubsidyError(
            f"{application_id}: the amount to claim back must be more than 0.00 and at most the "
            f"{cny_of_fen(reached)} CNY that reached the recipient"
        )
    claims = _taken(reached if amount_fen is None else amount_fen, [e.amount_fen for e in cleared])
    claimed = [(e, fen) for e, fen in zip(cleared, claims, strict=True) if fen]
    why = f"revoked: {document_ref}"
    parts = [
        _steps(open_, CANCEL, why),
        _steps(_unfollowed(entries, (PAYMENT,)), WITHHOLD, why),
        _steps(_unfollowed(entries, (BOUNCE,)), RETAIN, why),
        _steps([e for e, _ in claimed], CLAIM, why, [fen for _, fen in claimed]),
    ]
    recovery = Recovery(
        application_id=application_id,
        recipient_uscc=decision.recipient_uscc,
        document_ref=document_ref,
        approved_by=approved_by,
        reason=reason,
        revoked_on=on,
        recorded_at=now_utc(),
    )
    session.add(recovery)
    session.flush()
    columns = {name: [v for part in parts for v in part[name]] for name in posting.ENTRY_FACTS}
    posting.post_columns(session, columns, source=f"recovery:{recovery.id}", known_new=True)
    return _found(session, recovery, new=True)


def _found(session: Session, recovery: Recovery, new: bool = False) -> Revocation:
    entries = _entries(session, recovery.application_id)
    done = Revocation(recovery.application_id, recovery.recipient_uscc, recovery.document_ref, recovery.revoked_on, new)
    for e in entries:
        if e.kind == CANCEL:
            done.cancelled.append((e.installment, e.amount_fen))
        elif e.kind in (WITHHOLD, RETAIN):
            done.withheld.append((e.installment, e.amount_fen))
        elif e.kind == CLAIM:
            done.claimed.append((e.installment, e.amount_fen))
    return done


def receive(session: Session, application_id: str, amount_fen: int, value_date: date) -> Receipt:
    """Record money paid back of a revoked award, in the caller's run transaction; the same receipt (application,
    value date, amount) recorded again posts nothing."""
    if session.scalar(select(Recovery.id).where(Recovery.application_id == application_id)) is None:
        raise SubsidyError(f"{application_id}: no revoked award to receive money for (subsidy recover first)")
    entries = _entries(session, application_id)
    reasons = f"value date {value_date}; {cny_of_fen(amount_fen)} CNY paid back"
    owed = {e.installment: e.amount_fen for e in entries if e.kind == CLAIM}
    for e in entries:
        if e.kind == RECEIPT:
            owed[e.installment] -= e.amount_fen
    outstanding = sum(owed.values())
    recorded = session.execute(
        select(LedgerTransaction.seq).where(
            LedgerTransaction.application_id == application_id,
            LedgerTransaction.kind == RECEIPT,
            LedgerTransaction.reasons == reasons,
        )
    ).first()
    if recorded is not None:
        return Receipt(application_id, amount_fen, value_date, outstanding, new=False)
    if not 0 < amount_fen <= outstanding:
        raise SubsidyError(
            f"{application_id}: a receipt must be more than 0.00 and at most the {cny_of_fen(outstanding)} CNY "
            "still owed back"
        )
    tips = _unfollowed(entries, (CLAIM, RECEIPT))  # the last step of each claimed installment's trail
    taken = _taken(amount_fen, [owed[e.installment] for e in tips])
    paid = [(e, fen) for e, fen in zip(tips, taken, strict=True) if fen]
    columns = _steps([e for e, _ in paid], RECEIPT, reasons, [fen for _, fen in paid])
    posting.post_columns(session, columns, source=f"receipt:{application_id}"[:64], known_new=True)
    return Receipt(application_id, amount_fen, value_date, outstanding - amount_fen)


RECOVERY_COLUMNS = [
    "application_id",
    "recipient_uscc",
    "document_ref",
    "approved_by",
    "reason",
    "cancelled",
    "claimed",
    "received",
    "outstanding",
]
"""The recoveries export (CONTRACT.md 'recoveries export'); amounts in CNY with two decimals."""


@dataclass(frozen=True)
class RecoveryFigures:
    """A revoked award's figures in fen."""

    application_id: str
    recipient_uscc: str
    document_ref: str
    approved_by: str
    reason: str
    cancelled_fen: int
    claimed_fen: int
    received_fen: int

    @property
    def outstanding_fen(self) -> int:
        return self.claimed_fen - self.received_fen


def recovery_figures(session: Session, through_seq: int | None = None) -> list[RecoveryFigures]:
    """Per revoked award (among the entries up to ``through_seq``, when given): what was cancelled, claimed back
    and received, in the order they were revoked."""
    sums: dict[tuple[str | None, str], int] = {}
    query = (
        select(LedgerTransaction.application_id, LedgerTransaction.kind, LedgerTransaction.amount_fen)
        .join(Recovery, Recovery.application_id == LedgerTransaction.application_id)
        .where(LedgerTransaction.kind.in_([CANCEL, CLAIM, RECEIPT, WITHHOLD, RETAIN]))
    )
    if through_seq is not None:
        query = query.where(LedgerTransaction.seq <= through_seq)
    for app, kind, fen in session.execute(query):
        sums[(app, kind)] = sums.get((app, kind), 0) + fen
    revoked = {app for app, _ in sums}
    return [
        RecoveryFigures(
            r.application_id,
            r.recipient_uscc,
            r.document_ref,
            r.approved_by,
            r.reason,
            sums.get((r.application_id, CANCEL), 0),
            sums.get((r.application_id, CLAIM), 0),
            sums.get((r.application_id, RECEIPT), 0),
        )
        for r in session.execute(select(Recovery).order_by(Recovery.id)).scalars()
        if through_seq is None or r.application_id in revoked
    ]


def recovery_rows(session: Session) -> Iterator[dict[str, Any]]:
    """One row per revoked award (``RECOVERY_COLUMNS``): what was cancelled, claimed back, received, and is still
    owed back."""
    for r in recovery_figures(session):
        yield {
            "application_id": r.application_id,
            "recipient_uscc": r.recipient_uscc,
            "document_ref": r.document_ref,
            "approved_by": r.approved_by,
            "reason": r.reason,
            "cancelled": cny_of_fen(r.cancelled_fen),
            "claimed": cny_of_fen(r.claimed_fen),
            "received": cny_of_fen(r.received_fen),
            "outstanding": cny_of_fen(r.outstanding_fen),
        }
