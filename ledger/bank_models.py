"""The bank's files and the recoveries of revoked awards (issue 20), as SQLAlchemy models on ``ledger.base.Base``;
``ledger.models`` imports them, so that the schema is one metadata."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.base import Base


class PaymentFile(Base):
    """A bank batch payment file (批量代发文件) issued for a fiscal year: its lines' installments moved from ``paid``
    to ``in_transit`` in the same transaction. Append-only."""

    __tablename__ = "payment_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    line_count: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    checksum: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the file's bytes as issued (rendered the same every time: ``ledger.bank_files``)."""
    file_format: Mapped[str] = mapped_column(String(8))
    """``csv`` or ``xlsx``: the format the checksum is of."""
    held: Mapped[list[Any]] = mapped_column(JSON)
    """Recipients owed money but not in the file: each with its amount and why (no account, a flagged account)."""


class PaymentLine(Base):
    """One line of a payment file: one recipient's paid installments, sent to one account. Its installments' issue
    entries are the consecutive entries ``first_seq`` … ``last_seq``."""

    __tablename__ = "payment_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("payment_files.id"), index=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    """The line's reference (业务参考号) as the bank returns it, e.g. ``PF00003-000017``."""
    payee_uscc: Mapped[str] = mapped_column(String(18))
    payee_name: Mapped[str] = mapped_column(Text)
    """The account's holder name (户名)."""
    bank_name: Mapped[str] = mapped_column(Text)
    account_no: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(Text)
    """用途: the policy, the fiscal years and the clauses the line pays."""
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)


class BankReturn(Base):
    """A bank return file (银行回单) that posted outcomes: what it said and what was reported instead of posted.
    Append-only."""

    __tablename__ = "bank_returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    cleared: Mapped[int] = mapped_column(Integer)
    bounced: Mapped[int] = mapped_column(Integer)
    reported: Mapped[list[Any]] = mapped_column(JSON)
    """Rows that posted nothing and why (an unknown reference, an amount that differs, a duplicate)."""


class Recovery(Base):
    """An award revoked (``subsidy recover``): by which document, approved by whom, why, on which day. Its
    cancellations, withholdings and claims are ledger entries, as are the receipts of money paid back."""

    __tablename__ = "recoveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_uscc: Mapped[str] = mapped_column(String(18))
    document_ref: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    revoked_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
