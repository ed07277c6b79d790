"""entry names derived: a ledger entry's business key and its two accounts are no longer stored. They follow from what
the entry says (``ledger.accounts``: the kind, application, installment, clause, year, recipient, and for a reversal
the kind of the entry it reverses), and the insert triggers of a1f3c5e7b9d2 already held every stored one equal to
that. Each entry's hash is computed from them as before, so every entry verifies unchanged. A unique index over
(application, installment, what the entry is for) holds each key once and serves the look-ups by application; a
reversal's unique index leaves out the entries that reverse nothing. On SQLite the sequence number becomes the row id.

The upgrade refuses to run, changing nothing, if a stored key or account is not the one its entry's columns give.

Revision ID: f6b1d3a5c7e9
Revises: e2b4d6f8a1c3
Create Date: 2026-12-01 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.accounts import POSTED_ONCE, account_sql, key_sql
from ledger.invariants import drop_trigger_statements, trigger_statements

revision = "f6b1d3a5c7e9"
down_revision = "e2b4d6f8a1c3"
branch_labels = None
depends_on = None

_FACTS = (
    "seq, kind, application_id, installment, clause, fiscal_year, recipient_uscc, amount_fen, reasons, "
    "reverses_seq, entry_hash"
)
_FACT_NAMES = _FACTS.split(", ")
_LABEL = "n.kind || ' ' || COALESCE(n.application_id, '') || '/' || COALESCE(CAST(n.installment AS VARCHAR), '')"


def _entries(name: str = "ledger_transactions") -> sa.TableClause:
    return sa.table(
        name,
        sa.column("seq", sa.BigInteger),
        sa.column("kind", sa.String),
        sa.column("application_id", sa.String),
        sa.column("installment", sa.Integer),
        sa.column("clause", sa.String),
        sa.column("fiscal_year", sa.Integer),
        sa.column("recipient_uscc", sa.String),
        sa.column("reverses_seq", sa.BigInteger),
        sa.column("business_key", sa.String),
        sa.column("debit_account", sa.String),
        sa.column("credit_account", sa.String),
    )


def _derived(entries: sa.TableClause) -> tuple[sa.ColumnElement[str], ...]:
    """The key, debit and credit of each entry of ``entries``, as SQL."""
    reversed_ = _entries().alias("reversed_entry")
    kind = (
        sa.select(reversed_.c.kind)
        .where(reversed_.c.seq == entries.c.reverses_seq)
        .correlate(entries)
        .scalar_subquery()
    )
    return key_sql(entries.c), account_sql(entries.c, kind, 0), account_sql(entries.c, kind, 1)


def _refuse_unless_stored_names_are_derived() -> None:
    entries = _entries()
    key, debit, credit = _derived(entries)
    differs = sa.or_(
        entries.c.business_key.is_distinct_from(key),
        entries.c.debit_account.is_distinct_from(debit),
        entries.c.credit_account.is_distinct_from(credit),
    )
    bad = op.get_bind().execute(sa.select(entries.c.seq).where(differs).order_by(entries.c.seq).limit(1)).scalar()
    if bad is not None:
        raise RuntimeError(
            f"ledger entry #{bad}: its stored business key or accounts are not those its columns give; the "
            "migration changes nothing (run `subsidy ledger verify` with the previous release to see what changed)"
        )


def _append_only_triggers() -> list[str]:
    """SQLite's UPDATE and DELETE refusals on the ledger's table, as created by the initial schema."""
    rows = op.get_bind().execute(
        sa.text(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ledger_transactions' "
            "AND name IN ('ledger_transactions_no_update', 'ledger_transactions_no_delete') ORDER BY name"
        )
    )
    return [row[0] for row in rows]


def _sqlite_rebuild(create: str, copy: sa.Executable | str, indexes: list[str]) -> None:
    """Rebuild SQLite's ledger table (a column's type or a table constraint cannot change in place): the new table
    is created under a temporary name that its self-reference names too, so the rename carries it over."""
    kept = _append_only_triggers()
    for statement in drop_trigger_statements("sqlite"):
        op.execute(statement)
    for name in ("ledger_transactions_no_update", "ledger_transactions_no_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(create)
    op.execute(copy)
    op.execute("DROP TABLE ledger_transactions")
    op.execute("ALTER TABLE ledger_rebuilt RENAME TO ledger_transactions")
    for statement in [*indexes, *kept, *trigger_statements("sqlite", "")]:
        op.execute(statement)


_NEW_INDEXES = [
    f"CREATE UNIQUE INDEX ux_ledger_posted_once ON ledger_transactions (application_id, installment, {POSTED_ONCE})",
    "CREATE UNIQUE INDEX ux_ledger_reversed_once ON ledger_transactions (reverses_seq) WHERE reverses_seq IS NOT NULL",
]


def upgrade() -> None:
    _refuse_unless_stored_names_are_derived()
    if op.get_bind().dialect.name == "postgresql":
        for statement in drop_trigger_statements("postgresql"):
            op.execute(statement)
        op.execute("DROP INDEX ix_ledger_transactions_application_id")
        for constraint in ("ledger_transactions_business_key_key", "ledger_transactions_reverses_seq_key"):
            op.execute(f"ALTER TABLE ledger_transactions DROP CONSTRAINT {constraint}")
        op.execute("ALTER TABLE ledger_transactions DROP CONSTRAINT ck_ledger_two_accounts")
        for column in ("business_key", "debit_account", "credit_account"):
            op.drop_column("ledger_transactions", column)
        for statement in [*_NEW_INDEXES, *trigger_statements("postgresql", _LABEL)]:
            op.execute(statement)
        return
    _sqlite_rebuild(
        """CREATE TABLE ledger_rebuilt (
            seq INTEGER NOT NULL PRIMARY KEY,
            kind VARCHAR(16) NOT NULL,
            application_id VARCHAR(200),
            installment INTEGER,
            clause VARCHAR(16),
            fiscal_year INTEGER,
            recipient_uscc VARCHAR(18),
            amount_fen BIGINT NOT NULL,
            reasons TEXT NOT NULL,
            reverses_seq BIGINT REFERENCES ledger_rebuilt (seq),
            entry_hash VARCHAR(64) NOT NULL,
            CONSTRAINT ck_ledger_amount_nonnegative CHECK (amount_fen >= 0)
        )""",
        f"INSERT INTO ledger_rebuilt ({_FACTS}) SELECT {_FACTS} FROM ledger_transactions ORDER BY seq",
        _NEW_INDEXES,
    )


def downgrade() -> None:
    entries = _entries()
    names = dict(zip(("business_key", "debit_account", "credit_account"), _derived(entries), strict=True))
    old_indexes = [
        "CREATE INDEX ix_ledger_transactions_application_id ON ledger_transactions (application_id)",
    ]
    if op.get_bind().dialect.name == "postgresql":
        for statement in drop_trigger_statements("postgresql"):
            op.execute(statement)
        op.execute("DROP INDEX ux_ledger_posted_once")
        op.execute("DROP INDEX ux_ledger_reversed_once")
        for column in ("business_key", "debit_account", "credit_account"):
            op.add_column("ledger_transactions", sa.Column(column, sa.String(300 if column == "business_key" else 120)))
        op.execute("ALTER TABLE ledger_transactions DISABLE TRIGGER ledger_transactions_append_only")
        op.execute(sa.update(entries).values(names))
        op.execute("ALTER TABLE ledger_transactions ENABLE TRIGGER ledger_transactions_append_only")
        for statement in [
            "ALTER TABLE ledger_transactions ALTER COLUMN business_key SET NOT NULL, "
            "ALTER COLUMN debit_account SET NOT NULL, ALTER COLUMN credit_account SET NOT NULL",
            "ALTER TABLE ledger_transactions "
            "ADD CONSTRAINT ledger_transactions_business_key_key UNIQUE (business_key), "
            "ADD CONSTRAINT ledger_transactions_reverses_seq_key UNIQUE (reverses_seq), "
            "ADD CONSTRAINT ck_ledger_two_accounts CHECK (debit_account <> credit_account)",
            *old_indexes,
            *trigger_statements("postgresql", "n.business_key"),
        ]:
            op.execute(statement)
        return
    _sqlite_rebuild(
        """CREATE TABLE ledger_rebuilt (
            seq BIGINT NOT NULL,
            business_key VARCHAR(300) NOT NULL,
            kind VARCHAR(16) NOT NULL,
            application_id VARCHAR(200),
            installment INTEGER,
            clause VARCHAR(16),
            fiscal_year INTEGER,
            recipient_uscc VARCHAR(18),
            amount_fen BIGINT NOT NULL,
            reasons TEXT NOT NULL,
            reverses_seq BIGINT,
            entry_hash VARCHAR(64) NOT NULL,
            debit_account VARCHAR(120) NOT NULL,
            credit_account VARCHAR(120) NOT NULL,
            PRIMARY KEY (seq),
            CONSTRAINT ck_ledger_amount_nonnegative CHECK (amount_fen >= 0),
            CONSTRAINT ledger_transactions_reverses_seq_key UNIQUE (reverses_seq),
            CONSTRAINT ledger_transactions_business_key_key UNIQUE (business_key),
            CONSTRAINT ck_ledger_two_accounts CHECK (debit_account <> credit_account),
            FOREIGN KEY(reverses_seq) REFERENCES ledger_rebuilt (seq)
        )""",
        sa.insert(sa.table("ledger_rebuilt", *(sa.column(c) for c in [*_FACT_NAMES, *names]))).from_select(
            [*_FACT_NAMES, *names],
            sa.select(*(sa.column(c) for c in _FACT_NAMES), *names.values())
            .select_from(entries)
            .order_by(entries.c.seq),
        ),
        old_indexes,
    )
