"""The yearly report is the ledger as the year's cycle left it (issue 17, finding 6): printed after the 2025 and 2026
cycles, the 2024 report still lists what fell due after 2024 and none of the later settlements; before its cycle
the report is provisional. Every table ends with a total equal to the sum of its rows; amounts read ¥1,234,567.89.
On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.errors import LedgerError
from ledger import posting
from ledger.cycles import CycleSummary
from ledger.db import dispose_engine, get_engine, run_transaction
from ledger.models import Cycle, LedgerTransaction
from ledger.reporting import ReportFigures, ledger_by_year, report_figures
from rules.params import default_parameters
from subsidy import pdf, report
from subsidy.report import write_report, yuan
from tasks.cycle import run_cycle
from tests.ledger.helpers import intake_file, write_pilot_and_rent_file

# The 20 A2 leases of ``write_pilot_and_rent_file(…, 40)`` (seed 3): the rent of year 1 and of year 2 (due 2024 and
# 2025) and half of it in year 3 (due 2026), summed to the fen; the 20 A4-PILOT awards are 500,000 CNY each.
YEAR1_FEN, YEAR3_FEN, PILOTS_FEN = 852_484_600, 426_242_300, 20 * 50_000_000


def _fen(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _renamed(path: Path, prefix: str) -> Path:
    """The same kind of file with application ids of their own (``L-…``)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    for row in rows[1:]:
        row[0] = prefix + row[0]
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def three_cycles(engine: Engine, folder: Path) -> dict[int, CycleSummary]:
    """Intake on 2024-06-28, the 2024 cycle, a late intake on 2024-12-15 (decided in 2024, after its cycle), then
    the cycles of 2025 and 2026: as the demo runs them, every cycle on 1 December."""
    intake_file(engine, write_pilot_and_rent_file(folder / "apps.csv", 40), date(2024, 6, 28))
    cycles = {2024: run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())}
    late = _renamed(write_pilot_and_rent_file(folder / "late.csv", 4, seed=9), "L")
    intake_file(engine, late, date(2024, 12, 15))
    for year in (2025, 2026):
        cycles[year] = run_cycle(engine, year, date(year, 12, 1), default_parameters())
    return cycles


def _rents(path: Path) -> list[Decimal]:
    with open(path, encoding="utf-8") as f:
        return [Decimal(r["annual_rent"]) for r in csv.DictReader(f) if r["clause"] == "A2"]


def _csv(path: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_2024_report_printed_after_the_2026_cycle_is_the_ledger_of_the_2024_cycle(
    engine: Engine, tmp_path: Path
) -> None:
    cycles = three_cycles(engine, tmp_path)
    rents = _rents(tmp_path / "apps.csv")
    assert (sum(_fen(r) for r in rents), sum(_fen(r / 2) for r in rents)) == (YEAR1_FEN, YEAR3_FEN)
    with Session(engine) as s:
        figures = report_figures(s, 2024)
        entries = s.scalar(select(func.count()).select_from(LedgerTransaction))
    cut = figures.cut
    # 80 commitments and 40 payments when the 2024 cycle committed; 8 late commitments and 48 settlements after it.
    assert (cut.through_seq, cut.chain_head, cut.cycle_id) == (120, cycles[2024].chain_head, cycles[2024].cycle_id)
    assert (cut.entries_after, entries, cut.provisional, cut.cycle_as_of) == (56, 176, False, date(2024, 12, 1))
    assert figures.by_year == {
        2024: {"committed": YEAR1_FEN + PILOTS_FEN, "paid": YEAR1_FEN + PILOTS_FEN, "forfeited": 0}
    }
    assert figures.still_due == {"A2": {2025: YEAR1_FEN, 2026: YEAR3_FEN}}  # 8,524,846.00 and 4,262,423.00 CNY
    assert figures.unsettled_by_year == {}
    # The late intake's awards were decided in 2024 but committed after the cycle: not in this report.
    assert figures.awards_by_clause == {"A2": (20, 2 * YEAR1_FEN + YEAR3_FEN), "A4-PILOT": (20, PILOTS_FEN)}

    paths = write_report(figures, tmp_path / "report", database="sqlite:///subsidy.db", pdf=False)
    page = Path(paths["report"]).read_text(encoding="utf-8")
    for shown in ("¥8,524,846.00", "¥4,262,423.00", "¥12,787,269.00", "¥18,524,846.00", "¥31,312,115.00"):
        assert shown in page
    assert cycles[2024].chain_head in page and cycles[2026].chain_head not in page
    assert "2025年度拨付周期" not in page and "2026" in page  # 2026 only as a due year
    by_year = _csv(paths["committed_paid_forfeited_by_year"])
    assert [r["fiscal_year"] for r in by_year] == ["2024", "total"]  # no 2025 or 2026 settlements
    due = _csv(paths["installments_still_due"])
    assert [(r["clause"], r["due_year"], r["amount"]) for r in due] == [
        ("A2", "2025", "8524846.00"),
        ("A2", "2026", "4262423.00"),
        ("total", "", "12787269.00"),
    ]


def test_every_total_row_is_the_sum_of_its_rows_and_the_summary_balances(engine: Engine, tmp_path: Path) -> None:
    three_cycles(engine, tmp_path)
    with Session(engine) as s:
        figures = report_figures(s, 2025)
    # As of the 2025 cycle: the late intake is in (its leases' years 1 and 2 and its pilots paid by the 2025 cycle);
    # the 2026 cycle's 22 payments (year 3 of 20 + 2 leases) are not.
    late = sum(_fen(r) for r in _rents(tmp_path / "late.csv"))
    assert (late, figures.cut.entries_after, figures.cut.cycle_as_of) == (131_504_600, 22, date(2025, 12, 1))
    assert figures.by_year == {
        2024: {
            "committed": YEAR1_FEN + PILOTS_FEN + late + 2 * 50_000_000,
            "paid": YEAR1_FEN + PILOTS_FEN,
            "forfeited": 0,
        },
        2025: {"committed": YEAR1_FEN + late, "paid": YEAR1_FEN + 2 * late + 2 * 50_000_000, "forfeited": 0},
    }
    assert figures.still_due == {"A2": {2026: YEAR3_FEN + 65_752_300}}  # half of each late lease's rent
    with Session(engine) as s:
        reports = {2024: report_figures(s, 2024), 2025: figures}
    for year, shown in reports.items():
        paths = write_report(shown, tmp_path / f"report-{year}", database="sqlite:///subsidy.db", pdf=False)
        for name, path in paths.items():
            if not path.endswith(".csv"):
                continue
            rows = _csv(path)
            body, total = rows[:-1], rows[-1]
            assert next(iter(total.values())) == "total", (year, name)
            for column, value in total.items():
                if column in ("approved", "awarded", "committed", "paid", "forfeited", "amount", "fell_due"):
                    assert Decimal(value) == sum((Decimal(r[column]) for r in body), Decimal(0)), (year, name, column)
        page = Path(paths["report"]).read_text(encoding="utf-8")
        assert "核对 Check" in page and "Does not balance" not in page
    # No award was decided in 2025: that section says so and draws no chart; the other four each have rows or not.
    awards = page.split("<h2>")[2]
    assert "Awards decided in 2025" in awards and '<p class="none">无 / none</p>' in awards and "<svg" not in awards
    assert page.count("<svg") == 3 and page.count("无 / none") == 3  # by year, still due, fell due; awards,
    # not settled, recoveries


def test_before_its_cycle_the_report_is_provisional_and_leaves_nothing_out(engine: Engine, tmp_path: Path) -> None:
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 40), date(2024, 6, 28))
    with Session(engine) as s:
        figures = report_figures(s, 2024)
    assert (figures.cut.provisional, figures.cut.through_seq, figures.cut.entries_after) == (True, 80, 0)
    assert figures.by_year == {2024: {"committed": YEAR1_FEN + PILOTS_FEN, "paid": 0, "forfeited": 0}}
    assert figures.unsettled_by_year == {"A2": {2024: YEAR1_FEN}, "A4-PILOT": {2024: PILOTS_FEN}}  # the cycle's due
    assert figures.still_due == {"A2": {2025: YEAR1_FEN, 2026: YEAR3_FEN}}
    page = Path(write_report(figures, tmp_path / "r", database="-", pdf=False)["report"]).read_text(encoding="utf-8")
    assert "临时报告" in page and "PROVISIONAL: no disbursement cycle for 2024 has run yet" in page
    assert "核对 Check" not in page  # the identity is checked on a final report only


def test_a_reversed_commitment_counts_against_what_it_reversed(engine: Engine, tmp_path: Path) -> None:
    intake_file(engine, write_pilot_and_rent_file(tmp_path / "apps.csv", 40), date(2024, 6, 28))
    with Session(engine) as s:
        seq, fen = s.execute(
            select(LedgerTransaction.seq, LedgerTransaction.amount_fen).where(
                LedgerTransaction.business_key == "commitment/R-00000/3"
            )
        ).one()
    with run_transaction(engine) as s:
        posting.reverse(s, seq, "entered in error", "test")
    run_cycle(engine, 2024, date(2024, 12, 1), default_parameters())
    with Session(engine) as s:
        figures = report_figures(s, 2024)
    assert figures.still_due == {"A2": {2025: YEAR1_FEN, 2026: YEAR3_FEN - fen}}
    assert figures.awards_by_clause["A2"] == (20, 2 * YEAR1_FEN + YEAR3_FEN - fen)
    with Session(engine) as s:
        assert ledger_by_year(s)[2026] == {"committed": YEAR3_FEN - fen, "paid": 0, "forfeited": 0}


def test_the_cli_entry_writes_the_report_without_prefect_and_masks_the_password(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``subsidy report`` calls ``yearly_report``: no Prefect server; without Chromium it says so."""
    url = db_url.replace("postgres@", "postgres:s3cret@")  # trust authentication takes any password
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", url)
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    try:
        paths = report.yearly_report(get_engine(url), 2024, tmp_path / "report")
    finally:
        dispose_engine(url)
    assert paths["pdf_not_written"].startswith("no Chromium on PATH") and "pdf" not in paths
    page = Path(paths["report"]).read_text(encoding="utf-8")
    assert "s3cret" not in page and ("postgres:***@" in page or db_url.startswith("sqlite"))
    assert "PROVISIONAL" in page and page.count("无 / none") == 6 and "<svg" not in page  # an empty ledger


def test_a_cycle_whose_chain_head_is_not_in_the_ledger_is_refused_naming_it(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        s.add(Cycle(fiscal_year=2024, as_of=date(2024, 12, 1), started_at=datetime(2024, 12, 1), chain_head="f" * 64))
    with Session(engine) as s, pytest.raises(LedgerError, match=r"chain head 'f{64}' recorded by cycle #1 \(2024\)"):
        report_figures(s, 2024)


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (0, "¥0.00"),
        (5, "¥0.05"),
        (123_456_789, "¥1,234,567.89"),
        (10**14 + 1, "¥1,000,000,000,000.01"),
        (-100, "-¥1.00"),
    ],
)
def test_amounts_read_as_yuan_with_separators_exactly(fen: int, shown: str) -> None:
    assert yuan(fen) == shown


def test_the_total_row_sums_the_counts_and_the_fen_and_leaves_the_texts_empty() -> None:
    figures = ReportFigures(year=2024, awards_by_clause={"A1": (2, 100_000_001), "A2": (1, 99)})
    awards = report.listings(figures)[0]
    assert awards.total() == ["合计 Total", "", 3, 100_000_100]  # ¥1,000,001.00
