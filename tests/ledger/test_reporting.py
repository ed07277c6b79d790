"""The yearly report's figures, recomputed from the input file, and its files."""

from __future__ import annotations

import csv
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from ledger.db import get_engine
from ledger.reporting import report_figures
from rules.params import default_parameters
from subsidy.report import write_report
from tasks.cycle import run_cycle
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file


def _fen(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_report_figures_match_the_applications(db_url: str, tmp_path: Path) -> None:
    apps = write_pilot_and_rent_file(tmp_path / "apps.csv", 40)
    with open(apps, encoding="utf-8") as f:
        rents = [Decimal(r["annual_rent"]) for r in csv.DictReader(f) if r["clause"] == "A2"]
    engine = get_engine(db_url)
    intake_file(engine, apps, date(2024, 6, 28))
    run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())
    with Session(engine) as s:
        figures = report_figures(s, 2024)
    year1 = sum(_fen(r) for r in rents)
    year3 = sum(_fen(r / 2) for r in rents)
    assert figures.awards_by_clause == {"A2": (20, 2 * year1 + year3), "A4-PILOT": (20, 20 * 50_000_000)}
    assert figures.by_year[2024] == {"committed": year1 + 1_000_000_000, "paid": year1 + 1_000_000_000, "forfeited": 0}
    assert list(figures.by_year) == [2024]  # the years up to the report's; later due years are still due
    assert figures.still_due == {"A2": {2025: year1, 2026: year3}}
    paths = write_report(figures, tmp_path / "report", database="sqlite:///subsidy.db", pdf=False)
    page = Path(paths["report"]).read_text(encoding="utf-8")
    assert page.count("<svg") == 4 and "第二条" in page  # awards, by year, still due, fell due; none left unsettled
    with open(paths["installments_still_due"], encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["clause"], r["due_year"]) for r in rows] == [("A2", "2025"), ("A2", "2026"), ("total", "")]
    assert Decimal(rows[0]["amount"]) * 100 == year1
    assert Decimal(rows[2]["amount"]) * 100 == year1 + year3
