"""The Data Docs of the dataset checks read offline (issue 17, finding 8): no page loads a script, a stylesheet, a
font or an image from the web (GX's templates take Bootstrap, jQuery, bootstrap-table and Font Awesome from CDNs),
and a file's count of rows read, quarantined rows included, is one of the rules its page reports."""

from __future__ import annotations

import csv
import html
import random
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from subsidy.sample import make_uscc
from validations import suites
from validations.batch import validate_table
from validations.readers import read_table

HEADER = ["application_id", "clause", "uscc", "name", "submitted_on", "business_in_minhang", "tax_in_minhang", "field"]
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


def test_the_checked_columns_are_escaped_as_each_cell_would_be_and_stay_compact(tmp_path: Path) -> None:
    path, uscc = tmp_path / "a.csv", make_uscc(random.Random(1))
    rows = [
        ["X-1", "A4-PILOT", uscc, "<b>&co</b>", "2024-03-01", "1", "1", "ai"],
        ['X-"2"', "A4-PILOT", uscc, "it's", "2024-03-02", "0", "1", "ai"],
        ["X-3", "A4-PILOT", uscc, "plain", "2024-03-01", "1", "1", "ai"],
    ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    table = validate_table(read_table(path, "applications"))
    frame = table.frame
    checked = suites._as_text(frame, suites._checked_columns("applications"))

    for name in checked.columns:
        given = frame[name].tolist() if name in frame.columns else [None] * len(frame)
        assert checked[name].tolist() == [v if v is None else html.escape(str(v)) for v in given], name
    assert checked["name"].tolist() == ["&lt;b&gt;&amp;co&lt;/b&gt;", "it&#x27;s", "plain"]
    assert checked["application_id"].tolist()[1] == "X-&quot;2&quot;"
    assert isinstance(checked["application_id"].array, pd.arrays.ArrowExtensionArray)
    assert isinstance(checked["submitted_on"].array, pd.Categorical)
    assert checked["business_in_minhang"].tolist() == ["True", "False", "True"]


def test_the_checks_do_not_hash_every_value_of_the_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GX would fingerprint the batch by hashing each value (a Python text of each of 2,000,000 ids)."""
    hashed: list[int] = []

    def hash_pandas_object(obj: Any, *args: Any, **kwargs: Any) -> Any:
        hashed.append(len(obj))
        return original(obj, *args, **kwargs)

    original = pd.util.hash_pandas_object
    monkeypatch.setattr(pd.util, "hash_pandas_object", hash_pandas_object)
    [outcome] = suites.run_suites("applications", {"/in/a.csv": _applications(50)}, tmp_path / "docs").values()
    assert outcome.success
    assert hashed == []
