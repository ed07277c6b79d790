"""The ledger on SQLite and PostgreSQL: exactly once, balanced, append-only, tamper-evident."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError as SQLDatabaseError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import IdempotencyConflict, LedgerIntegrityError
from ledger import posting
from ledger.db import run_transaction
from ledger.verify import ledger_balances, verify_ledger
from tests.ledger.helpers import approve

USCC = "91310112MA1GB4Y21X"


def _post_sample(engine) -> None:  # type: ignore[no-untyped-def]
    approve(engine, [("APP-1", "A2", USCC, 240_000_002), ("APP-2", "A4-PILOT", USCC, 50_000_000)])
    with run_transaction(engine) as s:
        posting.post(
            s,
            [
                posting.commitment("APP-1", 1, "A2", 2024, USCC, 120_000_001),
                posting.commitment("APP-1", 2, "A2", 2025, USCC, 120_000_001),
                posting.commitment("APP-2", 1, "A4-PILOT", 2024, USCC, 50_000_000),
            ],
            source="test",
        )
    with run_transaction(engine) as s:
        posting.post(
            s,
            [
                posting.settlement("APP-1", 1, "A2", 2024, USCC, 120_000_001, paid=True),
                posting.settlement("APP-2", 1, "A4-PILOT", 2024, USCC, 50_000_000, paid=True),
            ],
            source="test",
        )
    with run_transaction(engine) as s:
        posting.post(
            s,
            [
                posting.settlement("APP-1", 2, "A2", 2025, USCC, 120_000_001, paid=False, reasons="BLACKLISTED"),
            ],
            source="test",
        )


def test_postings_balance_and_chain(engine) -> None:  # type: ignore[no-untyped-def]
    _post_sample(engine)
    with Session(engine) as s:
        report = verify_ledger(s)
        assert report.entries == 6
        assert report.checked[0].startswith("6 entries in order from #1")
        assert report.checked[1] == "0 chain head(s) kept outside the database (the anchor file) found at their places"
        with_head = verify_ledger(s, [report.head])
        assert with_head.checked[2] == "1 chain head(s) given found in the chain"
        balances = ledger_balances(s)
    a2 = balances.by_clause["A2"]
    assert (a2.committed_fen, a2.paid_fen, a2.forfeited_fen, a2.outstanding_fen) == (
        240_000_002,
        120_000_001,
        120_000_001,
        0,
    )
    assert balances.by_clause["A4-PILOT"].paid_fen == 50_000_000


def test_the_same_posting_twice_is_posted_once(engine) -> None:  # type: ignore[no-untyped-def]
    _post_sample(engine)
    with run_transaction(engine) as s:
        result = posting.post(s, [posting.settlement("APP-1", 1, "A2", 2024, USCC, 120_000_001, paid=True)], "again")
    assert (result.posted, result.skipped) == (0, 1)
    with Session(engine) as s:
        assert verify_ledger(s).entries == 6


def test_the_same_key_with_other_content_is_refused(engine) -> None:  # type: ignore[no-untyped-def]
    _post_sample(engine)
    with pytest.raises(IdempotencyConflict, match="settlement/APP-1/1"), run_transaction(engine) as s:
        posting.post(s, [posting.settlement("APP-1", 1, "A2", 2024, USCC, 120_000_001, paid=False)], "again")


def test_a_forfeited_installment_cannot_also_be_paid(engine) -> None:  # type: ignore[no-untyped-def]
    _post_sample(engine)
    with pytest.raises(IntegrityError), run_transaction(engine) as s:
        posting.post(s, [posting.settlement("APP-1", 2, "A2", 2025, USCC, 120_000_001, paid=True)], "x", known_new=True)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_transactions SET amount_fen = 1 WHERE seq = 1",
        "UPDATE ledger_transactions SET recipient_uscc = 'someone-else' WHERE seq = 2",
        "DELETE FROM ledger_transactions WHERE seq = 1",
    ],
)
def test_ledger_tables_refuse_update_and_delete(engine, statement: str) -> None:  # type: ignore[no-untyped-def]
    _post_sample(engine)
    with pytest.raises(SQLDatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))


def test_a_reversal_is_a_new_linked_entry_and_only_one_is_allowed(engine) -> None:  # type: ignore[no-untyped-def]
    _post_sample(engine)
    approve(engine, [("APP-3", "A4-PILOT", USCC, 50_000_000)])
    with run_transaction(engine) as s:
        posting.post(s, [posting.commitment("APP-3", 1, "A4-PILOT", 2024, USCC, 50_000_000)], "test")
        posting.reverse(s, 7, "entered in error", "test")
    with Session(engine) as s:
        assert verify_ledger(s).entries == 8
        assert ledger_balances(s).by_clause["A4-PILOT"].committed_fen == 50_000_000  # APP-2's, paid
    with run_transaction(engine) as s:
        assert posting.reverse(s, 7, "entered in error", "test").skipped == 1


def test_a_settled_commitment_cannot_be_reversed_and_a_reversed_one_cannot_be_settled(engine) -> None:  # type: ignore[no-untyped-def]
    """M1: what a recipient was paid stays paid (its payable account would go below zero); a correction of an
    unsettled installment takes it out of every later cycle."""
    _post_sample(engine)
    with pytest.raises(IntegrityError, match="does not match"), run_transaction(engine) as s:
        posting.reverse(s, 3, "entered in error", "test")
    approve(engine, [("APP-3", "A4-PILOT", USCC, 50_000_000)])
    with run_transaction(engine) as s:
        posting.post(s, [posting.commitment("APP-3", 1, "A4-PILOT", 2024, USCC, 50_000_000)], "test")
        posting.reverse(s, 7, "entered in error", "test")
    with pytest.raises(IntegrityError, match="does not match"), run_transaction(engine) as s:
        posting.post(s, [posting.settlement("APP-3", 1, "A4-PILOT", 2024, USCC, 50_000_000, paid=True)], "test")


def _tamper(engine, sql: str) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE ledger_transactions DISABLE TRIGGER USER"))
            conn.execute(text(sql))
            conn.execute(text("ALTER TABLE ledger_transactions ENABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER ledger_transactions_no_update"))
            conn.execute(text(sql))


@pytest.mark.parametrize(
    ("sql", "seq", "problem"),
    [
        ("UPDATE ledger_transactions SET amount_fen = amount_fen + 100 WHERE seq = 4", 4, "changed after posting"),
        # Payable to someone else, or committed against another year's budget line: the accounts follow.
        ("UPDATE ledger_transactions SET recipient_uscc = 'someone-else' WHERE seq = 2", 2, "changed after posting"),
        ("UPDATE ledger_transactions SET fiscal_year = 2030 WHERE seq = 3", 3, "changed after posting"),
        # The entry before #5 given #5's hash: #4 no longer matches its own hash, and #5 no longer links to it.
        (
            "UPDATE ledger_transactions SET entry_hash = (SELECT entry_hash FROM ledger_transactions WHERE seq = 5) "
            "WHERE seq = 4",
            4,
            "hash chain broken",
        ),
    ],
)
def test_verify_names_the_first_tampered_entry(engine, sql: str, seq: int, problem: str) -> None:  # type: ignore[no-untyped-def]
    _post_sample(engine)
    _tamper(engine, sql)
    with Session(engine) as s, pytest.raises(LedgerIntegrityError) as info:
        verify_ledger(s)
    assert info.value.seq == seq and problem in str(info.value)


_INSERT = (
    "INSERT INTO ledger_transactions (seq, kind, application_id, installment, clause, fiscal_year, recipient_uscc, "
    "amount_fen, reasons, entry_hash) VALUES (99, :kind, :app, :k, :clause, :year, :uscc, :fen, '', 'e')"
)
_GOOD = {"kind": "commitment", "app": "APP-1", "k": 3, "clause": "A2", "year": 2026, "uscc": USCC, "fen": 0}


@pytest.mark.parametrize(
    "bad",
    [
        {"fen": -100},  # a negative amount
        {"year": None},  # a commitment due in no year: it names no budget line
        {"app": "APP-2", "k": 1, "clause": "A4-PILOT", "year": 2024},  # APP-2's installment 1 committed twice
        {"kind": "forfeit", "k": 1, "year": 2024, "fen": 120_000_001},  # APP-1's paid installment 1 settled again
    ],
)
def test_the_database_refuses_an_entry_that_is_not_a_transfer_or_posts_a_key_twice(engine, bad) -> None:  # type: ignore[no-untyped-def]
    """Written past the code: a zero commitment of APP-1's third installment goes in; changed in one thing, it is
    refused (a key is what the entry says: a second commitment or settlement of one installment is the same key)."""
    _post_sample(engine)
    with engine.connect() as conn:
        conn.execute(text(_INSERT), _GOOD)
        conn.rollback()
    with pytest.raises(SQLDatabaseError), engine.begin() as conn:
        conn.execute(text(_INSERT), {**_GOOD, **bad})


def test_a_chain_rewritten_from_some_point_on_is_caught_by_a_head_kept_outside(engine) -> None:  # type: ignore[no-untyped-def]
    _post_sample(engine)
    with Session(engine) as s:
        head = verify_ledger(s).head
        assert verify_ledger(s, [head]).head == head
    with Session(engine) as s, pytest.raises(LedgerIntegrityError, match="not in the chain"):
        verify_ledger(s, ["f" * 64])


_texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_entries = st.tuples(
    _texts,  # business key
    st.sampled_from(["commitment", "payment", "forfeit", "reversal"]),
    st.none() | _texts,  # application
    st.none() | st.integers(1, 5),  # installment
    st.none() | _texts,  # clause
    st.none() | st.integers(2020, 2030),  # fiscal year
    st.none() | _texts,  # recipient
    st.integers(0, 10**12),  # amount
    _texts,  # reasons
    st.none() | st.integers(1, 10**9),  # reverses
    _texts,  # debit account
    _texts,  # credit account
)


@given(st.lists(_entries, max_size=20))
def test_column_wise_content_hashes_are_each_entrys_content_hash(entries: list[tuple[Any, ...]]) -> None:
    """The bulk path hashes whole columns (``ENTRY_FIELDS``); every hash equals the one verification recomputes
    for its entry."""
    columns = [list(column) for column in zip(*entries, strict=True)] or [[] for _ in posting.ENTRY_FIELDS]
    assert posting.content_hashes(columns) == [posting.content_hash(*entry) for entry in entries]


def test_an_entry_hash_is_computed_as_when_three_hashes_were_stored() -> None:
    """The one hash kept since migration d4e8a2c6f091 is computed as before it (values from the code of commit
    951f921, which stored the content and previous hashes too): every entry posted earlier verifies unchanged,
    and the chain heads kept outside the database still match."""
    content = posting.content_hash(
        "commitment/A-1/1",
        "commitment",
        "A-1",
        1,
        "A2",
        2024,
        "913101127JH4BXKFLM",
        70_906_700,
        "",
        None,
        "budget:A2:2024",
        "payable:913101127JH4BXKFLM",
    )
    assert content == "49b293040422fa5a182d6e7a24267ca287b47f0bab740e625f332d3a3758472f"
    assert (
        posting.entry_hash(1, posting.GENESIS_HASH, content, "2024-06-28T09:00:00", "intake:1")
        == "ec952529f7de54670c1112b3c63ba37c9a6426fc005205678d4dfc6296bb81b6"
    )
