"""The 2024 report after the 2026 cycle as a finance officer gets it: report.html opened offline in headless Chromium
(what it shows, a screenshot) and report.pdf printed beside it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from ledger.db import get_engine
from ledger.reporting import report_figures
from subsidy.pdf import find_chromium
from subsidy.report import write_report
from tests.conftest import make_database
from tests.ledger.test_report_as_of_cycle import three_cycles
from tests.reliability.offline_page import visit

pytestmark = pytest.mark.slow
SHANGHAI = timezone(timedelta(hours=8))


def test_the_2024_report_opens_offline_and_prints_as_pdf(tmp_path: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        pytest.fail("Debian's chromium is not installed; .ci/run installs it")
    url, drop = make_database("sqlite", tmp_path)
    try:
        engine = get_engine(url)
        cycles = three_cycles(engine, tmp_path)
        with Session(engine) as s:
            figures = report_figures(s, 2024)
    finally:
        drop()
    when = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    paths = write_report(figures, tmp_path / "report", database=url, generated_at=when)

    pdf = Path(paths["pdf"])
    assert pdf.name == "report.pdf" and pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    shot = tmp_path / "report-2024.png"
    seen = visit(chromium, Path(paths["report"]), tmp_path / "profile", shot, focus="Installments still to fall due")
    assert (seen["marker"], seen["dialogs"], seen["images"]) == (None, [], 0)
    assert seen["title"] == "闵行区政策资金报告 Subsidy report 2024"
    text = seen["text"]
    for shown in (
        "2026-11-30 09:00 +0800",
        url,
        f"{cycles[2024].chain_head} (entry #120)",
        "The ledger as the 2024 disbursement cycle (#1, screening on 2024-12-01) left it.",
        "Installments still to fall due after 2024",
        "¥8,524,846.00",  # due 2025
        "¥4,262,423.00",  # due 2026
        "¥12,787,269.00",  # their total
        "合计 Total",
        "无 / none",  # nothing due by 2024 was left unsettled
        "✓",
    ):
        assert shown in text, shown
    assert cycles[2025].chain_head not in text and "Paid in cycles up to 2024" in text
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
