"""The batch path (rules/columnar.py) gives every application the decision the reference path (rules/decide.py)
gives it, for any batch, reference data, earlier grants and reading; and each batch-path decision replays to
the same outcome from the facts it keeps."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal

import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rules.columnar import decide_frame, replay, split_batch
from rules.decide import decide_batch
from rules.model import APPLICATION_FIELDS, Application, History, ListingPeriod, ReferenceData, Status
from rules.params import default_parameters

USCCS = [f"91310112MA1GB00{i:02d}X" for i in range(6)]
PROVIDERS = ["91310112MA1GB0090X", "91310112MA1GB0091X"]
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
# Whole fen mostly, near the thresholds and caps, sometimes finer than a fen (the reference path's part).
money = st.one_of(
    st.decimals(min_value=Decimal("0"), max_value=Decimal("250000000"), places=2, allow_nan=False),
    st.sampled_from(
        [
            Decimal("0"),
            Decimal("5000000"),
            Decimal("4999999.99"),
            Decimal("20000000"),
            Decimal("50000000"),
            Decimal("100000000"),
            Decimal("200000000"),
            Decimal("500000"),
            Decimal("500000.01"),
            Decimal("1000000"),
            Decimal("1500000"),
            Decimal("3000000"),
            Decimal("10000005"),
            Decimal("0.05"),
        ]
    ),
)
finer = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=3, allow_nan=False)
amount = st.one_of(*([money] * 12), finer)  # now and then finer than a fen
maybe_amount = st.one_of(st.none(), amount, amount, amount, amount)


@st.composite
def application(draw: st.DrawFn, i: int) -> Application:
    clause = draw(st.sampled_from(CLAUSES))
    given: dict[str, object] = {}
    if clause == "A1":
        given = {n: draw(maybe_amount) for n in ("fixed_asset_investment", "rd_expense", "equipment_investment")}
    elif clause in ("A2", "A7-SITE"):
        given = {
            "annual_rent": draw(amount),
            "lease_start": date(draw(st.integers(2020, 2026)), draw(st.integers(1, 12)), 1),
        }
        if clause == "A2":
            given |= {
                "paid_in_capital": draw(maybe_amount),
                "headcount": draw(st.none() | st.integers(25, 35)),
                "financing": draw(maybe_amount),
            }
    elif clause in ("A3-INV", "A6-INV"):
        given = {"investment": draw(maybe_amount)}
    elif clause in ("A3-TITLE", "A6-TITLE"):
        given = {"title_level": draw(st.sampled_from(["municipal", "national"]))}
    elif clause == "A4-CERT":
        given = {"cert_level": draw(st.sampled_from(["completed", "process", "network", "ecosystem"]))}
    elif clause == "A5":
        given = {"onboarded_count": draw(st.none() | st.integers(0, 3000)), "claim_year": draw(st.integers(2022, 2024))}
    elif clause == "A7-ALLIANCE":
        given = {"activity_cost": draw(maybe_amount), "claim_year": draw(st.integers(2022, 2024))}
    elif clause == "A8":
        given = {
            "provider_uscc": draw(st.none() | st.sampled_from(PROVIDERS + USCCS[:1])),
            "provider_in_minhang": draw(st.none() | st.booleans()),
            "adopted": draw(st.none() | st.booleans()),
            "claim_year": draw(st.integers(2022, 2024)),
        }
    return Application(
        application_id=f"C{draw(st.integers(0, 99999)):05d}-{i}",
        clause=clause,
        uscc=draw(st.sampled_from(USCCS)),
        name="x",
        submitted_on=draw(
            st.sampled_from([date(2021, 8, 17), date(2021, 8, 18), date(2024, 3, 1), date(2026, 8, 17)])
            | st.dates(date(2024, 1, 1), date(2024, 12, 31))
        ),
        business_in_minhang=draw(st.booleans() | st.just(True)),
        tax_in_minhang=draw(st.just(True) | st.booleans()),
        field=draw(st.sampled_from(["ai", "intelligent_manufacturing", "industrial_internet", "other", "ai"])),
        certified=draw(st.sampled_from([True, True, True, False, None])),
        project_id=draw(st.sampled_from([None, None, "P1", "P2"])),
        entity_type=draw(
            st.sampled_from(["enterprise", "enterprise", "cloud_provider", "public_institution"])
            if clause != "A5"
            else st.sampled_from(["cloud_provider", "cloud_provider", "enterprise"])
        ),
        major_project=draw(st.sampled_from([False] * 30 + [True])),
        **given,  # type: ignore[arg-type]
    )


batches = st.integers(1, 40).flatmap(lambda n: st.tuples(*(application(i) for i in range(n))).map(list))


@st.composite
def reference_data(draw: st.DrawFn) -> ReferenceData:
    ref = ReferenceData(blacklist_load_id=1)
    for uscc in draw(st.lists(st.sampled_from(USCCS + PROVIDERS), max_size=3, unique=True)):
        removed = draw(st.sampled_from([None, date(2024, 3, 1), date(2025, 1, 1)]))
        ref.blacklist[uscc].append(ListingPeriod(date(2023, 1, 1), removed))
    if draw(st.booleans()):
        ref.registry[draw(st.sampled_from(USCCS))] = []
    if draw(st.integers(0, 4)) == 0:
        ref.external_awards[(draw(st.sampled_from(USCCS)), "P1", "title")] = Decimal("300000")
    return ref


@st.composite
def earlier_grants(draw: st.DrawFn) -> History:
    history = History()
    for uscc in draw(st.lists(st.sampled_from(USCCS), max_size=3, unique=True)):
        kind = draw(st.sampled_from(["investment", "rent", "title", "certification", "pilot", "platform_site"]))
        history.granted[(uscc, draw(st.sampled_from([uscc, "P1"])), kind)] = draw(money).quantize(Decimal("0.01"))
        if kind == "investment" and draw(st.booleans()):
            history.investment_awards[uscc] = ("OLD-1", "A1", Decimal("100000.00"))
        if draw(st.booleans()):
            clause = draw(st.sampled_from(["A5", "A7-ALLIANCE"]))
            history.yearly_used[(uscc, clause, draw(st.integers(2022, 2024)))] = draw(
                st.sampled_from([Decimal("100000.00"), Decimal("499999.99"), Decimal("1000000.00")])
            )
    return history


READINGS = st.sampled_from(
    [
        {},
        {"I-4": "first_come"},
        {"I-5": "add"},
        {"I-7": "stop_at_expiry"},
        {"I-9": "half_up_to_yuan_per_installment"},
        {"I-2": "upgrade_pays_nothing"},
        {"I-1": "exclude_providers"},
    ]
)


def frame_of(apps: list[Application]) -> pd.DataFrame:
    return pd.DataFrame({name: [getattr(a, name) for a in apps] for name in APPLICATION_FIELDS}, dtype=object).astype(
        object
    )


def outcome_of_reference(d) -> tuple:  # type: ignore[no-untyped-def]
    return (
        d.status.value,
        ";".join(d.reasons),
        int(d.award_total * 100),
        d.recipient_uscc,
        d.kind,
        d.project_key,
        d.decided_on,
        [(i.number, i.due_year, int(i.amount * 100)) for i in d.installments],
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches, reference_data(), earlier_grants(), READINGS, st.sampled_from([date(2024, 6, 28), date(2026, 9, 1)]))
def test_the_batch_path_decides_as_the_reference_path(apps, reference, history, readings, decided_on) -> None:  # type: ignore[no-untyped-def]
    apps = list({a.application_id: a for a in apps}.values())
    params = default_parameters()
    for iid, reading in readings.items():
        params = params.with_reading(iid, reading)
    expected = {
        d.application_id: outcome_of_reference(d)
        for d in decide_batch(apps, reference, copy.deepcopy(history), params, decided_on)
    }
    got = decide_frame(frame_of(apps), [], reference, copy.deepcopy(history), params, decided_on)
    installments: dict[str, list[tuple[int, int, int]]] = {}
    for row in got.installments.itertuples(index=False):
        installments.setdefault(row.application_id, []).append(
            (int(row.number), int(row.due_year), int(row.amount_fen))
        )
    by_id = {a.application_id: a for a in apps}
    assert sorted(got.frame["application_id"]) == sorted(expected)
    fast = 0
    for row in got.frame.itertuples(index=False):
        outcome = (
            row.status,
            row.reasons,
            int(row.award_fen),
            row.recipient_uscc,
            row.kind,
            row.project_key,
            row.decided_on,
            sorted(installments.get(row.application_id, [])),
        )
        assert outcome == expected[row.application_id], (row.application_id, by_id[row.application_id])
        trace = json.loads(row.trace)
        if "replay" in trace:
            fast += 1
            again = replay(by_id[row.application_id], trace["replay"], params, decided_on, 1)
            assert outcome_of_reference(again) == expected[row.application_id]
            assert again.status != Status.MANUAL
    event(f"batch path decided {'none' if not fast else 'some' if fast < len(apps) else 'all'}")


def _plain(application_id: str, clause: str, uscc: str, **given: object) -> Application:
    values: dict[str, object] = {
        "name": "x",
        "submitted_on": date(2024, 3, 1),
        "business_in_minhang": True,
        "tax_in_minhang": True,
        "field": "ai",
        "certified": True,
    }
    return Application(application_id=application_id, clause=clause, uscc=uscc, **(values | given))  # type: ignore[arg-type]


def test_an_ordinary_batch_goes_the_batch_path_and_unusual_enterprises_the_reference_path() -> None:
    plain = _plain("P-1", "A4-PILOT", USCCS[0])
    major = _plain("P-3", "A4-PILOT", USCCS[2], major_project=True)
    same_enterprise = _plain(
        "P-4",
        "A2",
        USCCS[2],
        submitted_on=date(2024, 3, 2),
        paid_in_capital=Decimal("5000000"),
        headcount=30,
        financing=Decimal("20000000"),
        annual_rent=Decimal("100000"),
        lease_start=date(2024, 1, 1),
    )
    apps = [plain, major, same_enterprise]
    split = split_batch(frame_of(apps), ReferenceData(), default_parameters(), set())
    assert split.fast.tolist() == [True, False, False]
    decided = decide_frame(frame_of(apps), [], ReferenceData(), History(), default_parameters(), date(2024, 6, 28))
    traces = dict(zip(decided.frame["application_id"], decided.frame["trace"], strict=True))
    assert json.loads(traces["P-1"]) == {"parameters_on": "2024-03-01", "replay": {}}
    assert "steps" in json.loads(traces["P-4"])  # decided by the reference path: full trace
    statuses = dict(zip(decided.frame["application_id"], decided.frame["status"], strict=True))
    assert statuses == {"P-1": "approved", "P-3": "manual", "P-4": "approved"}
    award = dict(zip(decided.frame["application_id"], decided.frame["award_fen"], strict=True))
    assert award["P-1"] == 50_000_000 and award["P-4"] == 25_000_000  # 500,000; 100,000 + 100,000 + 50,000


def test_the_batch_path_takes_the_yearly_cap_used_in_earlier_runs() -> None:
    """A7-ALLIANCE: the actual activity cost, at most 500,000 a year. 150,000 of 2024's cap was used by an earlier
    run: the first claim of 2024 gets its 300,000, the second the 50,000 left; a 2023 claim is not affected."""
    uscc = USCCS[0]

    def claim(n: int, year: int, submitted: date) -> Application:
        return Application(
            application_id=f"ALL-{n}",
            clause="A7-ALLIANCE",
            uscc=uscc,
            name="x",
            submitted_on=submitted,
            business_in_minhang=True,
            tax_in_minhang=True,
            field="ai",
            certified=True,
            activity_cost=Decimal("300000"),
            claim_year=year,
        )

    apps = [claim(1, 2024, date(2024, 3, 1)), claim(2, 2024, date(2024, 3, 2)), claim(3, 2023, date(2024, 3, 3))]
    history = History()
    history.yearly_used[(uscc, "A7-ALLIANCE", 2024)] = Decimal("150000.00")
    params = default_parameters()
    frame = frame_of(apps)
    assert split_batch(frame, ReferenceData(blacklist_load_id=1), params, set()).fast.all()  # the batch path
    got = decide_frame(frame, [], ReferenceData(blacklist_load_id=1), copy.deepcopy(history), params, date(2024, 6, 28))
    awards = dict(zip(got.frame["application_id"], got.frame["award_fen"], strict=True))
    assert awards == {"ALL-1": 30_000_000, "ALL-2": 5_000_000, "ALL-3": 30_000_000}
    expected = decide_batch(apps, ReferenceData(blacklist_load_id=1), copy.deepcopy(history), params, date(2024, 6, 28))
    assert {d.application_id: int(d.award_total * 100) for d in expected} == awards
