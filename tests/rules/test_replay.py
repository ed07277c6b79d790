"""Every decision replays: for random batches with blacklist hits, registry rows, support from other policies,
case decisions, onboardings and earlier grants, deciding one stored application again from the facts its
decision kept (what ``subsidy explain`` does) gives the stored status, reasons, award and installments."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.engine import decide
from rules.explain import explain
from rules.facts import facts_of_run, highest_key
from rules.model import (
    Application,
    CaseDecision,
    History,
    InvestmentAward,
    ListingPeriod,
    Onboarding,
    ReferenceData,
    RegistrationChange,
)
from rules.outcomes import decision_tables
from rules.params import default_parameters
from rules.table import Applications

ENTERPRISES = [f"91310112MA1GB000{n}X" for n in range(4)]
PROVIDERS = ["91310112MA1GB0008X", "91310112MA1GB0009X"]
CLAUSES = [
    "A1",
    "A2",
    "A3-INV",
    "A3-TITLE",
    "A4-CERT",
    "A4-PILOT",
    "A5",
    "A6-INV",
    "A6-TITLE",
    "A7-START",
    "A7-SITE",
    "A7-ALLIANCE",
    "A8",
]
DAY = date(2024, 6, 28)
FEN = Decimal("0.01")  # what earlier runs granted is stored in whole fen
money = st.decimals(min_value=Decimal("0"), max_value=Decimal("40000000"), places=3, allow_nan=False)


@st.composite
def application(draw: st.DrawFn, i: int) -> Application:
    clause = draw(st.sampled_from(CLAUSES))
    return Application(
        application_id=f"M{i:04d}",
        clause=clause,
        uscc=draw(st.sampled_from(ENTERPRISES + PROVIDERS[:1])),
        name="x",
        submitted_on=date(draw(st.sampled_from([2021, 2024, 2026])), draw(st.integers(1, 12)), 1),
        business_in_minhang=draw(st.booleans() | st.just(True)),
        tax_in_minhang=True,
        field=draw(st.sampled_from(["ai", "ai", "other"])),
        certified=draw(st.sampled_from([True, True, True, False])),
        major_project=draw(st.sampled_from([False, False, False, True])),
        project_id=draw(st.sampled_from([None, "P1", "P2"])),
        entity_type=draw(st.sampled_from(["enterprise", "cloud_provider", "public_institution", "enterprise"])),
        fixed_asset_investment=draw(money) * 3,
        rd_expense=draw(money),
        equipment_investment=draw(money),
        paid_in_capital=Decimal("5000000"),
        headcount=30,
        financing=Decimal("20000000"),
        annual_rent=draw(money) / 10,
        lease_start=date(draw(st.integers(2020, 2025)), 9, 1),
        investment=draw(money),
        title_level=draw(st.sampled_from(["municipal", "national"])),
        cert_level=draw(st.sampled_from(["completed", "process", "network", "ecosystem"])),
        claim_year=draw(st.integers(2020, 2024)),
        onboarded_count=draw(st.integers(0, 3000)),
        activity_cost=draw(money) / 50,
        provider_uscc=draw(st.sampled_from(PROVIDERS)),
        provider_in_minhang=draw(st.booleans()),
        adopted=draw(st.booleans()),
        report_id=draw(st.sampled_from([None, "R1", "R2"])),
    )


@st.composite
def run(draw: st.DrawFn) -> tuple[list[Application], ReferenceData, History]:
    n = draw(st.integers(1, 14))
    apps = [draw(application(i)) for i in range(n)]
    ref = ReferenceData(blacklist_load_id=1)
    for uscc in draw(st.lists(st.sampled_from(ENTERPRISES + PROVIDERS), max_size=2)):
        ref.blacklist[uscc].append(ListingPeriod(date(2024, draw(st.integers(1, 12)), 1), None))
    for uscc in draw(st.lists(st.sampled_from(ENTERPRISES + PROVIDERS), max_size=2)):
        ref.registry[uscc].append(RegistrationChange(date(2024, 1, 1), draw(st.booleans()), True))
    for uscc in draw(st.lists(st.sampled_from(ENTERPRISES), max_size=2)):
        kind = draw(st.sampled_from(["rent", "title", "investment", "platform_site"]))
        ref.external_awards[(uscc, draw(st.sampled_from([uscc, "P1"])), kind)] = draw(money) / 20
    for app in apps:
        if app.major_project and draw(st.booleans()):
            ref.case_decisions[app.application_id] = CaseDecision(
                app.application_id, draw(money), "区政府", "闵府〔2024〕1号", date(2024, draw(st.integers(1, 6)), 1)
            )
    for k in range(draw(st.integers(0, 4))):
        ref.onboardings.append(
            Onboarding(
                draw(st.sampled_from(ENTERPRISES[:2])),
                ENTERPRISES[k],
                draw(st.integers(2023, 2024)),
                date(2024, 1, 1 + k),
            )
        )
    history = History()
    for uscc in draw(st.lists(st.sampled_from(ENTERPRISES), max_size=2)):
        kind = draw(st.sampled_from(["rent", "title", "investment", "diagnosis"]))
        project = "report:R1" if kind == "diagnosis" else draw(st.sampled_from([uscc, "P1"]))
        history.granted[highest_key(uscc, project, kind)] = (draw(money) / 20).quantize(FEN)
        history.yearly_used[(uscc, draw(st.sampled_from(["A5", "A7-ALLIANCE"])), 2024)] = (draw(money) / 40).quantize(
            FEN
        )
    if draw(st.booleans()):
        history.investment_awards[ENTERPRISES[0]] = InvestmentAward(
            "OLD-1", "A6-INV", Decimal("100000"), draw(st.booleans())
        )
    return apps, ref, history


READINGS = st.sampled_from(
    [
        {},
        {"I-16": "outside_oneinv"},
        {"I-12": "per_project", "I-14": "per_application"},
        {"I-4": "first_come", "I-11": "recipient_only"},
        {"I-1": "every_clause"},
    ]
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run(), READINGS)
def test_every_stored_decision_replays_to_itself(
    batch: tuple[list[Application], ReferenceData, History], readings: dict[str, str]
) -> None:
    apps, reference, history = batch
    params = default_parameters()
    for iid, reading in readings.items():
        params = params.with_reading(iid, reading)
    table = Applications.from_applications(apps)
    decided = decide(table, facts_of_run(table, reference, history, DAY, params), params, DAY)
    stored = decision_tables(decided)
    by_id = {a.application_id: a for a in apps}
    installments = stored.installments.groupby("application_id")
    for row in stored.decisions.itertuples():
        again = explain(by_id[row.application_id], json.loads(row.trace)["facts"], params, DAY)
        expected = (
            [
                (int(k), int(y), int(f))
                for k, y, f in installments.get_group(row.application_id)[
                    ["number", "due_year", "amount_fen"]
                ].itertuples(index=False)
            ]
            if row.application_id in installments.groups
            else []
        )
        assert (again.status, ";".join(again.reasons), again.award_fen, again.installments, again.decided_on) == (
            row.status,
            row.reasons,
            int(row.award_fen),
            expected,
            row.decided_on,
        ), (row.application_id, row.trace, again.steps)
