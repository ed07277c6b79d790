"""The Data Docs an intake writes (issue 17, finding 8): written only when the run read application rows; the
page of a file with quarantined rows fails its row-count rule and shows the rows read, valid and quarantined
instead of "Succeeded 100 %"; headless Chromium with no network shows the index's runs and the results."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

import tasks.intake
from subsidy.sample import make_uscc
from tests.reliability.offline_page import visit
from validations import suites
from validations.batch import ValidatedTable, validate_table
from validations.readers import read_table

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HEADER = "application_id,clause,uscc,name,submitted_on,business_in_minhang,tax_in_minhang,field"


def _table(folder: Path, valid: int, bad: int) -> ValidatedTable:
    """A file of ``valid`` good rows and ``bad`` rows with an unparsable date (quarantined), as intake reads it."""
    rng = random.Random(valid * 100 + bad)
    rows = [f"A-{n},A4-PILOT,{make_uscc(rng)},企业{n},2024-03-01,是,是,ai" for n in range(valid)]
    rows += [f"B-{n},A4-PILOT,{make_uscc(rng)},企业,not a date,是,是,ai" for n in range(bad)]
    path = folder / f"apps-{valid}-{bad}.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    table = validate_table(read_table(path, "applications"))
    assert (len(table.frame), len(table.quarantined)) == (valid, bad)
    return table


@pytest.fixture
def docs_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data-docs"
    monkeypatch.setenv("SUBSIDY_DATA_DOCS_DIR", str(root))
    return root


def _page(index: str) -> Path:
    [page] = (Path(index).parent / "validations").rglob("*.html")
    return page


def test_a_file_with_quarantined_rows_is_not_reported_as_a_full_success(tmp_path: Path, docs_root: Path) -> None:
    outcome = tasks.intake.check_datasets.fn([_table(tmp_path, 5, 1)])
    [checked] = outcome["files"].values()
    assert checked["success"] is False  # before: True, the rules having seen the 5 valid rows only
    [failed] = [r for r in checked["results"] if not r["success"]]
    assert (failed["rule"], failed["observed_value"]) == (suites.ROWS_READ_RULE, 5)
    page = _page(outcome["data_docs"]).read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Status: Failed" in text and "Success Percent ≈92.31%" in text  # 12 of 13 rules; before: 100%
    assert "Rows read from the file 6 Valid rows (checked here) 5 Quarantined rows 1" in text
    assert "Must have exactly 6 rows. 5" in text


def test_only_a_run_that_read_application_rows_writes_data_docs(tmp_path: Path, docs_root: Path) -> None:
    assert tasks.intake.check_datasets.fn([]) == {"files": {}, "data_docs": None}  # reference files only
    header_only = tasks.intake.check_datasets.fn([_table(tmp_path, 0, 0)])
    assert header_only["data_docs"] is None and not docs_root.exists()  # before: a folder for an empty run
    [checked] = header_only["files"].values()  # the rules still ran, and say the batch is empty
    assert [r["rule"] for r in checked["results"] if not r["success"]] == ["batch is not empty"]
    all_quarantined = tasks.intake.check_datasets.fn([_table(tmp_path, 0, 2)])
    assert Path(all_quarantined["data_docs"]).is_file() and len(list(docs_root.iterdir())) == 1


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here to open the pages")
def test_the_data_docs_show_their_results_in_a_browser_offline(tmp_path: Path, docs_root: Path) -> None:
    outcome = tasks.intake.check_datasets.fn([_table(tmp_path, 5, 1), _table(tmp_path, 3, 0)])
    index = Path(outcome["data_docs"])
    assert CHROMIUM is not None
    seen = visit(CHROMIUM, index, tmp_path / "profile-index", tmp_path / "index.png")
    # before: the runs are listed by bootstrap-table from a CDN; offline the index showed two buttons and no run
    assert "001_apps-5-1.csv" in seen["text"] and "002_apps-3-0.csv" in seen["text"], seen["text"]
    [page] = [p for p in (index.parent / "validations").rglob("*.html") if "001_apps-5-1" in p.name]
    seen = visit(CHROMIUM, page, tmp_path / "profile-page", tmp_path / "page.png", focus="Quarantined rows")
    text = " ".join(seen["text"].split())
    for shown in ["Status: Failed", "Quarantined rows 1", "Must have exactly 6 rows. 5", "values must be unique."]:
        assert shown in text, shown
    assert "Succeeded" not in text
