"""Money out and back (issue 20), on SQLite and PostgreSQL, without Prefect: a cycle → a payment file → a return
file with one bounce → the next cycle's file offers it again → reconciling clears it. Every step run again changes
nothing; the ledger verifies; paid = cleared + in transit + returned + not yet sent, per clause and year."""

from __future__ import annotations

import csv
import hashlib
import random
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.errors import InputFileError
from ledger.bank_files import payment_file_rows, write_payment_file
from ledger.models import BankReturn, LedgerTransaction, PaymentFile, PaymentLine
from ledger.payment_files import POLICY
from ledger.queries import load_decision
from ledger.runs import refresh_reference_data
from ledger.verify import ledger_balances, verify_ledger
from rules.params import default_parameters
from subsidy.sample import RENT_AND_PILOT_COLUMNS, make_uscc
from tasks import bank_round
from tasks.cycle import run_cycle
from tasks.intake import read_reference_table
from tests.ledger.helpers import intake_file

E1, E2, E3 = (make_uscc(random.Random(seed)) for seed in (71, 72, 73))
PILOT_FEN = 50_000_000  # A4-PILOT: 500,000 CNY, one-time


def applications(path: Path) -> Path:
    """E1 and E3: A4 pilots (one installment, 2024); E2: an A2 lease from 2024 (installments 2024–2026)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(RENT_AND_PILOT_COLUMNS)
        writer.writerow(
            ["P-1", "A4-PILOT", E1, "上海甲智能科技有限公司", "2024-03-01", "1", "1", "ai", "1", "", "", "", "", ""]
        )
        writer.writerow(
            ["P-3", "A4-PILOT", E3, "上海丙科技有限公司", "2024-03-01", "1", "1", "ai", "1", "", "", "", "", ""]
        )
        writer.writerow(
            ["R-2", "A2", E2, "上海乙工业互联网有限公司", "2024-03-01", "1", "1", "ai", "1", "500万", "30", "2000万",
             "400000", "2024-01-01"]
        )  # fmt: skip
    return path


def load_accounts(engine: Engine, path: Path) -> None:
    """E1 and E2 have accounts under their names; E3 has none."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["uscc", "account_name", "bank_name", "account_no", "effective_on"])
        writer.writerow([E1, "上海甲智能科技有限公司", "工商银行闵行支行", "1001234509876543210", "2024-01-01"])
        writer.writerow([E2, "上海乙工业互联网有限公司", "建设银行莘庄支行", "31050161373600001234", "2024-01-01"])
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    refresh_reference_data(engine, {"bank_accounts": (read_reference_table(str(path), "bank_accounts"), checksum)})


def return_file(path: Path, rows: list[tuple[str, str, str, str]], chinese: bool = False) -> str:
    header = ["业务参考号", "金额", "状态", "入账日期", "失败原因"] if chinese else [
        "reference", "amount", "status", "value_date", "reason"
    ]  # fmt: skip
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for reference, amount, status, reason in rows:
            writer.writerow([reference, amount, status, "2025-01-06", reason])
    return str(path)


def reconcile(engine: Engine, path: str) -> bank_round.Reconciled:
    rows, checksum = bank_round.read_return_file(path)
    return bank_round.post_outcomes(engine, Path(path).name, checksum, rows)


def ledger_size(engine: Engine) -> tuple[int, int, int, int]:
    with Session(engine) as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t))
            for t in (LedgerTransaction, PaymentFile, PaymentLine, BankReturn)
        )


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


@pytest.fixture
def paid_2024(engine: Engine, tmp_path: Path) -> Engine:
    intake_file(engine, applications(tmp_path / "apps.csv"))
    load_accounts(engine, tmp_path / "bank-accounts.csv")
    run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())
    return engine


def rent_installment(engine: Engine, year: int) -> int:
    with Session(engine) as s:
        return s.scalar(
            select(LedgerTransaction.amount_fen).where(
                LedgerTransaction.application_id == "R-2",
                LedgerTransaction.kind == "commitment",
                LedgerTransaction.fiscal_year == year,
            )
        )


def test_the_whole_round(paid_2024: Engine, tmp_path: Path) -> None:
    engine = paid_2024
    rent_2024 = rent_installment(engine, 2024)
    first = bank_round.issue(engine, 2024, date(2024, 12, 20))
    assert (first.file_id, first.new, first.reissued) == (1, True, 0)
    in_order = sorted([(E1, PILOT_FEN), (E2, rent_2024)])  # lines by recipient
    assert [(x.reference, x.payee_uscc, x.amount_fen) for x in first.lines] == [
        (f"PF00001-{n:06d}", uscc, fen) for n, (uscc, fen) in enumerate(in_order, start=1)
    ]
    by_recipient = {x.payee_uscc: x for x in first.lines}
    assert (
        by_recipient[E1].purpose == f"{POLICY} 2024 A4-PILOT"
        and by_recipient[E2].payee_name == "上海乙工业互联网有限公司"
    )
    assert by_recipient[E1].settlements == ("settlement/P-1/1",)
    assert by_recipient[E2].settlements == ("settlement/R-2/1",)
    assert [(h.recipient_uscc, h.amount_fen, h.why) for h in first.held] == [
        (E3, PILOT_FEN, "no bank account in force on 2024-12-20")
    ]
    assert first.total_fen == PILOT_FEN + rent_2024
    path = tmp_path / "pf1.csv"
    assert write_payment_file(first, path) == first.checksum == hashlib.sha256(path.read_bytes()).hexdigest()
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["reference", "payee_uscc", "payee_name", "bank_name", "account_no", "amount", "purpose"]
    assert {r[0]: (r[1], r[4], r[5]) for r in rows[1:]} == {
        by_recipient[E1].reference: (E1, "1001234509876543210", "500000.00"),
        by_recipient[E2].reference: (E2, "31050161373600001234", yuan(rent_2024)),
    }
    xlsx = tmp_path / "pf1.xlsx"
    assert write_payment_file(first, xlsx) == write_payment_file(first, tmp_path / "again.xlsx")  # the same bytes

    before = ledger_size(engine)
    again = bank_round.issue(engine, 2024, date(2024, 12, 21))  # issued twice: nothing sent twice
    assert ledger_size(engine) == before and (again.file_id, again.new) == (1, False)
    assert payment_file_rows(again) == payment_file_rows(first)

    bounce = return_file(
        tmp_path / "bank-return-1.csv",
        [
            (by_recipient[E1].reference, "500,000.00", "成功", ""),
            (by_recipient[E2].reference, yuan(rent_2024), "失败", "账户已销户"),
        ],
    )
    done = reconcile(engine, bounce)
    assert done.cleared == [by_recipient[E1].reference] and done.cleared_fen == PILOT_FEN
    assert done.bounced == [(by_recipient[E2].reference, "账户已销户")] and done.reported == []
    with Session(engine) as s:
        b = ledger_balances(s, 2024)
        assert (b.by_clause["A4-PILOT"].cleared_fen, b.by_clause["A4-PILOT"].not_sent_fen) == (PILOT_FEN, PILOT_FEN)
        assert (b.by_clause["A2"].returned_fen, b.by_clause["A2"].in_transit_fen) == (rent_2024, 0)
    before = ledger_size(engine)
    assert reconcile(engine, bounce).already == 2 and ledger_size(engine) == before  # reconciled again: nothing

    run_cycle(engine, 2025, date(2025, 12, 1), default_parameters())
    rent_2025 = rent_installment(engine, 2025)
    second = bank_round.issue(engine, 2025, date(2025, 12, 20))
    assert (second.file_id, second.reissued) == (2, 1)
    assert [(x.payee_uscc, x.amount_fen, x.purpose, x.settlements) for x in second.lines] == [
        (E2, rent_2024 + rent_2025, f"{POLICY} 2024/2025 A2", ("settlement/R-2/1", "settlement/R-2/2")),
    ]  # one line per recipient per issue: the returned 2024 payment with the 2025 one
    cleared = reconcile(
        engine,
        return_file(
            tmp_path / "银行回单-2.csv",
            [(x.reference, yuan(x.amount_fen), "成功", "") for x in second.lines],
            chinese=True,
        ),
    )
    assert cleared.cleared_fen == rent_2024 + rent_2025 and cleared.bounced == []
    with Session(engine) as s:
        verify_ledger(s, anchors=[])
        for year, paid in ((2024, PILOT_FEN * 2 + rent_2024), (2025, rent_2025)):
            total = ledger_balances(s, year).by_clause
            assert sum(b.paid_fen for b in total.values()) == paid
            for b in total.values():
                assert b.paid_fen == b.cleared_fen + b.in_transit_fen + b.returned_fen + b.not_sent_fen
                assert b.in_transit_fen == 0 and b.returned_fen == 0
        assert ledger_balances(s, 2024).by_clause["A4-PILOT"].not_sent_fen == PILOT_FEN  # E3, held: no account
    explained = load_decision(engine, "R-2")
    assert explained is not None
    assert [i["bank"] for i in explained["installments"]] == [
        [
            f"sent in payment file line {by_recipient[E2].reference}",
            "returned by the bank, value date 2025-01-06: 账户已销户",
            f"sent again in payment file line {second.lines[0].reference}",
            "cleared, value date 2025-01-06",
        ],
        [f"sent in payment file line {second.lines[0].reference}", "cleared, value date 2025-01-06"],
        [],
    ]


def test_unknown_references_amounts_that_differ_and_duplicates_post_nothing(paid_2024: Engine, tmp_path: Path) -> None:
    engine = paid_2024
    issued = {x.payee_uscc: x for x in bank_round.issue(engine, 2024, date(2024, 12, 20)).lines}
    before = ledger_size(engine)
    path = return_file(
        tmp_path / "bank-return.csv",
        [
            ("PF09999-000001", "1.00", "success", ""),
            (issued[E1].reference, "499999.99", "success", ""),
            (issued[E2].reference, yuan(issued[E2].amount_fen), "success", ""),
            (issued[E2].reference, yuan(issued[E2].amount_fen), "failed", "户名不符"),
        ],
    )
    result = reconcile(engine, path)
    assert [(r.row, r.why) for r in result.reported] == [
        (2, "no payment file issued this reference"),
        (3, "amount 499999.99 differs from the 500000.00 the payment file sent"),
        (4, "the reference is given 2 times in this file: none of its rows is posted"),
        (5, "the reference is given 2 times in this file: none of its rows is posted"),
    ]
    assert result.return_id == 0 and ledger_size(engine) == before

    reconcile(engine, return_file(tmp_path / "ok.csv", [(issued[E1].reference, "500000", "success", "")]))
    other_way = reconcile(
        engine, return_file(tmp_path / "later.csv", [(issued[E1].reference, "500000", "failed", "x")])
    )
    assert [r.why for r in other_way.reported] == [
        "the line was cleared by an earlier return file; this file says failed"
    ]


def test_a_return_file_with_a_bad_row_is_refused_whole(paid_2024: Engine, tmp_path: Path) -> None:
    engine = paid_2024
    line = bank_round.issue(engine, 2024, date(2024, 12, 20)).lines[0]
    path = return_file(
        tmp_path / "r.csv", [(line.reference, yuan(line.amount_fen), "success", ""), ("X", "abc", "maybe", "")]
    )
    before = ledger_size(engine)
    with pytest.raises(InputFileError) as refused:
        reconcile(engine, path)
    assert "r.csv, row 3: amount: 'abc' is not an amount" in str(refused.value)
    assert "status: value (maybe) is not a status of a bank's return file" in str(refused.value)
    assert ledger_size(engine) == before


def test_a_recipient_whose_account_name_is_not_its_own_is_held(paid_2024: Engine, tmp_path: Path) -> None:
    engine = paid_2024
    path = tmp_path / "bank-accounts-2.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(
            [
                ["uscc", "account_name", "bank_name", "account_no", "effective_on"],
                [E1, "上海某某贸易有限公司", "工商银行闵行支行", "1001234509876543210", "2024-01-01"],
                [E3, "上海丙科技有限公司", "农业银行七宝支行", "03360100040012345", "2025-01-01"],
            ]
        )
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    refresh_reference_data(engine, {"bank_accounts": (read_reference_table(str(path), "bank_accounts"), checksum)})
    issued = bank_round.issue(engine, 2024, date(2024, 12, 20))
    assert issued.file_id == 0 and issued.lines == []
    assert sorted((h.recipient_uscc, h.why) for h in issued.held) == sorted(
        [
            (E1, f"{E1} account 1001234509876543210: 户名 '上海某某贸易有限公司' is not the name its applications "
                 "give ('上海甲智能科技有限公司')"),
            (E2, "no bank account in force on 2024-12-20"),
            (E3, "no bank account in force on 2024-12-20"),
        ]
    )  # fmt: skip
    assert bank_round.issue(engine, 2024, date(2025, 1, 2)).lines[0].payee_uscc == E3  # its account from 2025
