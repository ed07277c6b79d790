"""Properties that hold for any input: caps, sums, zero on rejection, independence of row order."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.model import Application, History, ReferenceData, Status
from rules.money import from_fen
from rules.outcomes import decide_applications, reasons_of
from rules.params import default_parameters


class Decided(NamedTuple):
    application_id: str
    clause: str
    uscc: str
    project_key: str
    status: str
    reasons: tuple[str, ...]
    award_total: Decimal
    installments: list[tuple[int, int, Decimal]]


def decide_batch(batch: list[Application], reference: ReferenceData, history: History, params, day: date):  # type: ignore[no-untyped-def]
    """Each application's decision, in decision order."""
    d = decide_applications(batch, reference, history, params, day)
    t = d.table
    return [
        Decided(
            t.values("application_id")[i],
            t.values("clause")[i],
            t.values("uscc")[i],
            d.project_key[i],
            d.status[i],
            tuple(reasons_of(d, i)),
            from_fen(int(d.award[i])),
            [(k + 1, int(d.due_years[i, k]), from_fen(int(f))) for k, f in enumerate(d.installments[i].tolist()) if f],
        )
        for i in range(len(t))
    ]


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
def test_rent_awards_never_exceed_the_enterprises_cap_and_installments_sum_to_the_award(
    batch: list[Application],
) -> None:
    decisions = decide_batch(batch, ReferenceData(), History(), default_parameters(), date(2024, 6, 28))
    cap = Decimal("3000000")
    granted: dict[str, Decimal] = {}
    for d in decisions:
        assert d.award_total == sum((amount for _, _, amount in d.installments), Decimal("0"))
        assert d.award_total <= cap
        assert all(a > 0 and a == a.quantize(Decimal("0.01")) for _, _, a in d.installments)
        if d.status != Status.APPROVED:
            assert d.award_total == 0 and d.installments == []
        granted[d.uscc] = granted.get(d.uscc, Decimal("0")) + d.award_total
    assert all(total <= cap for total in granted.values())  # I-12: the cap is the enterprise's


@settings(max_examples=100, deadline=None)
@given(apps, st.randoms())
def test_decisions_do_not_depend_on_the_order_of_rows(batch: list[Application], rnd: random.Random) -> None:
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    params = default_parameters()
    first = decide_batch(batch, ReferenceData(), History(), params, date(2024, 6, 28))
    second = decide_batch(shuffled, ReferenceData(), History(), params, date(2024, 6, 28))

    assert sorted(first) == sorted(second)


CAPS = {
    "A1": Decimal("10000000"),
    "A2": Decimal("3000000"),
    "A3-INV": Decimal("20000000"),
    "A3-TITLE": Decimal("1500000"),
    "A4-CERT": Decimal("500000"),
    "A4-PILOT": Decimal("500000"),
    "A5": Decimal("1000000"),
    "A6-INV": Decimal("2000000"),
    "A6-TITLE": Decimal("1500000"),
    "A7-START": Decimal("500000"),
    "A7-SITE": Decimal("1500000"),
    "A7-ALLIANCE": Decimal("500000"),
    "A8": Decimal("80000"),
}
YEARLY_CAPS = {"A5": Decimal("1000000"), "A7-ALLIANCE": Decimal("500000")}


@st.composite
def any_application(draw: st.DrawFn, i: int) -> Application:
    clause = draw(st.sampled_from(sorted(CAPS)))
    who = draw(st.integers(0, 2))
    return Application(
        application_id=f"M{i:04d}",
        clause=clause,
        uscc=f"91310112MA1GB000{who}X",
        name="x",
        submitted_on=date(2024, draw(st.integers(1, 12)), draw(st.integers(1, 28))),
        business_in_minhang=True,
        tax_in_minhang=True,
        field="ai",
        certified=draw(st.sampled_from([True, True, True, False])),
        project_id=draw(st.sampled_from([None, "P1", "P2"])),
        entity_type="cloud_provider" if clause == "A5" else "enterprise",
        fixed_asset_investment=draw(money),
        rd_expense=draw(money),
        equipment_investment=draw(money),
        paid_in_capital=Decimal("5000000"),
        headcount=30,
        financing=Decimal("20000000"),
        annual_rent=draw(money),
        lease_start=date(draw(st.integers(2020, 2026)), 1, 1),
        investment=draw(money),
        title_level=draw(st.sampled_from(["municipal", "national"])),
        cert_level=draw(st.sampled_from(["completed", "process", "network", "ecosystem"])),
        claim_year=draw(st.integers(2022, 2024)),
        onboarded_count=draw(st.integers(0, 5000)),
        activity_cost=draw(money),
        provider_uscc="91310112MA1GB0009X",
        provider_in_minhang=draw(st.booleans()),
        adopted=draw(st.booleans()),
    )


mixed = st.integers(1, 15).flatmap(lambda n: st.tuples(*(any_application(i) for i in range(n))).map(list))


@settings(max_examples=200, deadline=None)
@given(mixed, st.randoms())
def test_every_clause_respects_its_caps_and_order_does_not_matter(batch: list[Application], rnd) -> None:  # type: ignore[no-untyped-def]
    params = default_parameters()
    decisions = decide_batch(batch, ReferenceData(), History(), params, date(2024, 6, 28))
    yearly: dict[tuple[str, str, int | None], Decimal] = {}
    investment: dict[str, int] = {}
    by_id = {a.application_id: a for a in batch}
    for d in decisions:
        assert d.award_total == sum((amount for _, _, amount in d.installments), Decimal("0"))
        assert d.award_total <= CAPS[d.clause], d
        if d.clause == "A7-SITE":
            assert all(amount <= Decimal("500000") for _, _, amount in d.installments)
        if d.status != Status.APPROVED:
            assert d.award_total == 0 and d.installments == []
        elif d.clause in YEARLY_CAPS:
            key = (d.uscc, d.clause, by_id[d.application_id].claim_year)
            yearly[key] = yearly.get(key, Decimal("0")) + d.award_total
        if d.status == Status.APPROVED and d.clause in {"A1", "A3-INV", "A6-INV"}:
            investment[d.uscc] = investment.get(d.uscc, 0) + 1
    assert all(total <= YEARLY_CAPS[clause] for (_, clause, _), total in yearly.items())
    assert all(count == 1 for count in investment.values())  # X-ONEINV
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    again = decide_batch(shuffled, ReferenceData(), History(), params, date(2024, 6, 28))
    assert sorted(decisions) == sorted(again)
