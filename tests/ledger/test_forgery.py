"""M1: an entry must match what it is for. A correctly hashed and chained payment for an application that does not
exist, a reversal moving money to another budget line, a commitment beyond its decision's award: the
database refuses each on insert (SQLite and PostgreSQL, and as the application role); planted by the owner with
the checks switched off, ``ledger verify`` names it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.orm import Session

from core.errors import LedgerIntegrityError
from ledger import posting
from ledger.db import get_engine, run_transaction
from ledger.verify import verify_ledger
from tests.conftest import _admin_execute, make_database
from tests.ledger.helpers import approve

USCC = "91310112MA1GB4Y21X"
FORGED = [
    posting.settlement("NO-SUCH-APP", 1, "A2", 2024, USCC, 999_999_999, paid=True),  # M1: 9,999,999.99 to nobody
    posting.Posting(
        "reversal", 100, "APP-1", 2, "A4-PILOT", 2025, USCC, reverses_seq=2
    ),  # a reversal of APP-1's second commitment (#2) that moves the money back to another clause's budget line
    posting.commitment("APP-1", 3, "A2", 2026, USCC, 1),  # one fen beyond APP-1's award
    posting.settlement("APP-2", 1, "A4-PILOT", 2024, "91310112MA1GB00005", 100, paid=True),  # to someone else
    posting.settlement("APP-1", 2, "A2", 2024, USCC, 100, paid=True),  # before it falls due (2025)
    posting.commitment("APP-4", 1, "A2", 2024, USCC, 100),  # a decision that is not approved
]


def _committed(engine) -> None:  # type: ignore[no-untyped-def]
    approve(engine, [("APP-1", "A2", USCC, 200), ("APP-2", "A4-PILOT", USCC, 100)])
    with run_transaction(engine) as s:
        posting.post(
            s,
            [
                posting.commitment("APP-1", 1, "A2", 2024, USCC, 100),
                posting.commitment("APP-1", 2, "A2", 2025, USCC, 100),
                posting.commitment("APP-2", 1, "A4-PILOT", 2024, USCC, 100),
            ],
            "test",
        )
        posting.post(s, [posting.settlement("APP-1", 1, "A2", 2024, USCC, 100, paid=True)], "test")
    approve(engine, [("APP-4", "A2", USCC, 0)])
    with engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET status = 'rejected' WHERE application_id = 'APP-4'"))


@pytest.mark.parametrize("forged", FORGED, ids=[p.business_key for p in FORGED])
def test_a_forged_entry_is_refused_on_insert(engine, forged: posting.Posting) -> None:  # type: ignore[no-untyped-def]
    _committed(engine)
    with Session(engine) as s:
        before = verify_ledger(s)
    with pytest.raises(IntegrityError, match="does not match what it is for"), run_transaction(engine) as s:
        posting.post(s, [forged], "forger")
    with Session(engine) as s:
        assert verify_ledger(s).head == before.head


def test_a_forged_payment_planted_by_the_owner_is_named_by_verify(engine) -> None:  # type: ignore[no-untyped-def]
    _committed(engine)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE ledger_transactions DISABLE TRIGGER ledger_entries_match"))
        else:
            conn.execute(text("DROP TRIGGER ledger_settlement_matches"))
    with run_transaction(engine) as s:
        posting.post(s, [FORGED[0]], "forger")  # hashed and chained like any entry
        seq = posting.chain_head(s)[0]
    with Session(engine) as s, pytest.raises(LedgerIntegrityError) as info:
        verify_ledger(s)
    assert info.value.seq == seq and "settlement/NO-SUCH-APP/1 does not match" in str(info.value)


def test_commitments_that_do_not_sum_to_the_award_are_named_by_verify(engine) -> None:  # type: ignore[no-untyped-def]
    _committed(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE decisions SET award_total_fen = 250 WHERE application_id = 'APP-1'"))
    with Session(engine) as s, pytest.raises(LedgerIntegrityError, match="APP-1 sum to 200 fen, its approved"):
        verify_ledger(s)


def test_the_application_role_cannot_forge_nor_switch_the_check_off(tmp_path: Path) -> None:
    owner_url, drop = make_database("postgresql", tmp_path)
    role = f"subsidy_app_{uuid.uuid4().hex[:8]}"
    try:
        owner = get_engine(owner_url)
        _committed(owner)
        sql = (Path(__file__).resolve().parents[2] / "deploy" / "postgres-roles.sql").read_text(encoding="utf-8")
        with owner.begin() as conn:
            conn.execute(text(sql.replace("subsidy_app", role).replace("'change-me'", "NULL")))
        app = create_engine(owner_url.replace("postgres@", f"{role}@", 1))
        with pytest.raises(IntegrityError, match="does not match"), run_transaction(app) as s:
            posting.post(s, [FORGED[0]], "forger")
        with pytest.raises(ProgrammingError, match="must be owner"), app.begin() as conn:
            conn.execute(text("ALTER TABLE ledger_transactions DISABLE TRIGGER ledger_entries_match"))
        app.dispose()
    finally:
        drop()
        _admin_execute(f'DROP ROLE IF EXISTS "{role}"')
