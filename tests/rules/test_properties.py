"""Properties that hold for any input: caps, sums, zero on rejection, independence of row order."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.decide import decide_batch
from rules.model import Application, History, ReferenceData, Status
from rules.params import default_parameters

money = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000000"), places=3, allow_nan=False)


def _rent_app(i: int, rent: Decimal, capital: Decimal, headcount: int, start_year: int, uscc: str) -> Application:
    return Application(
        application_id=f"A{i:04d}",
        clause="A2",
        uscc=uscc,
        name="x",
        submitted_on=date(2024, 1 + i % 12, 1),
        business_in_minhang=True,
        tax_in_minhang=True,
        field="ai",
        certified=True,
        paid_in_capital=capital,
        headcount=headcount,
        financing=Decimal("20000000"),
        annual_rent=rent,
        lease_start=date(start_year, 1, 1),
    )


apps = st.lists(
    st.builds(
        lambda i, rent, cap, head, year, who: _rent_app(i, rent, cap, head, year, f"91310112MA1GB000{who}X"),
        st.integers(0, 9999),
        money,
        st.sampled_from([Decimal("4999999.99"), Decimal("5000000")]),
        st.integers(25, 35),
        st.integers(2019, 2026),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda a: a.application_id,
)


@settings(max_examples=150, deadline=None)
@given(apps)
def test_rent_awards_never_exceed_the_cap_and_installments_sum_to_the_award(batch: list[Application]) -> None:
    decisions = decide_batch(batch, ReferenceData(), History(), default_parameters(), date(2024, 6, 28))
    cap = Decimal("3000000")
    granted: dict[str, Decimal] = {}
    for d in decisions:
        assert d.award_total == sum((i.amount for i in d.installments), Decimal("0"))
        assert d.award_total <= cap
        assert all(i.amount > 0 and i.amount == i.amount.quantize(Decimal("0.01")) for i in d.installments)
        if d.status != Status.APPROVED:
            assert d.award_total == 0 and d.installments == []
        granted[d.project_key] = granted.get(d.project_key, Decimal("0")) + d.award_total
    assert all(total <= cap for total in granted.values())


@settings(max_examples=100, deadline=None)
@given(apps, st.randoms())
def test_decisions_do_not_depend_on_the_order_of_rows(batch: list[Application], rnd: random.Random) -> None:
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    params = default_parameters()
    first = decide_batch(batch, ReferenceData(), History(), params, date(2024, 6, 28))
    second = decide_batch(shuffled, ReferenceData(), History(), params, date(2024, 6, 28))

    def key(d):
        return (
            d.application_id,
            d.status,
            d.reasons,
            d.award_total,
            [(i.number, i.due_year, i.amount) for i in d.installments],
        )

    assert sorted(map(key, first)) == sorted(map(key, second))
