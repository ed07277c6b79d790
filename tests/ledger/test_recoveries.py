"""Recovery of revoked awards (issue 20), on SQLite and PostgreSQL, without Prefect: a revocation cancels the
installments not yet settled (no cycle pays them), withholds paid money the bank never got or returned, and claims
back what reached the recipient (all, or the amount ordered); it is refused while money is in transit; receipts of
money paid back never come to more than is owed; everything run again posts nothing twice, and the ledger verifies
with paid = cleared + in transit + returned + not sent + withheld + claimed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.errors import SubsidyError
from ledger.exports import payment_rows
from ledger.queries import load_decision
from ledger.recoveries import recovery_rows
from ledger.reporting import report_figures
from ledger.verify import ledger_balances, verify_ledger
from rules.params import default_parameters
from tasks import bank_round
from tasks.cycle import run_cycle
from tasks.recovery import receive_in_ledger, revoke_in_ledger
from tests.ledger.test_bank_round import E2, PILOT_FEN, ledger_size, paid_2024, reconcile, rent_installment
from tests.ledger.test_bank_round import return_file as write_return_file

__all__ = ["paid_2024"]  # the fixture, used here by name

DAY = date(2025, 3, 1)


def sent_and_back(engine: Engine, tmp_path: Path, failed: set[str] = frozenset()) -> dict[str, str]:  # type: ignore[assignment]
    """The 2024 payment file issued and its return file reconciled (``failed``: the recipients whose line bounced);
    each recipient's line reference."""
    lines = {x.payee_uscc: x for x in bank_round.issue(engine, 2024, date(2024, 12, 20)).lines}
    rows = [
        (x.reference, f"{x.amount_fen // 100}.{x.amount_fen % 100:02d}", "failed" if u in failed else "success", "")
        for u, x in lines.items()
    ]
    reconcile(engine, write_return_file(tmp_path / "bank-return.csv", rows))
    return {u: x.reference for u, x in lines.items()}


def balances(engine: Engine, year: int, clause: str):  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return ledger_balances(s, year).by_clause[clause]


def test_a_revocation_cancels_withholds_and_claims_back_once(paid_2024: Engine, tmp_path: Path) -> None:
    engine = paid_2024
    rent = [rent_installment(engine, year) for year in (2024, 2025, 2026)]
    bank_round.issue(engine, 2024, date(2024, 12, 20))
    with pytest.raises(SubsidyError, match="R-2: installment\\(s\\) 1 are in transit at the bank; reconcile"):
        revoke_in_ledger(engine, "R-2", "闵经委〔2025〕3号", "区经委", "false declaration", DAY, None)
    lines = bank_round.issue(engine, 2024, DAY).lines  # the file as issued
    back = [(x.reference, f"{x.amount_fen // 100}.{x.amount_fen % 100:02d}", "success", "") for x in lines]
    reconcile(engine, write_return_file(tmp_path / "back.csv", back))

    done = revoke_in_ledger(engine, "R-2", "闵经委〔2025〕3号", "区经委", "false declaration", DAY, None)
    assert (done.new, done.cancelled, done.withheld, done.claimed) == (
        True, [(2, rent[1]), (3, rent[2])], [], [(1, rent[0])]
    )  # fmt: skip
    before = ledger_size(engine)
    again = revoke_in_ledger(engine, "R-2", "闵经委〔2025〕3号", "区经委", "false declaration", DAY, None)
    assert (again.new, again.claimed) == (False, [(1, rent[0])]) and ledger_size(engine) == before
    a2 = balances(engine, 2024, "A2")
    assert (a2.paid_fen, a2.cleared_fen, a2.claimed_fen, a2.not_sent_fen) == (rent[0], 0, rent[0], 0)
    assert balances(engine, 2025, "A2").cancelled_fen == rent[1] and balances(engine, 2025, "A2").outstanding_fen == 0

    summary = run_cycle(engine, 2025, date(2025, 12, 1), default_parameters())
    assert summary.paid == summary.forfeited == 0  # the cancelled installment is not paid

    withheld = revoke_in_ledger(engine, "P-3", "闵经委〔2025〕4号", "区经委", "not eligible", DAY, None)
    assert (withheld.cancelled, withheld.withheld, withheld.claimed) == ([], [(1, PILOT_FEN)], [])
    assert [h.recipient_uscc for h in bank_round.issue(engine, 2024, DAY).held] == []  # E3 is owed nothing now
    pilot = balances(engine, 2024, "A4-PILOT")
    assert (pilot.paid_fen, pilot.cleared_fen, pilot.withheld_fen, pilot.not_sent_fen) == (2 * PILOT_FEN, PILOT_FEN,
                                                                                            PILOT_FEN, 0)  # fmt: skip

    first = receive_in_ledger(engine, "R-2", rent[0] // 2, date(2025, 4, 1))
    assert (first.new, first.outstanding_fen) == (True, rent[0] - rent[0] // 2)
    before = ledger_size(engine)
    assert not receive_in_ledger(engine, "R-2", rent[0] // 2, date(2025, 4, 1)).new and ledger_size(engine) == before
    with pytest.raises(SubsidyError, match="at most the .* CNY still owed back"):
        receive_in_ledger(engine, "R-2", rent[0], date(2025, 5, 1))
    assert receive_in_ledger(engine, "R-2", rent[0] - rent[0] // 2, date(2025, 5, 1)).outstanding_fen == 0
    assert balances(engine, 2024, "A2").recovered_fen == rent[0]

    with Session(engine) as s:
        verify_ledger(s, anchors=[])
        rows = {r["application_id"]: r for r in recovery_rows(s)}
        paid_rows = {(p["application_id"], p["installment"]): p for p in payment_rows(s)}
    yuan = [f"{fen // 100}.{fen % 100:02d}" for fen in rent]
    assert rows["R-2"] == {
        "application_id": "R-2", "recipient_uscc": E2, "document_ref": "闵经委〔2025〕3号", "approved_by": "区经委",
        "reason": "false declaration", "cancelled": f"{(rent[1] + rent[2]) / 100:.2f}", "claimed": yuan[0],
        "received": yuan[0], "outstanding": "0.00",
    }  # fmt: skip
    assert (rows["P-3"]["cancelled"], rows["P-3"]["claimed"]) == ("0.00", "0.00")
    with Session(engine) as s:
        revoked = {r.application_id: r for r in report_figures(s, 2025).recoveries}  # the yearly report's listing
    assert (revoked["R-2"].cancelled_fen, revoked["R-2"].claimed_fen, revoked["R-2"].received_fen) == (
        rent[1] + rent[2],
        rent[0],
        0,
    )  # the report stands where the 2025 cycle left the ledger: the money was paid back after it
    assert paid_rows[("R-2", 1)]["bank_status"] == "cleared"  # the bank did pay it; the claim is the ledger's
    explained = load_decision(engine, "R-2")
    assert explained is not None
    assert explained["installments"][1]["settled"][0] == "cancel"
    assert explained["installments"][0]["bank"][-3:] == [
        f"claimed back {yuan[0]}, revoked: 闵经委〔2025〕3号",
        f"paid back {(rent[0] // 2) / 100:.2f}, value date 2025-04-01; {(rent[0] // 2) / 100:.2f} CNY paid back",
        f"paid back {(rent[0] - rent[0] // 2) / 100:.2f}, value date 2025-05-01; "
        f"{(rent[0] - rent[0] // 2) / 100:.2f} CNY paid back",
    ]


def test_part_of_what_reached_the_recipient_is_claimed_back(paid_2024: Engine, tmp_path: Path) -> None:
    engine = paid_2024
    sent_and_back(engine, tmp_path)
    with pytest.raises(SubsidyError, match="at most the 500000.00 CNY that reached the recipient"):
        revoke_in_ledger(engine, "P-1", "D-1", "区经委", "audit", DAY, PILOT_FEN + 1)
    done = revoke_in_ledger(engine, "P-1", "D-1", "区经委", "audit", DAY, 20_000_000)
    assert done.claimed == [(1, 20_000_000)]
    pilot = balances(engine, 2024, "A4-PILOT")
    assert (pilot.cleared_fen, pilot.claimed_fen) == (PILOT_FEN - 20_000_000, 20_000_000)
    with pytest.raises(SubsidyError, match="no approved award to revoke"):
        revoke_in_ledger(engine, "NO-SUCH", "D-2", "区经委", "audit", DAY, None)
    with pytest.raises(SubsidyError, match="no revoked award"):
        receive_in_ledger(engine, "R-2", 100, DAY)
    with Session(engine) as s:
        verify_ledger(s, anchors=[])


def test_a_returned_payment_of_a_revoked_award_is_kept_not_sent_again(paid_2024: Engine, tmp_path: Path) -> None:
    engine = paid_2024
    rent_2024 = rent_installment(engine, 2024)
    sent_and_back(engine, tmp_path, failed={E2})
    done = revoke_in_ledger(engine, "R-2", "D-3", "区经委", "court ruling", DAY, None)
    assert (done.withheld, done.claimed, [k for k, _ in done.cancelled]) == ([(1, rent_2024)], [], [2, 3])
    a2 = balances(engine, 2024, "A2")
    assert (a2.returned_fen, a2.withheld_fen, a2.not_sent_fen) == (0, rent_2024, 0)
    again = bank_round.issue(engine, 2025, date(2025, 12, 20))
    assert E2 not in {x.payee_uscc for x in again.lines} and again.file_id == 0
    assert not bank_round.issue(engine, 2024, DAY).new  # nothing waits for the bank: the returned one is kept
    with Session(engine) as s:
        verify_ledger(s, anchors=[])
