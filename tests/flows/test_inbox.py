"""The inbox flow: new files in, each file processed once, bad files rejected alone, everything archived, links
and paths outside the inbox refused."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import pytest

from flows.inbox import inbox_intake_flow
from flows.records import export_flow
from subsidy.sample import make_uscc

pytestmark = pytest.mark.prefect
rng = random.Random(5)
A, B, C = (make_uscc(rng) for _ in range(3))
HEADER = "application_id,clause,uscc,name,submitted_on,business_in_minhang,tax_in_minhang,field,certified"


def _drop(folder: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_the_inbox_processes_each_file_once_and_archives_it(database: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    outside = _drop(tmp_path, "outside.csv", [HEADER, f"X-1,A4-PILOT,{C},外部,2024-03-01,1,1,ai,1"])
    (inbox / "link.csv").symlink_to(outside)
    _drop(inbox, "apps-1.csv", [HEADER, f"I-1,A4-PILOT,{A},甲,2024-03-01,1,1,ai,1"])
    _drop(
        inbox,
        "申报-2.csv",
        [
            "申请编号,条款,统一社会信用代码,企业名称,申报日期,工商注册在闵行,税务登记在闵行,所属领域,认定通过",
            f"I-2,A4-PILOT,{B},乙,2024年3月2日,是,是,智能制造,是",
        ],
        "gbk",
    )
    _drop(inbox, "blacklist-2024.csv", ["uscc,listed_on", f"{B},2024-01-01"])
    _drop(inbox, "broken.csv", ["application_id,clause", "Z,A2"])
    _drop(inbox, "upload.csv.part", ["half a file"])

    first = inbox_intake_flow(str(inbox), as_of=date(2024, 6, 28))
    assert sorted(first.processed) == ["apps-1.csv", "blacklist-2024.csv", "申报-2.csv"]
    assert len(first.rejected) == 1 and "broken.csv" in first.rejected[0] and "missing required" in first.rejected[0]
    assert any(s.startswith("link.csv") and "links are refused" in s for s in first.skipped)
    assert first.intake is not None and first.intake.by_status == {"approved": 1, "rejected": 1}
    assert sorted(p.name for p in inbox.iterdir() if p.is_file() or p.is_symlink()) == ["link.csv", "upload.csv.part"]
    archived = sorted(Path(p).name for p in first.archived)
    assert len(archived) == 4 and all(len(name.split("-", 1)[0]) == 12 for name in archived)

    export_flow("decisions", str(tmp_path / "d.csv"))
    with open(tmp_path / "d.csv", encoding="utf-8") as f:
        rows = {r["application_id"]: (r["status"], r["reasons"]) for r in csv.DictReader(f)}
    assert rows == {"I-1": ("approved", ""), "I-2": ("rejected", "BLACKLISTED")}

    # The same file dropped again is skipped and archived, never read twice.
    _drop(inbox, "apps-1-again.csv", [HEADER, f"I-1,A4-PILOT,{A},甲,2024-03-01,1,1,ai,1"])
    second = inbox_intake_flow(str(inbox), as_of=date(2024, 6, 29))
    assert second.processed == [] and second.intake is None
    assert any(s.startswith("apps-1-again.csv: already processed") for s in second.skipped)
    assert not (inbox / "apps-1-again.csv").exists()
