"""An entry's business key and two accounts are read, not stored (``ledger/accounts.py``): what the database gives back
is what posting hashed, for every kind, a reversal's swapped accounts included; the migration that stopped storing
them keeps every hash and gives them back on downgrade, and refuses to run, changing nothing, when a stored name is
not the one its entry gives; on both databases."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.errors import LedgerError
from ledger import accounts, posting
from ledger.db import alembic_config, run_transaction
from ledger.models import LedgerTransaction
from ledger.verify import verify_ledger
from tests.ledger.helpers import approve, migrated_down, owner_sql

STORED_NAMES = "e2b4d6f8a1c3"
"""The revision that stored each entry's key and accounts."""
USCC = "91310112MA1GB4Y21X"
OTHER = "91310112MA1GB00005"
NAMES = [
    ("commitment/APP-1/1", "budget:A2:2024", f"payable:{USCC}"),
    ("commitment/APP-1/2", "budget:A2:2025", f"payable:{USCC}"),
    ("commitment/APP-2/1", "budget:A4-PILOT:2024", f"payable:{OTHER}"),
    ("settlement/APP-1/1", f"payable:{USCC}", "paid:A2:2024"),
    ("settlement/APP-2/1", f"payable:{OTHER}", "forfeited:A4-PILOT:2024"),
    ("reversal/2", f"payable:{USCC}", "budget:A2:2025"),
    ("reversal/4", "paid:A2:2024", f"payable:{USCC}"),
]
"""Each entry of ``_every_kind`` in order: its key, debit and credit."""


def _every_kind(engine) -> None:  # type: ignore[no-untyped-def]
    approve(engine, [("APP-1", "A2", USCC, 300), ("APP-2", "A4-PILOT", OTHER, 50)])
    with run_transaction(engine) as s:
        posting.post(
            s,
            [
                posting.commitment("APP-1", 1, "A2", 2024, USCC, 100),
                posting.commitment("APP-1", 2, "A2", 2025, USCC, 200),
                posting.commitment("APP-2", 1, "A4-PILOT", 2024, OTHER, 50),
                posting.settlement("APP-1", 1, "A2", 2024, USCC, 100, paid=True),
                posting.settlement("APP-2", 1, "A4-PILOT", 2024, OTHER, 50, paid=False, reasons="BLACKLISTED"),
            ],
            "test",
        )
        posting.reverse(s, 2, "entered in error", "test")  # an unsettled commitment
        posting.reverse(s, 4, "paid in error", "test")  # a payment


def _names(engine) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    columns = (LedgerTransaction.business_key, LedgerTransaction.debit_account, LedgerTransaction.credit_account)
    with Session(engine) as s:
        return [tuple(row) for row in s.execute(select(*columns).order_by(LedgerTransaction.seq)).all()]


def test_the_database_gives_back_the_names_posting_hashed(engine) -> None:  # type: ignore[no-untyped-def]
    _every_kind(engine)
    assert _names(engine) == NAMES
    with Session(engine) as s:
        assert verify_ledger(s).entries == len(NAMES)  # each hash recomputed from the names read back
    with run_transaction(engine) as s:  # posted again: found under the same keys, nothing posted twice
        again = posting.post(s, [posting.commitment("APP-1", 1, "A2", 2024, USCC, 100)], "again")
    assert (again.posted, again.skipped) == (0, 1)


def test_the_migration_keeps_every_hash_and_gives_the_names_back_on_downgrade(engine) -> None:  # type: ignore[no-untyped-def]
    _every_kind(engine)
    with Session(engine) as s:
        head = verify_ledger(s).head
    with migrated_down(engine, STORED_NAMES) as conn:
        stored = conn.execute(
            text("SELECT business_key, debit_account, credit_account FROM ledger_transactions ORDER BY seq")
        ).all()
    assert [tuple(row) for row in stored] == NAMES
    assert _names(engine) == NAMES
    with Session(engine) as s:
        assert verify_ledger(s).head == head


def test_the_migration_refuses_a_stored_name_its_entry_does_not_give(engine) -> None:  # type: ignore[no-untyped-def]
    _every_kind(engine)
    with engine.connect() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, STORED_NAMES)
        conn.commit()
    owner_sql(
        engine, "ledger_transactions", ["UPDATE ledger_transactions SET credit_account = 'payable:x' WHERE seq = 3"]
    )
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        with pytest.raises(RuntimeError, match="ledger entry #3: its stored business key or accounts"):
            command.upgrade(config, "head")
        conn.rollback()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == STORED_NAMES
        assert (
            conn.execute(text("SELECT credit_account FROM ledger_transactions WHERE seq = 3")).scalar() == "payable:x"
        )


def _columns(*entries: tuple[str, str | None, int | None, str | None, int | None, str | None, int | None]):  # type: ignore[no-untyped-def]
    names = ("kind", "application_id", "installment", "clause", "fiscal_year", "recipient_uscc", "reverses_seq")
    return {name: [e[i] for e in entries] for i, name in enumerate(names)}


def test_names_are_computed_a_kind_at_a_time_and_a_reversal_swaps_the_accounts_it_reverses() -> None:
    columns = _columns(
        ("commitment", "A-1", 2, "A7-SITE", 2026, USCC, None),
        ("reversal", "A-1", 1, "A2", 2024, USCC, 9),
        ("forfeit", "A-2", 1, "A8", 2024, OTHER, None),
        ("reversal", "A-2", 1, "A8", 2024, OTHER, 3),
        ("commitment", "A-3", 1, "A7-SITE", 2026, OTHER, None),
    )
    keys, debits, credits = accounts.described(columns, {9: "commitment", 3: "forfeit"})
    assert keys == ["commitment/A-1/2", "reversal/9", "settlement/A-2/1", "reversal/3", "commitment/A-3/1"]
    assert debits == [
        "budget:A7-SITE:2026",
        f"payable:{USCC}",
        f"payable:{OTHER}",
        "forfeited:A8:2024",
        "budget:A7-SITE:2026",
    ]
    assert credits == [f"payable:{USCC}", "budget:A2:2024", "forfeited:A8:2024", f"payable:{OTHER}", f"payable:{OTHER}"]
    assert debits[0] is debits[4]  # one budget line, one text


@pytest.mark.parametrize(
    ("entry", "reversed_kinds", "problem"),
    [
        (("commitment", "A-1", 1, None, 2024, USCC, None), {}, "needs clause"),
        (("payment", "A-1", 1, "A2", 2024, "", None), {}, "needs recipient_uscc"),
        (("reversal", "A-1", 1, "A2", 2024, USCC, 5), {}, "moves no known accounts"),  # #5 not in the ledger
        (("reversal", "A-1", 1, "A2", 2024, USCC, 5), {5: "reversal"}, "moves no known accounts"),
        (("transfer", "A-1", 1, "A2", 2024, USCC, None), {}, "moves no known accounts"),
    ],
)
def test_an_entry_that_names_no_accounts_is_refused(entry, reversed_kinds, problem) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LedgerError, match=problem):
        accounts.described(_columns(("commitment", "A-9", 1, "A2", 2024, USCC, None), entry), reversed_kinds)
