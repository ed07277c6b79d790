"""ledger transfers: each entry names its debit and credit account; the lines and installments tables go

Every entry the system posts moves one amount from one account to another, so the two lines of each entry
become two columns of it (balanced by shape: no balance trigger, a third of the rows). The installments table
repeated what the commitment entries already say (application, installment, clause, due year, recipient,
amount); the commitments in the ledger are now the installments. Existing entries keep their content hashes:
the hash is computed over the same two lines as before. The unique index on the entry hash goes (the chain
verification checks every link).

Revision ID: 9c1e5a7d2b40
Revises: 3422bc148fef
Create Date: 2026-11-26 22:40:00
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision = "9c1e5a7d2b40"
down_revision = "3422bc148fef"
branch_labels = None
depends_on = None


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _drop_ledger_triggers() -> None:
    if _postgres():
        for table in ("ledger_transactions", "ledger_lines"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER IF EXISTS ledger_transactions_balanced ON ledger_transactions")
        op.execute("DROP TRIGGER IF EXISTS ledger_lines_closed ON ledger_lines")
        op.execute("DROP FUNCTION IF EXISTS subsidy_ledger_balanced()")
        op.execute("DROP FUNCTION IF EXISTS subsidy_ledger_lines_closed()")
    else:
        for table in ("ledger_transactions", "ledger_lines"):
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
        op.execute("DROP TRIGGER IF EXISTS ledger_transactions_balanced")
        op.execute("DROP TRIGGER IF EXISTS ledger_lines_closed")


def _create_append_only_triggers() -> None:
    """UPDATE and DELETE (and TRUNCATE) on the ledger are refused: corrections are new reversing entries."""
    table = "ledger_transactions"
    if _postgres():
        op.execute(
            """
            CREATE OR REPLACE FUNCTION subsidy_ledger_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION subsidy_ledger_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION subsidy_ledger_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'ledger is append-only: {action} on {table} refused'); END"
            )


def upgrade() -> None:
    _drop_ledger_triggers()
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("debit_account", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("credit_account", sa.String(length=120), nullable=True))
    op.execute(
        """
        UPDATE ledger_transactions SET
            debit_account = (SELECT account FROM ledger_lines l
                             WHERE l.seq = ledger_transactions.seq AND l.debit_fen > 0 ORDER BY l.line LIMIT 1),
            credit_account = (SELECT account FROM ledger_lines l
                              WHERE l.seq = ledger_transactions.seq AND l.credit_fen > 0 ORDER BY l.line LIMIT 1)
        """
    )
    with op.batch_alter_table(
        "ledger_transactions", schema=None, naming_convention={"uq": "%(table_name)s_%(column_0_name)s_key"}
    ) as batch_op:
        batch_op.alter_column("debit_account", existing_type=sa.String(length=120), nullable=False)
        batch_op.alter_column("credit_account", existing_type=sa.String(length=120), nullable=False)
        batch_op.create_check_constraint("ck_ledger_two_accounts", "debit_account <> credit_account")
        # The chain (each entry's hash covers its sequence number and the previous hash) already makes every
        # entry hash distinct; a unique index on 64 random characters only slowed every insert.
        batch_op.drop_constraint("ledger_transactions_entry_hash_key", type_="unique")
    with op.batch_alter_table("ledger_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_lines_seq"))
        batch_op.drop_index(batch_op.f("ix_ledger_lines_account"))
    op.drop_table("ledger_lines")
    with op.batch_alter_table("installments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_installments_due_year"))
    op.drop_table("installments")
    _create_append_only_triggers()


def _initial_schema() -> ModuleType:
    """The initial migration, for its trigger definitions (the downgrade restores them as they were)."""
    path = Path(__file__).with_name("2026_11_26_ed41b9de4870_initial_schema.py")
    spec = importlib.util.spec_from_file_location("subsidy_initial_schema", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    initial = _initial_schema()
    _drop_ledger_triggers()
    op.create_table(
        "installments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(length=200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("clause", sa.String(length=16), nullable=False),
        sa.Column("recipient_uscc", sa.String(length=18), nullable=False),
        sa.Column("due_year", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name="ck_installment_positive"),
        sa.ForeignKeyConstraint(["application_id"], ["applications.application_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", "number", name="uq_installment"),
    )
    with op.batch_alter_table("installments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_installments_due_year"), ["due_year"], unique=False)
    op.execute(
        "INSERT INTO installments (application_id, number, clause, recipient_uscc, due_year, amount_fen) "
        "SELECT application_id, installment, clause, recipient_uscc, fiscal_year, amount_fen "
        "FROM ledger_transactions WHERE kind = 'commitment' ORDER BY seq"
    )
    op.create_table(
        "ledger_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=120), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "debit_fen >= 0 AND credit_fen >= 0 AND (debit_fen = 0 OR credit_fen = 0)",
            name="ck_ledger_line_side",
        ),
        sa.ForeignKeyConstraint(["seq"], ["ledger_transactions.seq"], deferrable=True, initially="DEFERRED"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq", "line", name="uq_ledger_line"),
    )
    with op.batch_alter_table("ledger_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_lines_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_lines_seq"), ["seq"], unique=False)
    op.execute(
        "INSERT INTO ledger_lines (seq, line, account, debit_fen, credit_fen) "
        "SELECT seq, 1, debit_account, amount_fen, 0 FROM ledger_transactions ORDER BY seq"
    )
    op.execute(
        "INSERT INTO ledger_lines (seq, line, account, debit_fen, credit_fen) "
        "SELECT seq, 2, credit_account, 0, amount_fen FROM ledger_transactions ORDER BY seq"
    )
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.create_unique_constraint("ledger_transactions_entry_hash_key", ["entry_hash"])
        batch_op.drop_constraint("ck_ledger_two_accounts", type_="check")
        batch_op.drop_column("credit_account")
        batch_op.drop_column("debit_account")
    initial.create_append_only_triggers()
    initial.create_balance_triggers()
