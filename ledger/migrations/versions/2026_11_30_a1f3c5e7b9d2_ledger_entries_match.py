"""ledger entries must match what they settle: the database refuses, on insert, a commitment that is not an
installment of an approved decision (its recipient, clause and accounts; the decision's commitments never above
its award), a payment or forfeit that does not settle one unreversed commitment installment due by then (same
recipient, clause and amount; its accounts), a reversal that does not mirror the entry it reverses or reverses a
settled commitment, and any other kind. Each key names what it is for (``commitment/<app>/<k>``,
``settlement/<app>/<k>``, ``reversal/<seq>``), so the unique key allows one settlement per installment.
SQLite checks each row before it is inserted; PostgreSQL checks each statement's new rows together after it.
The conditions are ``ledger/invariants.py``'s (which ``ledger verify`` checks again); changing them takes a new
migration that recreates these triggers.

Revision ID: a1f3c5e7b9d2
Revises: 7c2d9e4a1b3f
Create Date: 2026-11-30 16:20:00
"""

from __future__ import annotations

from alembic import op

from ledger.invariants import KINDS, MESSAGE, commitment_ok, entry_ok, reversal_ok, settlement_ok

revision = "a1f3c5e7b9d2"
down_revision = "7c2d9e4a1b3f"
branch_labels = None
depends_on = None


def _postgres_upgrade() -> None:
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION subsidy_ledger_entries_match() RETURNS trigger AS $$
        DECLARE bad record;
        BEGIN
            SELECT n.seq, n.business_key INTO bad FROM new_rows n
            WHERE NOT {entry_ok("n", "postgresql", True)}
            ORDER BY n.seq LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION '{MESSAGE}: #% %', bad.seq, bad.business_key
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER ledger_entries_match AFTER INSERT ON ledger_transactions "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subsidy_ledger_entries_match()"
    )


def _sqlite_upgrade() -> None:
    same = "IS"
    checks = {
        "commitment": ("NEW.kind = 'commitment'", commitment_ok("NEW", same, False)),
        "settlement": ("NEW.kind IN ('payment', 'forfeit')", settlement_ok("NEW", same)),
        "reversal": ("NEW.kind = 'reversal'", reversal_ok("NEW", same)),
        "kind": (f"NEW.kind NOT IN {KINDS!r}", "0"),
    }
    for name, (when, ok) in checks.items():
        op.execute(
            f"CREATE TRIGGER ledger_{name}_matches BEFORE INSERT ON ledger_transactions FOR EACH ROW WHEN {when} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}') WHERE NOT COALESCE({ok}, 0); END"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_match ON ledger_transactions")
        op.execute("DROP FUNCTION IF EXISTS subsidy_ledger_entries_match()")
    else:
        for name in ("commitment", "settlement", "reversal", "kind"):
            op.execute(f"DROP TRIGGER IF EXISTS ledger_{name}_matches")
