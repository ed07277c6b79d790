"""Policy cases written as YAML (files under cases/), fed to the rules engine that decides every batch.

Each case: a full-sentence ``name``; ``decided_on``; ``applications`` (fields of CONTRACT.md; omitted ones take
the defaults below); optional ``reference`` (blacklist, registry, external_awards, case_decisions, onboardings),
``history`` (earlier grants) and ``readings`` (interpretations other than the defaults); ``expect`` per
application.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.engine import decide
from rules.facts import facts_of_run, highest_key
from rules.model import (
    APPLICATION_FIELDS,
    CaseDecision,
    History,
    InvestmentAward,
    ListingPeriod,
    Onboarding,
    ReferenceData,
    RegistrationChange,
    application_from_row,
)
from rules.money import from_fen
from rules.outcomes import reasons_of
from rules.params import default_parameters
from rules.table import Applications
from validations.values import PARSERS

CASES_DIR = Path(__file__).parent / "cases"
DEFAULTS: dict[str, Any] = {
    "uscc": "91310112MA1GB0000A",
    "name": "测试企业",
    "submitted_on": "2024-03-01",
    "business_in_minhang": True,
    "tax_in_minhang": True,
    "field": "ai",
    "certified": True,
}


def _load_cases() -> list[Any]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _application(spec: dict[str, Any]):  # type: ignore[no-untyped-def]
    row: dict[str, Any] = {}
    for name, value in {**DEFAULTS, **spec}.items():
        kind = APPLICATION_FIELDS[name]
        row[name] = PARSERS[kind](str(value)) if not isinstance(value, bool) else value
    return application_from_row(row)


def _reference(spec: dict[str, Any]) -> ReferenceData:
    ref = ReferenceData()
    for item in spec.get("blacklist", []):
        ref.blacklist[item["uscc"]].append(
            ListingPeriod(_day(item["listed_on"]), _day(item["removed_on"]) if item.get("removed_on") else None)
        )
    for item in spec.get("registry", []):
        ref.registry[item["uscc"]].append(
            RegistrationChange(_day(item["effective_on"]), item["business_in_minhang"], item["tax_in_minhang"])
        )
    for item in spec.get("external_awards", []):
        key = (item["uscc"], item.get("project_id") or item["uscc"], item["kind"])
        ref.external_awards[key] = Decimal(str(item["amount"]))
    for item in spec.get("case_decisions", []):
        ref.case_decisions[item["application_id"]] = CaseDecision(
            item["application_id"],
            Decimal(str(item["amount"])),
            item["approved_by"],
            item["document_ref"],
            _day(item["decided_on"]),
        )
    for item in spec.get("onboardings", []):
        ref.onboardings.append(
            Onboarding(
                item["provider_uscc"], item["enterprise_uscc"], int(item["claim_year"]), _day(item["onboarded_on"])
            )
        )
    return ref


def _history(spec: dict[str, Any]) -> History:
    history = History()
    for item in spec.get("granted", []):
        if "report_id" in item:
            key = highest_key("", f"report:{item['report_id']}", item["kind"])
        else:
            key = highest_key(item["uscc"], item.get("project_id") or item["uscc"], item["kind"])
        history.granted[key] = Decimal(str(item["amount"]))
    for item in spec.get("yearly_used", []):
        history.yearly_used[(item["uscc"], item["clause"], item["claim_year"])] = Decimal(str(item["amount"]))
    for item in spec.get("investment_awards", []):
        history.investment_awards[item["uscc"]] = InvestmentAward(
            item["application_id"], item["clause"], Decimal(str(item["amount"])), bool(item.get("case_by_case"))
        )
    return history


def decide_case(case: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Decide a case's applications as one run; per application what the case may expect."""
    params = default_parameters()
    for interpretation, reading in (case.get("readings") or {}).items():
        params = params.with_reading(interpretation, reading)
    table = Applications.from_applications([_application(a) for a in case["applications"]])
    day = _day(case["decided_on"])
    facts = facts_of_run(
        table, _reference(case.get("reference") or {}), _history(case.get("history") or {}), day, params
    )
    decided = decide(table, facts, params, day)
    out = {}
    for i, app_id in enumerate(table.values("application_id").tolist()):
        installments = [
            [k + 1, int(decided.due_years[i, k]), str(from_fen(int(fen)))]
            for k, fen in enumerate(decided.installments[i].tolist())
            if fen > 0
        ]
        out[app_id] = {
            "status": decided.status[i],
            "reasons": reasons_of(decided, i),
            "award_total": from_fen(int(decided.award[i])),
            "installments": installments,
            "recipient_uscc": decided.recipient[i],
            "decided_on": decided.decided_on[i],
        }
    return out


@pytest.mark.parametrize("case", _load_cases())
def test_policy_case(case: dict[str, Any]) -> None:
    got = decide_case(case)
    for expected in case["expect"]:
        d = got[expected["application_id"]]
        assert d["status"] == expected["status"], d
        assert d["reasons"] == expected.get("reasons", []), d
        assert d["award_total"] == Decimal(str(expected["award_total"])), d
        if "installments" in expected:
            assert d["installments"] == [[n, y, str(Decimal(str(a)))] for n, y, a in expected["installments"]], d
        if "recipient_uscc" in expected:
            assert d["recipient_uscc"] == expected["recipient_uscc"]
        if "decided_on" in expected:
            assert d["decided_on"] == _day(expected["decided_on"])
