"""Recipients' bank accounts (issue 20): each account's holder name (户名) checked against the enterprise name its
applications give. A bank returns a payment whose account name differs from the recipient's, so an account whose
name matches none of them is flagged when it is loaded (the payments file will hold such recipients)."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import ApplicationRecord, BankAccountEntry


def comparable_name(name: str) -> str:
    """A name as a bank compares it: full-width forms folded (（） → ()), white space dropped."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def account_name_flags(session: Session, load_id: int) -> list[str]:
    """Per account of the load whose holder name is none of the names the recipient's applications give (or
    which no application names), why it is flagged; in the load's order."""
    accounts = session.execute(
        select(BankAccountEntry.uscc, BankAccountEntry.account_name, BankAccountEntry.account_no)
        .where(BankAccountEntry.load_id == load_id)
        .order_by(BankAccountEntry.id)
    ).all()
    usccs = sorted({uscc for uscc, _, _ in accounts})
    names: dict[str, set[str]] = {}
    applications = ApplicationRecord.__table__.c
    for start in range(0, len(usccs), 1000):
        for uscc, name in session.execute(
            select(applications.uscc, applications.name)
            .where(applications.uscc.in_(usccs[start : start + 1000]))
            .distinct()
        ):
            names.setdefault(uscc, set()).add(name)
    flags = []
    for uscc, holder, number in accounts:
        given = names.get(uscc)
        if not given:
            flags.append(
                f"{uscc} account {number}: no application gives this recipient's name to compare 户名 {holder!r} with"
            )
        elif comparable_name(holder) not in {comparable_name(n) for n in given}:
            shown = ", ".join(repr(n) for n in sorted(given))
            flags.append(f"{uscc} account {number}: 户名 {holder!r} is not the name its applications give ({shown})")
    return flags
