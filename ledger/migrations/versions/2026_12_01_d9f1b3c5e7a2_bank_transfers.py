"""bank transfers: payment files and their lines, bank return files, and the ledger's bank transfer entries (issue,
reissue, clear, bounce), each following the entry before it on its installment's trail (issue 20). The unique index
behind the business keys now holds a bank transfer once per entry it follows (``ledger.accounts.POSTED_ONCE``: the
same value as before for every entry of the earlier kinds), and the insert triggers check the new kinds
(``ledger.invariants``).

Revision ID: d9f1b3c5e7a2
Revises: c5e7a9b1d3f2
Create Date: 2026-12-01 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.accounts import BANK_TRANSFERS, POSTED_ONCE, POSTED_ONCE_BEFORE_TRANSFERS
from ledger.invariants import posted_once_and_triggers

revision = "d9f1b3c5e7a2"
down_revision = "c5e7a9b1d3f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("held", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payment_files_fiscal_year", "payment_files", ["fiscal_year"])
    op.create_table(
        "payment_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("payee_uscc", sa.String(length=18), nullable=False),
        sa.Column("payee_name", sa.Text(), nullable=False),
        sa.Column("bank_name", sa.Text(), nullable=False),
        sa.Column("account_no", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["payment_files.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_payment_lines_file_id", "payment_lines", ["file_id"])
    op.create_table(
        "bank_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("cleared", sa.Integer(), nullable=False),
        sa.Column("bounced", sa.Integer(), nullable=False),
        sa.Column("reported", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for statement in posted_once_and_triggers(op.get_bind().dialect.name, POSTED_ONCE):
        op.execute(statement)


def downgrade() -> None:
    kinds = ", ".join(f"'{kind}'" for kind in BANK_TRANSFERS)
    transfers = op.get_bind().execute(sa.text(f"SELECT COUNT(*) FROM ledger_transactions WHERE kind IN ({kinds})"))
    if transfers.scalar():
        raise RuntimeError(
            "the ledger holds bank transfers, which the earlier schema cannot hold; the downgrade changes nothing"
        )
    for statement in posted_once_and_triggers(op.get_bind().dialect.name, POSTED_ONCE_BEFORE_TRANSFERS):
        op.execute(statement)
    op.drop_table("bank_returns")
    op.drop_index("ix_payment_lines_file_id", table_name="payment_lines")
    op.drop_table("payment_lines")
    op.drop_index("ix_payment_files_fiscal_year", table_name="payment_files")
    op.drop_table("payment_files")
