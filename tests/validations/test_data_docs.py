"""The Data Docs of the dataset checks read offline (issue 17, finding 8): no page loads a script, a stylesheet, a
font or an image from the web (GX's templates take Bootstrap, jQuery, bootstrap-table and Font Awesome from CDNs),
and a file's count of rows read, quarantined rows included, is one of the rules its page reports."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pandas as pd

from subsidy.sample import make_uscc
from validations import suites

REMOTE_ASSET = re.compile(
    r"""(?:\bsrc\s*=|<link\b[^>]*\bhref\s*=|url\(|@import)\s*["']?\s*(?:https?:)?//""", re.IGNORECASE
)


def _applications(n: int) -> pd.DataFrame:
    rng = random.Random(n)
    return pd.DataFrame(
        {
            "application_id": [f"A-{i}" for i in range(n)],
            "clause": ["A4-PILOT"] * n,
            "uscc": [make_uscc(rng) for _ in range(n)],
            "name": ["企业"] * n,
            "submitted_on": ["2024-03-01"] * n,
            "business_in_minhang": [True] * n,
            "tax_in_minhang": [True] * n,
            "field": ["ai"] * n,
        }
    )


def test_no_data_docs_page_loads_anything_from_the_web(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    suites.run_suites("applications", {"/in/a.csv": _applications(3), "/in/b.csv": _applications(2)}, docs)
    pages = sorted(docs.rglob("*.html"))
    assert {p.relative_to(docs).parts[0] for p in pages} == {"index.html", "validations", "expectations"}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert REMOTE_ASSET.findall(text) == [], page  # before: 17 links to CDNs and GX's web assets on each page
        assert "bootstrapTable(" not in text and "$(" not in text, page  # nothing waits for jQuery
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert index.count('href="validations/subsidy_applications/') == 2 * 3  # each run's row, written out, linked


def test_the_rows_read_of_a_file_are_a_rule_of_its_checks(tmp_path: Path) -> None:
    frame = _applications(5)
    [whole] = suites.run_suites("applications", {"a.csv": frame}, rows_read={"a.csv": 5}).values()
    [part] = suites.run_suites("applications", {"a.csv": frame}, rows_read={"a.csv": 7}).values()
    [given] = suites.run_suites("applications", {"a.csv": frame}).values()  # no count given: the frame's rows
    assert whole.success and given.success and not part.success
    [failure] = part.failures()
    assert (failure["rule"], failure["severity"], failure["observed_value"]) == (suites.ROWS_READ_RULE, "warning", 5)
