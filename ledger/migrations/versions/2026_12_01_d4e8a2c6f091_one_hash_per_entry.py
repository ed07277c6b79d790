"""one hash per ledger entry: ``content_hash`` and ``prev_hash`` are no longer stored. Both are recomputed
where they are needed: the content hash from what the entry says, the previous hash from the entry before it
(the chain is read in order). ``entry_hash`` is computed as before (SHA-256 over the sequence number, the
previous entry's hash, the content hash, the posting time and the run), so every entry posted before this
migration verifies unchanged, and the chain heads kept outside the database still match.

Revision ID: d4e8a2c6f091
Revises: a1f3c5e7b9d2
Create Date: 2026-12-01 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d4e8a2c6f091"
down_revision = "a1f3c5e7b9d2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite (3.35 and later) and PostgreSQL drop a column in place; no trigger or index names these two.
    op.drop_column("ledger_transactions", "content_hash")
    op.drop_column("ledger_transactions", "prev_hash")


def downgrade() -> None:
    # Refilled from the entries themselves: the content hash is recomputed by ``ledger verify`` as it walks the
    # chain; a downgraded ledger holds empty texts here, which the code of that revision reports as changed.
    op.add_column("ledger_transactions", sa.Column("content_hash", sa.String(64), nullable=False, server_default=""))
    op.add_column("ledger_transactions", sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
