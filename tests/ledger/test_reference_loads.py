"""Reference loads on SQLite and PostgreSQL: each load of a kind is kept, the latest is in force and is read back
exactly (``references.reference_in_force``); amounts given outside the rules enter half-up to the fen (I-15)."""

from __future__ import annotations

import csv
import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.errors import ParameterError
from ledger import inbox_files, references
from ledger.models import CaseDecisionRecord, ExternalAward, OnboardingEntry, ReferenceLoad
from ledger.runs import refresh_reference_data
from rules.model import Onboarding
from rules.money import round_given_amount
from rules.params import default_parameters
from subsidy.sample import make_uscc
from tasks.intake import read_reference_table

P1, P2, E1, E2, E3 = (make_uscc(random.Random(seed)) for seed in range(51, 56))


def _load(engine: Engine, path: Path, kind: str, header: list[str], rows: list[list[str]]) -> dict[str, str]:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    table = read_reference_table(str(path), kind)
    return refresh_reference_data(engine, {kind: (table, inbox_files.file_checksum(path))})


def test_the_latest_onboardings_load_is_read_back_exactly(engine: Engine, tmp_path: Path) -> None:
    header = ["服务商统一社会信用代码", "上云企业统一社会信用代码", "申报年度", "上云日期"]
    with Session(engine) as s:
        assert references.reference_in_force(s).onboardings == []
    first = _load(engine, tmp_path / "上云企业清单.csv", "onboardings", header, [[P1, E1, "2024", "2024/3/1"]])
    assert first == {"onboardings": "loaded 1 row(s) as load 1"}
    rows = [
        [P1, E1, "2024", "2024-03-01"],
        [P2, E1, "2024", "2024年2月29日"],
        [P1, E2, "2025", "2025-01-02"],
        [P2, E3, "2100", "2100-12-31"],
    ]
    assert _load(engine, tmp_path / "onboardings-2025.csv", "onboardings", header, rows) == {
        "onboardings": "loaded 4 row(s) as load 2"
    }
    assert _load(engine, tmp_path / "again.csv", "onboardings", header, rows) == {"onboardings": "unchanged"}
    with Session(engine) as s:
        assert references.reference_in_force(s).onboardings == [
            Onboarding(P1, E1, 2024, date(2024, 3, 1)),
            Onboarding(P2, E1, 2024, date(2024, 2, 29)),
            Onboarding(P1, E2, 2025, date(2025, 1, 2)),
            Onboarding(P2, E3, 2100, date(2100, 12, 31)),
        ]
        loads = s.execute(select(ReferenceLoad.kind, ReferenceLoad.row_count).order_by(ReferenceLoad.id)).all()
        assert [tuple(load) for load in loads] == [("onboardings", 1), ("onboardings", 4)]
        kept = s.execute(select(OnboardingEntry.load_id, OnboardingEntry.claim_year).order_by(OnboardingEntry.id))
        assert [tuple(row) for row in kept] == [(1, 2024), (2, 2024), (2, 2024), (2, 2025), (2, 2100)]
        assert all(
            type(o.claim_year) is int and type(o.onboarded_on) is date for o in s.scalars(select(OnboardingEntry))
        )


def test_an_empty_onboardings_snapshot_replaces_the_one_before(engine: Engine, tmp_path: Path) -> None:
    header = ["provider_uscc", "enterprise_uscc", "claim_year", "onboarded_on"]
    _load(engine, tmp_path / "onboardings-1.csv", "onboardings", header, [[P1, E1, "2024", "2024-03-01"]])
    assert _load(engine, tmp_path / "onboardings-2.csv", "onboardings", header, []) == {
        "onboardings": "loaded 0 row(s) as load 2"
    }
    with Session(engine) as s:
        assert references.reference_in_force(s).onboardings == []


def test_given_amounts_are_stored_half_up_to_the_fen(engine: Engine, tmp_path: Path) -> None:
    """I-15: a case decision or another policy's award of 100000.005 enters as 100000.01 (10000001 fen), not
    banker's 100000.00; 0.125 as 0.13."""
    _load(
        engine,
        tmp_path / "cases.csv",
        "case_decisions",
        ["application_id", "amount", "approved_by", "document_ref", "decided_on"],
        [
            ["M-1", "100000.005", "区政府常务会议", "闵府〔2024〕12号", "2024-05-01"],
            ["M-2", "0.125", "区政府常务会议", "闵府〔2024〕13号", "2024-05-01"],
            ["M-3", "100000.004", "区政府常务会议", "闵府〔2024〕14号", "2024-05-01"],
        ],
    )
    _load(
        engine,
        tmp_path / "awards.csv",
        "external_awards",
        ["uscc", "project_id", "kind", "amount", "policy"],
        [[E1, "P-1", "investment", "100000.005", "市级专项"], [E2, "", "rent", "10.0050万", "市级专项"]],
    )
    with Session(engine) as s:
        stored = s.execute(select(CaseDecisionRecord.application_id, CaseDecisionRecord.amount_fen)).all()
        assert sorted(tuple(row) for row in stored) == [("M-1", 10000001), ("M-2", 13), ("M-3", 10000000)]
        awards = s.execute(select(ExternalAward.uscc, ExternalAward.amount_fen)).all()
        assert sorted(tuple(row) for row in awards) == sorted([(E1, 10000001), (E2, 10005000)])
        ref = references.reference_in_force(s)
        assert ref.case_decisions["M-1"].amount == Decimal("100000.01")
        assert ref.external_awards[(E1, "P-1", "investment")] == Decimal("100000.01")


def test_the_i15_reading_decides_how_a_given_amount_is_rounded() -> None:
    half_up = default_parameters()
    half_even = half_up.with_reading("I-15", "half_even")
    assert half_up.reading("I-15") == "half_up"
    assert round_given_amount(Decimal("100000.005"), half_up.reading("I-15")) == Decimal("100000.01")
    assert round_given_amount(Decimal("100000.005"), half_even.reading("I-15")) == Decimal("100000.00")
    assert round_given_amount(Decimal("100000.015"), half_even.reading("I-15")) == Decimal("100000.02")
    assert references.given_amount_fen(Decimal("100000.005")) == 10000001
    assert references.given_amount_fen(Decimal("100000.005"), half_up) == 10000001
    assert references.given_amount_fen(Decimal("100000.005"), half_even) == 10000000
    assert references.given_amount_fen(Decimal("0.125"), half_even) == 12
    with pytest.raises(ParameterError, match="I-15 has no reading 'bankers'"):
        half_up.with_reading("I-15", "bankers")
