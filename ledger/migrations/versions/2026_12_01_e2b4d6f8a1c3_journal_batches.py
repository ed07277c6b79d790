"""journal batches: when and by which run entries were posted is kept once per batch of consecutive entries
(``journal_batches``), not in every entry (``source`` and ``posted_at`` leave ``ledger_transactions``). Each
entry's hash is computed as before from its batch's time and run, so every entry posted before this migration
verifies unchanged. Existing entries are grouped into batches by consecutive runs of the same run and time.

Revision ID: e2b4d6f8a1c3
Revises: c5a7e1d3f802
Create Date: 2026-12-01 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e2b4d6f8a1c3"
down_revision = "c5a7e1d3f802"
branch_labels = None
depends_on = None

_BATCHES_OF_ENTRIES = """
INSERT INTO journal_batches (first_seq, last_seq, source, posted_at)
SELECT min(seq), max(seq), source, posted_at FROM (
    SELECT seq, source, posted_at, seq - row_number() OVER (PARTITION BY source, posted_at ORDER BY seq) AS island
    FROM ledger_transactions
) entries
GROUP BY source, posted_at, island
"""
"""Consecutive entries of the same run and time are one batch (sequence numbers have no gaps: within one run
and time, ``seq`` minus its rank is the same exactly along a run of consecutive entries)."""


def upgrade() -> None:
    op.create_table(
        "journal_batches",
        sa.Column("first_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("last_seq >= first_seq", name="ck_journal_batch_not_empty"),
        sa.PrimaryKeyConstraint("first_seq"),
    )
    op.execute(_BATCHES_OF_ENTRIES)
    # SQLite (3.35 and later) and PostgreSQL drop a column in place; no trigger or index names these two.
    op.drop_column("ledger_transactions", "source")
    op.drop_column("ledger_transactions", "posted_at")
    if op.get_bind().dialect.name == "postgresql":  # append-only, as the ledger (the function exists already)
        op.execute(
            "CREATE TRIGGER journal_batches_append_only BEFORE UPDATE OR DELETE ON journal_batches "
            "FOR EACH ROW EXECUTE FUNCTION subsidy_ledger_append_only()"
        )
        op.execute(
            "CREATE TRIGGER journal_batches_no_truncate BEFORE TRUNCATE ON journal_batches "
            "FOR EACH STATEMENT EXECUTE FUNCTION subsidy_ledger_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER journal_batches_no_{action.lower()} BEFORE {action} ON journal_batches "
                f"BEGIN SELECT RAISE(ABORT, 'ledger is append-only: {action} on journal_batches refused'); END"
            )


_SQLITE_NO_UPDATE = (
    "CREATE TRIGGER ledger_transactions_no_update BEFORE UPDATE ON ledger_transactions "
    "BEGIN SELECT RAISE(ABORT, 'ledger is append-only: UPDATE on ledger_transactions refused'); END"
)


def downgrade() -> None:
    # The two columns come back nullable (SQLite adds a NOT NULL column in place only with a default); every
    # entry is filled from its batch, with the ledger's own refusal of UPDATE lifted for that one statement.
    op.add_column("ledger_transactions", sa.Column("source", sa.String(length=64), nullable=True))
    op.add_column("ledger_transactions", sa.Column("posted_at", sa.DateTime(), nullable=True))
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.execute(
        "ALTER TABLE ledger_transactions DISABLE TRIGGER USER"
        if postgresql
        else "DROP TRIGGER ledger_transactions_no_update"
    )
    op.execute(
        "UPDATE ledger_transactions SET "
        "source = (SELECT b.source FROM journal_batches b WHERE ledger_transactions.seq BETWEEN b.first_seq "
        "AND b.last_seq), "
        "posted_at = (SELECT b.posted_at FROM journal_batches b WHERE ledger_transactions.seq BETWEEN b.first_seq "
        "AND b.last_seq)"
    )
    op.execute("ALTER TABLE ledger_transactions ENABLE TRIGGER USER" if postgresql else _SQLITE_NO_UPDATE)
    if not postgresql:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS journal_batches_no_{action}")
    op.drop_table("journal_batches")
