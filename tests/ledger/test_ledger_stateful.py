"""A stateful hypothesis test of the ledger against a small in-memory oracle, on SQLite and PostgreSQL: post,
pay, forfeit, reverse and re-post in any order; after every step the balances equal the oracle's, every
installment is settled at most once, a settled installment is never reversed nor a reversed one settled, and the
hash chain verifies."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import IdempotencyConflict, LedgerError
from ledger import posting
from ledger.db import get_engine, run_transaction
from ledger.verify import ledger_balances, verify_ledger
from tests.ledger.helpers import approve

CLAUSES = ["A2", "A4-PILOT", "A7-SITE"]
USCC = "91310112MA1GB4Y21X"
_ids = itertools.count()


def make_machine(url: str) -> type[RuleBasedStateMachine]:
    class LedgerMachine(RuleBasedStateMachine):
        installments = Bundle("installments")

        @initialize()
        def start(self) -> None:
            self.engine = get_engine(url)
            with Session(self.engine) as s:
                self.baseline = {
                    c: (b.committed_fen, b.paid_fen, b.forfeited_fen) for c, b in ledger_balances(s).by_clause.items()
                }
            self.committed: dict[str, int] = {c: 0 for c in CLAUSES}
            self.paid: dict[str, int] = {c: 0 for c in CLAUSES}
            self.forfeited: dict[str, int] = {c: 0 for c in CLAUSES}
            self.settled: dict[tuple[str, int], bool] = {}
            self.seqs: dict[str, int] = {}  # business key → seq, for reversals
            self.reversed: set[int] = set()

        def _post(self, p: posting.Posting) -> posting.PostResult:
            with run_transaction(self.engine) as s:
                result = posting.post(s, [p], source="stateful")
                if result.posted:
                    self.seqs[p.business_key] = posting.chain_head(s)[0]
            return result

        @rule(target=installments, clause=st.sampled_from(CLAUSES), fen=st.integers(1, 10**11))
        def commit(self, clause: str, fen: int) -> tuple[str, int, str, int]:
            app = f"S-{next(_ids)}"
            approve(self.engine, [(app, clause, USCC, fen)])
            assert self._post(posting.commitment(app, 1, clause, 2024, USCC, fen)).posted == 1
            self.committed[clause] += fen
            return app, 1, clause, fen

        @rule(item=installments, paid=st.booleans())
        def settle(self, item: tuple[str, int, str, int], paid: bool) -> None:
            app, k, clause, fen = item
            p = posting.settlement(app, k, clause, 2024, USCC, fen, paid=paid, reasons="" if paid else "BLACKLISTED")
            if (app, k) in self.settled:
                if self.settled[(app, k)] == paid:
                    assert self._post(p).skipped == 1  # the same settlement again: nothing posted
                else:
                    with pytest.raises(IdempotencyConflict):
                        self._post(p)
                return
            if self.seqs[f"commitment/{app}/{k}"] in self.reversed:
                with pytest.raises(IntegrityError, match="does not match"):  # a corrected installment is not due
                    self._post(p)
                return
            assert self._post(p).posted == 1
            self.settled[(app, k)] = paid
            (self.paid if paid else self.forfeited)[clause] += fen

        @rule(item=installments)
        def repost_commitment(self, item: tuple[str, int, str, int]) -> None:
            app, k, clause, fen = item
            assert self._post(posting.commitment(app, k, clause, 2024, USCC, fen)).skipped == 1
            with pytest.raises(IdempotencyConflict):
                self._post(posting.commitment(app, k, clause, 2024, USCC, fen + 1))

        @rule(item=installments)
        def reverse_commitment(self, item: tuple[str, int, str, int]) -> None:
            app, k, clause, fen = item
            seq = self.seqs[f"commitment/{app}/{k}"]
            if (app, k) in self.settled and seq not in self.reversed:
                with pytest.raises(IntegrityError, match="does not match"), run_transaction(self.engine) as s:
                    posting.reverse(s, seq, "correction", "stateful")  # what was settled stays settled
                return
            with run_transaction(self.engine) as s:
                result = posting.reverse(s, seq, "correction", "stateful")
            if seq in self.reversed:
                assert result.skipped == 1
            else:
                assert result.posted == 1
                self.reversed.add(seq)
                self.committed[clause] -= fen

        @rule()
        def reversing_a_missing_entry_is_refused(self) -> None:
            with pytest.raises(LedgerError), run_transaction(self.engine) as s:
                posting.reverse(s, 10**12, "no such entry", "stateful")

        @invariant()
        def balances_match_the_oracle_and_the_chain_verifies(self) -> None:
            if not hasattr(self, "engine"):
                return
            with Session(self.engine) as s:
                verify_ledger(s)
                balances = ledger_balances(s).by_clause
            for clause in CLAUSES:
                base = self.baseline.get(clause, (0, 0, 0))
                b = balances.get(clause)
                got = (b.committed_fen, b.paid_fen, b.forfeited_fen) if b else (0, 0, 0)
                want = (base[0] + self.committed[clause], base[1] + self.paid[clause], base[2] + self.forfeited[clause])
                assert got == want

    return LedgerMachine


def test_ledger_matches_its_oracle_in_any_order(db_url: str) -> None:
    machine = make_machine(db_url)
    settings(max_examples=40, stateful_step_count=12, deadline=None)(machine)
    machine.TestCase().runTest()
