"""A stored decision keeps only the facts it read from outside its application; explain decides it again with
the same rules into the full trace and says whether the replay matches what was stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.models import DecisionRecord
from ledger.queries import load_decision
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file


@pytest.fixture
def decided(engine, db_url, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", db_url)
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 6))
    return engine


def test_a_decision_is_stored_with_its_facts_and_explained_in_full(decided) -> None:  # type: ignore[no-untyped-def]
    with Session(decided) as s:
        record = s.get(DecisionRecord, "R-00000")
        assert record is not None and record.trace == {"parameters_on": "2024-03-01", "facts": {}}
        assert record.status == "approved" and record.recipient_business_in_minhang is True
    shown = load_decision(decided, "R-00000")
    assert shown is not None
    steps = shown["trace"]["steps"]
    assert "A2: paid-in capital, headcount and financing meet their thresholds" in steps
    assert steps[-1] == "replayed by the rules from the stored facts: the same outcome"
    assert shown["trace"]["parameters"]["A2.cumulative_cap"]["value"] == "3000000"
    assert [i["number"] for i in shown["installments"]] == [1, 2, 3]


def test_explain_says_so_when_a_replay_differs_from_what_was_stored(decided) -> None:  # type: ignore[no-untyped-def]
    with decided.begin() as conn:  # a stored fact changed behind the system's back
        conn.execute(
            text("UPDATE decisions SET trace = :t WHERE application_id = 'P-00001'"),
            {"t": json.dumps({"parameters_on": "2024-03-01", "facts": {"listed": True}})},
        )
    shown = load_decision(decided, "P-00001")
    assert shown is not None
    assert shown["trace"]["steps"][-1].startswith("replayed by the rules from the stored facts: DIFFERENT")
