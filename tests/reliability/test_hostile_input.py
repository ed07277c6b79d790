"""Hostile input through the whole intake on SQLite and PostgreSQL: SQL-, formula- and markup-looking text and
control characters in a name are stored verbatim and never executed; exports neutralise formulas; what CONTRACT.md
calls bad data (a text over its bound, a control character in an id, a NUL in any cell) is quarantined with its
file, row and column on every database alike, never a database error; a file in a wrong encoding is refused or
its rows quarantined, never lost."""

from __future__ import annotations

import csv
import json
import random
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InputFileError, ReferenceDataError
from ledger.db import get_engine
from ledger.exports import EXPORTS, write_csv
from ledger.models import ApplicationRecord, DecisionRecord, QuarantineRecord
from rules.params import default_parameters
from subsidy.sample import make_uscc
from tasks.intake_run import record_intake
from validations.batch import validate_table
from validations.readers import read_table

HOSTILE = [  # within CONTRACT.md's bounds: stored verbatim
    "Robert'); DROP TABLE ledger_transactions;--",
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    '@HYPERLINK("http://x")',
    "<script>alert(1)</script>",
    "tab\tand\nnewline\rand\x01\x1b[31mcontrol",  # control characters are bad data in ids only
    "名" * 200,  # the longest name
]
# Bad data by CONTRACT.md ('texts'): (application_id, name, project_id) → the column and a phrase of the message.
OUT_OF_BOUNDS = [
    (("B-0", "名" * 300_000, ""), ("name", "(300,000 characters)) is longer than 200 characters")),
    (("B-1" + "x" * 250, "甲", ""), ("application_id", "is longer than 64 characters")),
    (("B-2", "甲", "P-\x1b[31m"), ("project_id", "holds a control character")),
    (("B-3", "甲", "P-\u202e1"), ("project_id", "holds a control character")),
    (("B-4", "甲\x00乙", ""), ("name", "holds a NUL character")),  # past the first 4 KiB of the file
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
            writer.writerow([f"H-{n}", "A4-PILOT", make_uscc(rng), text, "2024-03-01", "1", "1", "ai", "1", f"P-{n}"])
        writer.writerow(["=1+1", "=1+1", "=1+1", "=1+1", "=1+1", "=1+1", "=1+1", "=1+1", "=1+1", "=1+1"])
    engine = get_engine(db_url)
    _intake(engine, path)
    with Session(engine) as s:
        stored = {a.application_id: a.name for a in s.execute(select(ApplicationRecord)).scalars()}
        assert stored == {f"H-{n}": t.strip() for n, t in enumerate(HOSTILE)}
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


def test_text_over_its_bound_or_with_a_nul_is_a_bad_row_on_every_database(db_url: str, tmp_path: Path) -> None:
    """M4 / L4: before, PostgreSQL failed the whole run with DataError (an application_id over 200 characters, a
    NUL past the first 4 KiB) naming neither file nor row, and SQLite stored both and a million-character name."""
    rng = random.Random(23)
    path = tmp_path / "bounds.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerow(["G-1", "A4-PILOT", make_uscc(rng), "甲", "2024-03-01", "1", "1", "ai", "1", ""])
        for (app_id, name, project), _ in OUT_OF_BOUNDS:
            writer.writerow([app_id, "A4-PILOT", make_uscc(rng), name, "2024-03-01", "1", "1", "ai", "1", project])
        writer.writerow(["G-2", "A4-PILOT", make_uscc(rng), "乙", "2024-03-01", "1", "1", "ai", "1", "P-2"])
    assert path.read_bytes().index(b"\x00") > 4096
    engine = get_engine(db_url)
    _intake(engine, path)
    _intake(engine, path)  # the same file again: nothing new, no error
    with Session(engine) as s:
        assert sorted(s.execute(select(ApplicationRecord.application_id)).scalars()) == ["G-1", "G-2"]
        quarantined = s.execute(select(QuarantineRecord).order_by(QuarantineRecord.row)).scalars().all()
        assert [(q.file, q.row) for q in quarantined] == [(str(path), n) for n in range(3, 3 + len(OUT_OF_BOUNDS))]
        for q, (cells, (column, phrase)) in zip(quarantined, OUT_OF_BOUNDS, strict=True):
            assert q.columns == column and phrase in q.message and q.message.startswith(f"{column}: ")
            assert len(q.message) < 400
            assert q.raw["application_id"] == cells[0]
        assert quarantined[-1].raw["name"] == "甲\u2400乙"  # the NUL shown as ␀: no database stores a NUL


def test_half_a_surrogate_pair_from_json_lines_is_a_bad_row_on_every_database(db_url: str, tmp_path: Path) -> None:
    """JSON's "\\ud800" decodes to half a surrogate pair, which no database stores (before: UnicodeEncodeError for
    the whole run on both); the row is quarantined and kept with U+FFFD in its place."""
    rng = random.Random(37)
    base = dict(zip(HEADER, ["", "A4-PILOT", "", "甲", "2024-03-01", "1", "1", "ai", "1", ""], strict=True))
    records = [
        {**base, "application_id": "S-1", "uscc": make_uscc(rng)},
        {**base, "application_id": "S-2", "uscc": make_uscc(rng), "name": "半\ud800个"},
        {**base, "application_id": "S-3\udfff", "uscc": make_uscc(rng)},
    ]
    path = tmp_path / "surrogates.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="ascii")
    engine = get_engine(db_url)
    _intake(engine, path)
    with Session(engine) as s:
        assert list(s.execute(select(ApplicationRecord.application_id)).scalars()) == ["S-1"]
        rows = s.execute(select(QuarantineRecord).order_by(QuarantineRecord.row)).scalars().all()
        assert [(q.row, q.columns) for q in rows] == [(3, "name"), (4, "application_id")]
        assert rows[0].message == "name: '半\\ud800个' holds '\\ud800', half of a surrogate pair, which is not text"
        assert (rows[0].raw["name"], rows[1].application_id) == ("半\ufffd个", "S-3\ufffd")


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
            [[c, f"P-{n}", "rent", "1", t] for n, (c, t) in enumerate(zip(codes, HOSTILE, strict=True))],
        ),
        "case_decisions": (
            ["application_id", "amount", "approved_by", "document_ref", "decided_on"],
            [[f"C-{n}", "1", t, t, "2024-01-01"] for n, t in enumerate(HOSTILE)],
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
    expected = sorted(t.strip() for t in HOSTILE)
    with Session(engine) as s:
        assert sorted(map(str, s.execute(select(BlacklistEntry.source)).scalars())) == expected
        assert sorted(map(str, s.execute(select(ExternalAward.policy)).scalars())) == expected
        assert sorted(s.execute(select(CaseDecisionRecord.approved_by)).scalars()) == expected


@pytest.mark.parametrize(
    ("kind", "header", "cells", "phrase"),
    [
        ("blacklist", ["uscc", "listed_on", "source"], ["2024-01-01", "源" * 1001], "source: value"),
        ("external_awards", ["uscc", "kind", "amount", "project_id"], ["rent", "1", "P" * 65], "project_id: value"),
        ("blacklist", ["uscc", "listed_on", "source"], ["2024-01-01", "信用\x00中国"], "source: '信用\\x00中国' holds"),
    ],
)
def test_a_reference_file_with_text_out_of_bounds_is_refused_whole_naming_the_row(
    tmp_path: Path, kind: str, header: list[str], cells: list[str], phrase: str
) -> None:
    from tasks.intake import read_reference_table

    rng = random.Random(29)
    path = tmp_path / f"{kind}.jsonl"
    path.write_text(json.dumps(dict(zip(header, [make_uscc(rng), *cells], strict=True))) + "\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError) as info:
        read_reference_table(str(path), kind)
    assert str(info.value).startswith(f"{path}: 1 bad row(s), file refused: row 2: {phrase}")
