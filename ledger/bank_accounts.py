"""Recipients' bank accounts (issue 20): each account's holder name (户名) checked against the enterprise name its
applications give. A bank returns a payment whose account name differs from the recipient's, so an account whose
name matches none of them is flagged when it is loaded (the payments file will hold such recipients)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.models import ApplicationRecord, BankAccountEntry, ReferenceLoad


def comparable_name(name: str) -> str:
    """A name as a bank compares it: full-width forms folded (（） → ()), white space dropped."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def names_given(session: Session, usccs: Iterable[str]) -> dict[str, set[str]]:
    """The enterprise names each recipient's applications give: looked up a thousand recipients at a time, or, for
    more (a payment file of a whole year), read in one pass over the applications (their ``uscc`` has no index)."""
    wanted = sorted(set(usccs))
    names: dict[str, set[str]] = {}
    applications = ApplicationRecord.__table__.c
    pairs = select(applications.uscc, applications.name).distinct()
    chunks = (
        [pairs]
        if len(wanted) > 1000
        else [pairs.where(applications.uscc.in_(wanted[start : start + 1000])) for start in range(0, len(wanted), 1000)]
    )
    keep = set(wanted)
    for query in chunks:
        for uscc, name in session.execute(query):
            if uscc in keep:
                names.setdefault(uscc, set()).add(name)
    return names


def name_flag(uscc: str, holder: str, number: str, given: set[str] | None) -> str | None:
    """Why an account is flagged: its holder name (户名) is none of the names the recipient's applications give, or
    no application names the recipient; None when it matches one."""
    if not given:
        return f"{uscc} account {number}: no application gives this recipient's name to compare 户名 {holder!r} with"
    if comparable_name(holder) in {comparable_name(n) for n in given}:
        return None
    shown = ", ".join(repr(n) for n in sorted(given))
    return f"{uscc} account {number}: 户名 {holder!r} is not the name its applications give ({shown})"


def account_name_flags(session: Session, load_id: int) -> list[str]:
    """Per account of the load whose holder name is not the recipient's (``name_flag``), why; in the load's order."""
    accounts = session.execute(
        select(BankAccountEntry.uscc, BankAccountEntry.account_name, BankAccountEntry.account_no)
        .where(BankAccountEntry.load_id == load_id)
        .order_by(BankAccountEntry.id)
    ).all()
    names = names_given(session, (uscc for uscc, _, _ in accounts))
    flags = (name_flag(uscc, holder, number, names.get(uscc)) for uscc, holder, number in accounts)
    return [flag for flag in flags if flag]


class Account(NamedTuple):
    account_name: str
    bank_name: str
    account_no: str


def accounts_in_force(session: Session, on: date) -> tuple[dict[str, Account], int | None]:
    """Each recipient's account in force on ``on`` in the latest ``bank_accounts`` load (the one with the latest
    effective date not after ``on``; of two on one date, the later row), and that load's id."""
    load = session.execute(
        select(func.max(ReferenceLoad.id)).where(ReferenceLoad.kind == "bank_accounts")
    ).scalar_one_or_none()
    if load is None:
        return {}, None
    rows = session.execute(
        select(
            BankAccountEntry.uscc,
            BankAccountEntry.account_name,
            BankAccountEntry.bank_name,
            BankAccountEntry.account_no,
        )
        .where(BankAccountEntry.load_id == load, BankAccountEntry.effective_on <= on)
        .order_by(BankAccountEntry.effective_on, BankAccountEntry.id)
    ).tuples()
    return {uscc: Account(name, bank, number) for uscc, name, bank, number in rows}, load
