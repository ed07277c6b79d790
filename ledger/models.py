"""SQLAlchemy 2 models. Money is integer fen; unique constraints are the idempotency guards.

The ledger (``ledger_transactions``) is append-only: triggers refuse UPDATE and DELETE on SQLite and PostgreSQL
(see the migrations). Each entry moves one amount from a debit account to a credit account, so every entry
balances by its shape.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column

from ledger.accounts import POSTED_ONCE, account_sql, key_sql
from ledger.base import Base
from rules.model import APPLICATION_FIELDS


def now_utc() -> datetime:
    """The time a row is stored with: UTC to the second, without a time zone (as both databases keep it)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class TransactionKind(StrEnum):
    COMMITMENT = "commitment"
    PAYMENT = "payment"
    FORFEIT = "forfeit"
    REVERSAL = "reversal"
    ISSUE = "issue"
    REISSUE = "reissue"
    CLEAR = "clear"
    BOUNCE = "bounce"
    CANCEL = "cancel"
    WITHHOLD = "withhold"
    RETAIN = "retain"
    CLAIM = "claim"
    RECEIPT = "receipt"


class IntakeRun(Base):
    """One run of intake: which files, which decision date, what came of the rows."""

    __tablename__ = "intake_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    """When the run started (UTC)."""
    as_of: Mapped[date] = mapped_column(Date)
    """The decision date of the run."""
    files: Mapped[list[Any]] = mapped_column(JSON)
    """Each application file with its checksum and row count."""
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    decided: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    """Rows identical to an application ingested before: nothing to do."""
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    blacklist_load_id: Mapped[int | None] = mapped_column(Integer)
    """The blacklist snapshot the run screened against."""
    validation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Great Expectations results per file."""


class InboxFile(Base):
    """A file the inbox flow took in: processed once (by checksum), then archived or rejected."""

    __tablename__ = "inbox_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checksum: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the file's bytes: the same file dropped again is skipped."""
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    """``processed`` or ``rejected``."""
    message: Mapped[str] = mapped_column(Text, default="")
    archived_as: Mapped[str] = mapped_column(Text)
    intake_run_id: Mapped[int | None] = mapped_column(ForeignKey("intake_runs.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime)


class ReferenceLoad(Base):
    """One load of a reference-data file; every load is kept for audit."""

    __tablename__ = "reference_loads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    file: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the file's bytes."""
    row_count: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(DateTime)


class BlacklistEntry(Base):
    __tablename__ = "blacklist_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("reference_loads.id"), index=True)
    uscc: Mapped[str] = mapped_column(String(18))
    listed_on: Mapped[date] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)


class RegistryEntry(Base):
    __tablename__ = "registry_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("reference_loads.id"), index=True)
    uscc: Mapped[str] = mapped_column(String(18))
    business_in_minhang: Mapped[bool]
    tax_in_minhang: Mapped[bool]
    effective_on: Mapped[date] = mapped_column(Date)


class ExternalAward(Base):
    __tablename__ = "external_awards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("reference_loads.id"), index=True)
    uscc: Mapped[str] = mapped_column(String(18))
    project_id: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    policy: Mapped[str | None] = mapped_column(Text)


class CaseDecisionRecord(Base):
    """A recorded case decision (一事一议); every load is kept, the latest per application is in force."""

    __tablename__ = "case_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("reference_loads.id"), index=True)
    application_id: Mapped[str] = mapped_column(String(200), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    approved_by: Mapped[str] = mapped_column(Text)
    document_ref: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)


class OnboardingEntry(Base):
    """One row of an ``onboardings`` load (上云企业清单): an enterprise a provider onboarded in a claim year, which
    A5 counts once, for the provider that onboarded it first (I-10)."""

    __tablename__ = "onboarding_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("reference_loads.id"), index=True)
    """The load (a full snapshot of its kind) this row came with."""
    provider_uscc: Mapped[str] = mapped_column(String(18))
    """The cloud provider (服务商) that onboarded the enterprise."""
    enterprise_uscc: Mapped[str] = mapped_column(String(18))
    """The enterprise onboarded (上云企业)."""
    claim_year: Mapped[int] = mapped_column(Integer)
    """The claim year (申报年度) the onboarding counts for."""
    onboarded_on: Mapped[date] = mapped_column(Date)
    """The day the enterprise was onboarded: the first day wins between providers (I-10)."""


REFERENCES_CHECKED_PER_STATEMENT = {
    ("decisions", "application_id"): ("applications", "application_id"),
    ("decisions", "intake_run_id"): ("intake_runs", "id"),
    ("decisions", "parameter_set"): ("parameter_sets", "id"),
    ("applications", "intake_run_id"): ("intake_runs", "id"),
}
"""(table, column) → (table, key) it refers to: on SQLite a foreign key; on PostgreSQL statement triggers that
check a whole bulk write at once (migration b7c3e9f2a184), with the same guarantees."""


class BankAccountEntry(Base):
    """One row of a ``bank_accounts`` load (银行账户): the account a recipient is paid into from a date (issue 20)."""

    __tablename__ = "bank_account_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("reference_loads.id"), index=True)
    """The load (a full snapshot of its kind) this row came with."""
    uscc: Mapped[str] = mapped_column(String(18))
    """The recipient (收款人)."""
    account_name: Mapped[str] = mapped_column(Text)
    """The account holder's name (户名): the recipient's name as its applications give it, else the account is
    flagged."""
    bank_name: Mapped[str] = mapped_column(Text)
    account_no: Mapped[str] = mapped_column(String(32))
    effective_on: Mapped[date] = mapped_column(Date)
    """The day from which payments go to this account."""


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal kept as the text it was parsed to (``1.0`` and ``1.00`` stay apart, any size the contract
    allows): neither database's number type keeps both on both backends."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


INPUT_TYPES: dict[str, Any] = {
    "text": Text,
    "uscc": String(18),
    "clause": String(16),
    "field": String(32),
    "entity_type": String(32),
    "title_level": String(32),
    "cert_level": String(32),
    "date": Date,
    "bool": Boolean,
    "headcount": Integer,
    "claim_year": Integer,
    "onboarded_count": Integer,
    "amount": ExactDecimal,
}
"""How an application's input of each kind (``rules.model.APPLICATION_FIELDS``) is stored: one typed column each."""


class ApplicationRecord(Base):
    """An application as ingested: its parsed inputs, one typed column per input of CONTRACT.md (None where not
    given; the entity type and major-project flag with their defaults), and the SHA-256 of their canonical text
    (``ledger.applications.inputs_text``). Re-sending the identical application changes nothing."""

    __table__ = Table(
        "applications",
        Base.metadata,
        Column("application_id", String(200), primary_key=True),
        *(Column(name, INPUT_TYPES[kind]) for name, kind in APPLICATION_FIELDS.items() if name != "application_id"),
        Column("content_hash", String(64), nullable=False),
        Column("source_file", Text, nullable=False),
        Column("source_row", Integer, nullable=False),
        Column("intake_run_id", ForeignKey("intake_runs.id"), nullable=False),
    )
    if TYPE_CHECKING:
        application_id: Mapped[str]
        content_hash: Mapped[str]
        """SHA-256 of the canonical text of the parsed inputs, to tell an identical re-send from a different one."""
        source_file: Mapped[str]
        source_row: Mapped[int]
        intake_run_id: Mapped[int]


class ParameterSet(Base):
    """The parameter values (with their effective dates) and readings a group of decisions used; stored once,
    shared by every decision that used exactly these, so an amendment never rewrites a past decision."""

    __tablename__ = "parameter_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    """What a decision refers to it by: numbered in the order the sets were first stored."""
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the canonical JSON of ``values``."""
    values: Mapped[dict[str, Any]] = mapped_column(JSON)


class DecisionRecord(Base):
    """The decision on one application. Only a ``manual`` one is ever replaced (when its case decision arrives)."""

    __tablename__ = "decisions"

    application_id: Mapped[str] = mapped_column(ForeignKey("applications.application_id"), primary_key=True)
    clause: Mapped[str] = mapped_column(String(16))
    uscc: Mapped[str] = mapped_column(String(18))
    status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(Text, default="")
    """Reason codes, ';'-separated, in CONTRACT.md order."""
    award_total_fen: Mapped[int] = mapped_column(BigInteger)
    recipient_uscc: Mapped[str | None] = mapped_column(String(18))
    decided_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    project_key: Mapped[str] = mapped_column(String(200))
    claim_year: Mapped[int | None] = mapped_column(Integer)
    """The claim year of a yearly claim (A5, A7-ALLIANCE, A8), for the per-year caps."""
    trace: Mapped[dict[str, Any]] = mapped_column(JSON)
    parameter_set: Mapped[int | None] = mapped_column(
        ForeignKey("parameter_sets.id", name="fk_decisions_parameter_set")
    )
    """The parameter values and readings of this decision (the trace keeps the steps, caps and screening)."""
    intake_run_id: Mapped[int] = mapped_column(ForeignKey("intake_runs.id"))

    recipient_entity_type: Mapped[str | None] = mapped_column(String(32))
    recipient_business_in_minhang: Mapped[bool | None] = mapped_column(Boolean)
    recipient_tax_in_minhang: Mapped[bool | None] = mapped_column(Boolean)
    """What the application said of the recipient's registration (the provider's for A8 when it is paid):
    a disbursement cycle screens the recipient with these unless the registry says otherwise."""


class QuarantineRecord(Base):
    """A row kept out of the decisions, with its raw content and the reason in plain words."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_run_id: Mapped[int] = mapped_column(ForeignKey("intake_runs.id"), index=True)
    file: Mapped[str] = mapped_column(Text)
    row: Mapped[int] = mapped_column(Integer)
    application_id: Mapped[str | None] = mapped_column(Text)
    clause: Mapped[str | None] = mapped_column(Text)
    uscc: Mapped[str | None] = mapped_column(Text)
    columns: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    raw_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    """SHA-256 of the raw row and its reason: the same bad row sent again is not quarantined twice."""


class Cycle(Base):
    """One disbursement cycle run for a fiscal year."""

    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    as_of: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    paid_count: Mapped[int] = mapped_column(Integer, default=0)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    forfeited_count: Mapped[int] = mapped_column(Integer, default=0)
    forfeited_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    chain_head: Mapped[str | None] = mapped_column(String(64))
    """The ledger's hash-chain head after the cycle, to be kept outside the database too."""


class LedgerTransaction(Base):
    """One ledger entry: ``amount_fen`` debited to ``debit_account`` and credited to ``credit_account`` (double
    entry, balanced by its shape). Append-only and hash-chained. A commitment is one installment of an award. The
    business key and the two accounts follow from what the entry says (``ledger.accounts``): read, not stored."""

    __tablename__ = "ledger_transactions"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    """Position in the hash chain, from 1 without gaps (SQLite's row id)."""
    kind: Mapped[str] = mapped_column(String(16))
    application_id: Mapped[str | None] = mapped_column(String(200))
    installment: Mapped[int | None] = mapped_column(Integer)
    clause: Mapped[str | None] = mapped_column(String(16))
    fiscal_year: Mapped[int | None] = mapped_column(Integer)
    recipient_uscc: Mapped[str | None] = mapped_column(String(18))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[str] = mapped_column(Text, default="")
    reverses_seq: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("ledger_transactions.seq"))
    """The entry this one reverses, or for a bank transfer the entry it follows on its installment's trail
    (``ledger.accounts``): each entry is reversed or followed at most once."""
    entry_hash: Mapped[str] = mapped_column(String(64))
    """The entry's one stored hash, its chain link: SHA-256 over its sequence number, the previous entry's hash,
    its content hash (recomputed from what it says, ``posting.content_hashes``), and the time and run of its
    journal batch (``JournalBatch``)."""
    if TYPE_CHECKING:
        business_key: Mapped[str]
        """What the transaction is for, e.g. ``commitment/APP-1/2``; posted at most once (``POSTED_ONCE``)."""
        debit_account: Mapped[str]
        credit_account: Mapped[str]

    __table_args__ = (
        CheckConstraint("amount_fen >= 0", name="ck_ledger_amount_nonnegative"),
        Index("ux_ledger_posted_once", "application_id", "installment", text(POSTED_ONCE), unique=True),
        Index(
            "ux_ledger_reversed_once",
            "reverses_seq",
            unique=True,
            sqlite_where=text("reverses_seq IS NOT NULL"),
            postgresql_where=text("reverses_seq IS NOT NULL"),
        ),
    )


_reversed = LedgerTransaction.__table__.alias("reversed_entry")
_reversed_kind = (
    select(_reversed.c.kind).where(_reversed.c.seq == LedgerTransaction.__table__.c.reverses_seq).scalar_subquery()
)
LedgerTransaction.business_key = column_property(key_sql(LedgerTransaction.__table__.c))  # type: ignore[assignment]
LedgerTransaction.debit_account = column_property(  # type: ignore[assignment]
    account_sql(LedgerTransaction.__table__.c, _reversed_kind, 0)
)
LedgerTransaction.credit_account = column_property(  # type: ignore[assignment]
    account_sql(LedgerTransaction.__table__.c, _reversed_kind, 1)
)


class JournalBatch(Base):
    """Entries posted together, by one run at one time: the consecutive entries ``first_seq`` … ``last_seq``. When
    and by which run an entry was posted is kept once per batch, not once per entry; each entry's hash covers both.
    Append-only, as the ledger."""

    __tablename__ = "journal_batches"

    first_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(64))
    """Which run posted the batch, e.g. ``intake:3`` or ``cycle:2``."""
    posted_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (CheckConstraint("last_seq >= first_seq", name="ck_journal_batch_not_empty"),)


# The bank's files and the recoveries (issue 20), kept beside this module; imported here so that the models of the
# whole schema are one metadata (Alembic, the app role's grants) and every table is found in ``ledger.models``.
from ledger.bank_models import BankReturn, PaymentFile, PaymentLine, Recovery  # noqa: E402

__all__ = ["Base", "BankReturn", "PaymentFile", "PaymentLine", "Recovery"]
