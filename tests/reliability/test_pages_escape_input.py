"""Input text in the pages the project writes is text, never markup (M2): a hostile application id and file name
reach the Great Expectations Data Docs of an intake escaped, and the yearly report escapes every label it shows.
Headless Chromium, offline, opens each page and no script of the input runs."""

from __future__ import annotations

import csv
import html
import random
import re
import shutil
from pathlib import Path

import pytest

from ledger.forecast import ForfeitedShare
from ledger.reporting import ReportFigures
from subsidy.report import write_report
from subsidy.sample import make_uscc
from tests.reliability.offline_page import visit
from validations import suites
from validations.batch import validate_table
from validations.readers import read_table

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = '<img src=x onerror="window.__xss=1;document.title=1;alert(1)">'  # an id may have 64 characters
FORMULA = '=HYPERLINK("http://x.test","open")'
HOSTILE_FILE = "<svg onload=alert(2)>'\u202e.csv"
HEADER = ["application_id", "clause", "uscc", "name", "submitted_on", "business_in_minhang", "tax_in_minhang", "field"]


def _hostile_file(folder: Path) -> Path:
    """Three rows with the same hostile application id (the uniqueness rule lists it as unexpected) and name."""
    rng = random.Random(5)
    path = folder / HOSTILE_FILE
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for _ in range(3):
            writer.writerow([HOSTILE, "A4-PILOT", make_uscc(rng), HOSTILE, "2024-03-01", "1", "1", "ai"])
    return path


def _data_docs(folder: Path, docs: Path) -> suites.SuiteOutcome:
    """The dataset checks of an intake of the hostile file (``tasks.intake.check_datasets`` runs the same)."""
    path = _hostile_file(folder)
    [outcome] = suites.run_suites(
        "applications", {str(path): validate_table(read_table(path, "applications")).frame}, docs
    ).values()
    return outcome


def _pages(docs: Path) -> dict[str, str]:
    return {str(p.relative_to(docs)): p.read_text(encoding="utf-8") for p in docs.rglob("*.html")}


def test_data_docs_show_a_hostile_id_and_file_name_as_text(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    outcome = _data_docs(tmp_path, docs)
    assert [r["unexpected_count"] for r in outcome.failures()] == [3]  # the rules see the same values as before
    pages = _pages(docs)
    validation = next(text for name, text in pages.items() if name.startswith("validations"))
    assert html.escape(HOSTILE) in validation  # the id is shown, as text
    for name, text in pages.items():
        assert "<img src=x" not in text and "<svg" not in text, name
        assert "\u202e" not in text and "alert(2)>'" not in text, name  # nor does the file name break the index script


@pytest.mark.parametrize("name", ["a'b.csv", "</script><script>alert(1)</script>", "x\u202egpj.csv", "名单 2024.xlsx"])
def test_a_file_name_becomes_a_plain_asset_name(name: str) -> None:
    asset = suites._asset_name(7, f"/in/{name}")
    assert asset.startswith("007_") and all(c.isalnum() or c in "._-" for c in asset)


def _report(folder: Path) -> Path:
    """The report's texts are clause ids, clause names and figures; a clause id that is markup is escaped."""
    figures = ReportFigures(
        year=2024,
        awards_by_clause={HOSTILE: (1, 10_000_00), "A2": (2, 30_000_00), FORMULA: (1, 1_00)},
        by_year={2024: {"committed": 10_000_00, "paid": 5_000_00, "forfeited": 0}},
        still_due={HOSTILE: {2025: 5_000_00}},
        forfeited=[ForfeitedShare(HOSTILE, 4_000_00, 1_000_00)],
    )
    return Path(write_report(figures, folder, database=f"sqlite:///{HOSTILE}.db", pdf=False)["report"])


def test_the_yearly_report_shows_a_hostile_label_as_text(tmp_path: Path) -> None:
    page = _report(tmp_path / "report").read_text(encoding="utf-8")
    assert "<img" not in page and page.count(html.escape(HOSTILE)) == 7  # three tables, three charts, the database
    with open(tmp_path / "report" / "awards_by_clause.csv", encoding="utf-8") as f:
        clauses = [row["clause"] for row in csv.DictReader(f)]
    assert clauses == [HOSTILE, "A2", "'" + FORMULA, "total"]  # a spreadsheet shows the formula, never evaluates it


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here to open the pages")
def test_no_script_of_the_input_runs_in_a_browser(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _data_docs(tmp_path, docs)
    validation = next(p for p in docs.rglob("*.html") if "validations" in p.parts)
    report = _report(tmp_path / "report")
    assert CHROMIUM is not None
    for n, page in enumerate([validation, docs / "index.html", report]):
        written = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8"), re.S)
        assert written is not None
        seen = visit(CHROMIUM, page, tmp_path / f"profile-{n}", tmp_path / f"page-{n}.png", focus="<img src=x")
        assert (seen["marker"], seen["dialogs"], seen["handlers"]) == (None, [], 0), page
        assert seen["title"] == html.unescape(written[1]).strip()  # no script of the input changed it
        if page != docs / "index.html":  # the index lists the runs, not the rows' application ids
            assert HOSTILE in seen["text"]
