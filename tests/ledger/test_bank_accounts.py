"""Bank accounts as reference data (issue 20, first part), on SQLite and PostgreSQL: a ``bank_accounts`` snapshot is
stored per load like the other kinds (the same file again is not loaded again), and an account whose holder name
(户名) is not the enterprise name the recipient's applications give is flagged: full-width and half-width forms and
white space aside, as a bank compares them."""

from __future__ import annotations

import csv
import hashlib
import random
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ledger.bank_accounts import comparable_name
from ledger.models import BankAccountEntry
from ledger.runs import refresh_reference_data
from rules.params import default_parameters
from subsidy.sample import RENT_AND_PILOT_COLUMNS, make_uscc
from tasks.intake import read_reference_table
from tasks.intake_run import record_intake
from tests.ledger.helpers import intake_file
from validations.batch import validate_table
from validations.readers import read_table

E1, E2, E3 = (make_uscc(random.Random(seed)) for seed in (61, 62, 63))


def applications(path: Path) -> Path:
    """A4 pilots of E1 and E2, each under its name."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(RENT_AND_PILOT_COLUMNS)
        for n, (uscc, name) in enumerate(((E1, "上海甲智能科技有限公司（闵行）"), (E2, "上海乙工业互联网有限公司"))):
            writer.writerow([f"P-{n}", "A4-PILOT", uscc, name, "2024-03-01", "1", "1", "ai", "1", "", "", "", "", ""])
    return path


def accounts(path: Path) -> Path:
    rows = [
        (E1, "上海甲智能科技有限公司 (闵行)", "工商银行闵行支行", "1001234509876543210", "2024-01-01"),
        (E2, "上海丙贸易有限公司", "建设银行莘庄支行", "31050161373600001234", "2024-01-01"),
        (E3, "上海丁有限公司", "农业银行七宝支行", "03360100040012345", "2024-01-01"),
    ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["uscc", "account_name", "bank_name", "account_no", "effective_on"])
        writer.writerows(rows)
    return path


def reference(path: Path) -> tuple[object, str]:
    return read_reference_table(str(path), "bank_accounts"), hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_refresh_stores_the_accounts_and_flags_the_names_that_differ(engine: Engine, tmp_path: Path) -> None:
    intake_file(engine, applications(tmp_path / "apps.csv"))
    file = accounts(tmp_path / "bank-accounts.csv")
    outcome = refresh_reference_data(engine, {"bank_accounts": reference(file)})  # type: ignore[dict-item]
    loaded, *flags = outcome["bank_accounts"].split("; flagged: ")
    assert loaded == "loaded 3 row(s) as load 1"
    assert flags == [
        f"{E2} account 31050161373600001234: 户名 '上海丙贸易有限公司' is not the name its applications give "
        "('上海乙工业互联网有限公司')",
        f"{E3} account 03360100040012345: no application gives this recipient's name to compare 户名 "
        "'上海丁有限公司' with",
    ]
    with Session(engine) as s:
        stored = s.execute(select(BankAccountEntry.uscc, BankAccountEntry.account_no, BankAccountEntry.effective_on))
        assert sorted(stored) == sorted(
            [
                (E1, "1001234509876543210", date(2024, 1, 1)),
                (E2, "31050161373600001234", date(2024, 1, 1)),
                (E3, "03360100040012345", date(2024, 1, 1)),
            ]
        )
    again = refresh_reference_data(engine, {"bank_accounts": reference(file)})  # type: ignore[dict-item]
    assert again == {"bank_accounts": "unchanged"}
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(BankAccountEntry)) == 3


def test_an_intake_flags_against_the_names_of_its_own_applications(engine: Engine, tmp_path: Path) -> None:
    table = validate_table(read_table(applications(tmp_path / "apps.csv"), "applications"))
    references = {"bank_accounts": reference(accounts(tmp_path / "bank-accounts.csv"))}
    summary = record_intake(engine, [table], references, date(2024, 6, 28), default_parameters(), [], {})  # type: ignore[arg-type]
    assert summary.reference_loads == {"bank_accounts": 1} and summary.decided == 2
    assert [flag.split(" account ")[0] for flag in summary.bank_account_flags] == [E2, E3]


def test_names_compare_as_a_bank_compares_them() -> None:
    assert comparable_name("上海甲科技有限公司（闵行）") == comparable_name("上海甲科技有限公司 (闵行)")
    assert comparable_name("ＡＢＣ 科技") == comparable_name("ABC科技")
    assert comparable_name("上海甲") != comparable_name("上海乙")
