"""Hostile input through the whole intake on SQLite and PostgreSQL: SQL- and formula-looking text, control
characters and an enormous cell are stored verbatim and never executed; exports neutralise formulas; a file in a
wrong encoding is refused or its rows quarantined, never lost."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InputFileError
from ledger.db import get_engine
from ledger.exports import EXPORTS, write_csv
from ledger.models import ApplicationRecord, DecisionRecord, QuarantineRecord
from ledger.runs import record_intake
from rules.params import default_parameters
from subsidy.sample import make_uscc
from validations.batch import validate_table
from validations.readers import read_table

HOSTILE = [
    "Robert'); DROP TABLE ledger_transactions;--",
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    '@HYPERLINK("http://x")',
    "<script>alert(1)</script>",
    "tab\tand\nnewline\rand\x01\x1b[31mcontrol",
    "名" * 300_000,  # an enormous cell (900 KB in UTF-8)
]
HEADER = [
    "application_id",
    "clause",
    "uscc",
    "name",
    "submitted_on",
    "business_in_minhang",
    "tax_in_minhang",
    "field",
    "certified",
    "project_id",
]


def _intake(engine, path: Path) -> None:  # type: ignore[no-untyped-def]
    record_intake(
        engine, [validate_table(read_table(path, "applications"))], {}, date(2024, 6, 28), default_parameters(), [], {}
    )


def test_hostile_text_is_stored_verbatim_and_exports_are_neutralised(db_url: str, tmp_path: Path) -> None:
    rng = random.Random(13)
    path = tmp_path / "hostile.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for n, text in enumerate(HOSTILE):
            writer.writerow([f"H-{n}", "A4-PILOT", make_uscc(rng), text, "2024-03-01", "1", "1", "ai", "1", text[:200]])
        writer.writerow(["=1+1", "=1+1", "=1+1", "=1+1", "=1+1", "=1+1", "=1+1", "=1+1", "=1+1", "=1+1"])
    engine = get_engine(db_url)
    _intake(engine, path)
    with Session(engine) as s:
        stored = {a.application_id: a.data for a in s.execute(select(ApplicationRecord)).scalars()}
        assert {k: v["name"] for k, v in stored.items()} == {f"H-{n}": t for n, t in enumerate(HOSTILE)}
        assert s.execute(select(func.count()).select_from(DecisionRecord)).scalar_one() == len(HOSTILE)
        [bad] = s.execute(select(QuarantineRecord)).scalars()
        assert bad.raw["clause"] == "=1+1"  # kept verbatim for the operator
        for what in ("decisions", "quarantine"):
            columns, rows = EXPORTS[what]
            write_csv(tmp_path / f"{what}.csv", columns, rows(s))
    with open(tmp_path / "quarantine.csv", encoding="utf-8") as f:
        [row] = list(csv.DictReader(f))
    assert row["application_id"] == "'=1+1" and row["clause"] == "'=1+1"
    with open(tmp_path / "decisions.csv", encoding="utf-8") as f:
        cells = [c for r in csv.reader(f) for c in r]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


@pytest.mark.parametrize("damage", ["gbk-field-in-utf8", "utf16", "latin1-header"])
def test_a_wrongly_encoded_file_is_refused_or_quarantined_never_lost(db_url: str, tmp_path: Path, damage: str) -> None:
    rng = random.Random(17)
    good = f"G-1,A4-PILOT,{make_uscc(rng)},甲企业,2024-03-01,1,1,ai,1,"
    header = ",".join(HEADER)
    if damage == "gbk-field-in-utf8":
        data = (header + "\n" + good + "\n").encode("utf-8") + "G-2,A4-PILOT,X,乙企业,2024-03-01,1,1,ai,1,\n".encode(
            "gbk"
        )
    elif damage == "utf16":
        data = (header + "\n" + good + "\n").encode("utf-16")
    else:
        data = (
            ("申请编号," + header.split(",", 1)[1] + "\n" + good + "\n")
            .encode("utf-8")
            .replace("申请编号".encode(), "申请编号".encode().decode("latin1").encode("utf-8"))
        )
    path = tmp_path / "damaged.csv"
    path.write_bytes(data)
    engine = get_engine(db_url)
    try:
        table = validate_table(read_table(path, "applications"))
    except InputFileError as e:
        assert str(path) in str(e)
        with Session(engine) as s:
            assert s.execute(select(func.count()).select_from(ApplicationRecord)).scalar_one() == 0
        return
    record_intake(engine, [table], {}, date(2024, 6, 28), default_parameters(), [], {})
    with Session(engine) as s:
        decided = s.execute(select(func.count()).select_from(DecisionRecord)).scalar_one()
        quarantined = s.execute(select(func.count()).select_from(QuarantineRecord)).scalar_one()
    assert decided + quarantined == len(table.frame) + len(table.quarantined) > 0


def test_hostile_text_in_reference_files_is_stored_verbatim(db_url: str, tmp_path: Path) -> None:
    from ledger.models import BlacklistEntry, CaseDecisionRecord, ExternalAward
    from ledger.runs import refresh_reference_data
    from tasks.intake import read_reference_table

    rng = random.Random(19)
    codes = [make_uscc(rng) for _ in HOSTILE]
    files = {
        "blacklist": (
            ["uscc", "listed_on", "source"],
            [[c, "2024-01-01", t] for c, t in zip(codes, HOSTILE, strict=True)],
        ),
        "external_awards": (
            ["uscc", "project_id", "kind", "amount", "policy"],
            [[c, t[:100], "rent", "1", t] for c, t in zip(codes, HOSTILE, strict=True)],
        ),
        "case_decisions": (
            ["application_id", "amount", "approved_by", "document_ref", "decided_on"],
            [[t[:150], "1", t, t, "2024-01-01"] for t in HOSTILE],
        ),
    }
    references = {}
    for kind, (header, rows) in files.items():
        path = tmp_path / f"{kind}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header, *rows])
        references[kind] = (read_reference_table(str(path), kind), kind)
    engine = get_engine(db_url)
    refresh_reference_data(engine, {k: v for k, v in references.items() if k != "case_decisions"})
    record_intake(
        engine, [], {"case_decisions": references["case_decisions"]}, date(2024, 6, 28), default_parameters(), [], {}
    )
    with Session(engine) as s:
        assert sorted(s.execute(select(BlacklistEntry.source)).scalars()) == sorted(HOSTILE)
        assert sorted(s.execute(select(ExternalAward.policy)).scalars()) == sorted(HOSTILE)
        assert sorted(s.execute(select(CaseDecisionRecord.approved_by)).scalars()) == sorted(HOSTILE)
