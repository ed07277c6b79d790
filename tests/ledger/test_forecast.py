"""The budget forecast (issue 19) on the demo's sample, on SQLite and PostgreSQL: what is still owed per clause and
due year (and recipient) and the forfeited share per clause, each checked against the same figures computed here
straight from the ledger's entries; the due-year filter; the yearly report's forfeited-share section; and
``subsidy forecast`` writing its CSV without a Prefect server."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ledger import posting
from ledger.db import dispose_engine, run_transaction
from ledger.forecast import FORECAST_COLUMNS, Forecast, budget_forecast, share_percent
from ledger.models import LedgerTransaction
from ledger.reporting import report_figures
from rules.params import default_parameters
from subsidy import prefect_server
from subsidy.cli import app
from subsidy.report import write_report
from tasks.cycle import run_cycle
from tests.ledger.helpers import demo_intakes

DOCUMENTED_COLUMNS = ["fiscal_year", "clause", "outstanding", "recipients"]
"""The CSV's columns as CONTRACT.md, the command's help and the README give them."""


def cycle(engine: Engine, year: int) -> None:
    run_cycle(engine, year, date(year, 12, 1), default_parameters())


def forecast(engine: Engine, **kwargs) -> Forecast:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return budget_forecast(s, **kwargs)


def entries(engine: Engine) -> list[LedgerTransaction]:
    with Session(engine) as s:
        return list(s.scalars(select(LedgerTransaction).order_by(LedgerTransaction.seq)))


def owed_by_hand(rows: list[LedgerTransaction], by_recipient: bool = False) -> dict[tuple, tuple[int, int]]:
    """(clause, due year[, recipient]) → (installments, fen) of the commitment entries that no payment or forfeit
    settled and no reversal undid, counted here from the entries themselves."""
    settled = {(t.application_id, t.installment) for t in rows if t.kind in ("payment", "forfeit")}
    reversed_ = {t.reverses_seq for t in rows if t.kind == "reversal"}
    owed: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for t in rows:
        if t.kind == "commitment" and (t.application_id, t.installment) not in settled and t.seq not in reversed_:
            key = (t.clause, t.fiscal_year, t.recipient_uscc) if by_recipient else (t.clause, t.fiscal_year)
            owed[key][0] += 1
            owed[key][1] += t.amount_fen
    return {k: (n, fen) for k, (n, fen) in owed.items()}


def fell_due_by_hand(rows: list[LedgerTransaction], through_year: int | None = None) -> dict[str, tuple[int, int]]:
    """clause → (paid, forfeited) fen, a reversal taken off the kind of the entry it reverses."""
    kind_of = {t.seq: t.kind for t in rows}
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t in rows:
        kind = kind_of[t.reverses_seq] if t.kind == "reversal" else t.kind
        if kind in ("payment", "forfeit") and (through_year is None or t.fiscal_year <= through_year):
            sums[t.clause][kind == "forfeit"] += -t.amount_fen if t.kind == "reversal" else t.amount_fen
    return {c: (paid, forfeited) for c, (paid, forfeited) in sorted(sums.items()) if paid or forfeited}


def share_by_hand(forfeited: int, fell_due: int) -> Decimal:
    return (Decimal(forfeited) * 100 / Decimal(fell_due)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def assert_matches_the_entries(engine: Engine) -> Forecast:
    rows = entries(engine)
    found = forecast(engine)
    assert {(o.clause, o.due_year): (o.installments, o.fen) for o in found.still_owed} == owed_by_hand(rows)
    assert {f.clause: (f.paid_fen, f.forfeited_fen) for f in found.forfeited} == fell_due_by_hand(rows)
    for f in found.forfeited:
        assert f.fell_due_fen == f.paid_fen + f.forfeited_fen
        assert f.share == share_by_hand(f.forfeited_fen, f.fell_due_fen)
    assert (found.through_seq, found.chain_head) == (rows[-1].seq, rows[-1].entry_hash)
    return found


def owed(found: Forecast) -> dict[tuple[str, int], int]:
    return {(o.clause, o.due_year): o.fen for o in found.still_owed}


def test_the_forecast_is_what_the_entries_leave_owed_and_forfeited_after_each_demo_step(
    engine: Engine, tmp_path: Path
) -> None:
    demo_intakes(engine, tmp_path / "demo")
    before = assert_matches_the_entries(engine)
    assert before.forfeited == [] and sum(o.fen for o in before.still_owed) == 7_000_500_126  # every award
    assert {o.due_year for o in before.still_owed} == {2024, 2025, 2026}
    cycle(engine, 2024)
    after_2024 = assert_matches_the_entries(engine)
    # as the demo's 2024 report lists them (tests/flows/test_demo.py): 9,069,999.51 CNY still to fall due
    assert owed(after_2024) == {("A2", 2025): 681_499_938, ("A2", 2026): 175_500_013, ("A7-SITE", 2025): 50_000_000}
    assert {f.clause: f.share for f in after_2024.forfeited}["A2"] == Decimal("0.0")
    cycle(engine, 2025)
    after_2025 = assert_matches_the_entries(engine)
    assert owed(after_2025) == {("A2", 2026): 175_500_013}
    a2 = next(f for f in after_2025.forfeited if f.clause == "A2")
    assert (a2.paid_fen, a2.forfeited_fen, a2.share) == (3_348_500_213, 155_999_900, Decimal("4.5"))
    cycle(engine, 2026)
    after_2026 = assert_matches_the_entries(engine)
    assert after_2026.still_owed == []  # every installment of the demo fell due by 2026 and was settled
    a2 = next(f for f in after_2026.forfeited if f.clause == "A2")
    assert (a2.fell_due_fen, a2.forfeited_fen, a2.share) == (3_680_000_126, 203_999_900, Decimal("5.5"))
    assert sum(f.fell_due_fen for f in after_2026.forfeited) == 7_000_500_126
    assert all(f.share == Decimal("0.0") for f in after_2026.forfeited if f.clause != "A2")


def test_due_years_filter_and_recipients_add_up_to_the_clauses(engine: Engine, tmp_path: Path) -> None:
    demo_intakes(engine, tmp_path / "demo")
    cycle(engine, 2024)
    whole = forecast(engine)
    only_2025 = forecast(engine, from_year=2025, through_year=2025)
    assert (
        owed(only_2025)
        == {k: v for k, v in owed(whole).items() if k[1] == 2025}
        == {
            ("A2", 2025): 681_499_938,
            ("A7-SITE", 2025): 50_000_000,
        }
    )
    assert owed(forecast(engine, from_year=2026)) == {("A2", 2026): 175_500_013}
    assert owed(forecast(engine, through_year=2024)) == {}  # the 2024 cycle paid everything due by 2024
    assert only_2025.forfeited == whole.forfeited  # the forfeited share counts every cycle so far
    by_recipient = forecast(engine, by_recipient=True)
    rows = entries(engine)
    assert {(o.clause, o.due_year, o.recipient_uscc): (o.installments, o.fen) for o in by_recipient.still_owed} == (
        owed_by_hand(rows, by_recipient=True)
    )
    added: dict[tuple[str, int], int] = defaultdict(int)
    for o in by_recipient.still_owed:
        added[(o.clause, o.due_year)] += o.fen
    assert dict(added) == owed(whole)
    assert len({o.recipient_uscc for o in by_recipient.still_owed if o.clause == "A2"}) > 1


def test_a_reversal_counts_against_the_entry_it_reverses(engine: Engine, tmp_path: Path) -> None:
    demo_intakes(engine, tmp_path / "demo")
    for year in (2024, 2025):
        cycle(engine, year)
    rows = entries(engine)
    open_one = next(t for t in rows if t.kind == "commitment" and t.clause == "A2" and t.fiscal_year == 2026)
    forfeit = next(t for t in rows if t.kind == "forfeit")
    with run_transaction(engine) as s:
        posting.reverse(s, open_one.seq, "entered in error", "test")
        posting.reverse(s, forfeit.seq, "forfeited in error", "test")
    found = assert_matches_the_entries(engine)
    assert owed(found) == {("A2", 2026): 175_500_013 - open_one.amount_fen}
    a2 = next(f for f in found.forfeited if f.clause == "A2")
    assert (a2.paid_fen, a2.forfeited_fen) == (3_348_500_213, 155_999_900 - forfeit.amount_fen)


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [
        (0, 1, "0.0"),
        (1, 3, "33.3"),
        (2, 3, "66.7"),
        (3, 2000, "0.2"),  # 0.15 exactly: half-up (a float holds 0.1499…)
        (1, 2001, "0.0"),
        (5, 5, "100.0"),
        (10**18 * 3 + 1, 2 * 10**21, "0.2"),  # 0.15000…05: exact at any size
    ],
)
def test_a_share_is_an_exact_percentage_rounded_half_up(part: int, whole: int, shown: str) -> None:
    assert str(share_percent(part, whole)) == shown
    assert share_percent(part, 0) is None


def test_the_report_lists_what_fell_due_forfeited_and_its_share_as_of_its_cycle(engine: Engine, tmp_path: Path) -> None:
    demo_intakes(engine, tmp_path / "demo")
    for year in (2024, 2025, 2026):
        cycle(engine, year)
    with Session(engine) as s:
        figures = report_figures(s, 2025)
    rows = [t for t in entries(engine) if t.seq <= figures.cut.through_seq]
    assert {f.clause: (f.paid_fen, f.forfeited_fen) for f in figures.forfeited} == fell_due_by_hand(rows, 2025)
    assert sum(f.forfeited_fen for f in figures.forfeited) == sum(v["forfeited"] for v in figures.by_year.values())
    paths = write_report(figures, tmp_path / "report", database="-", pdf=False)
    with open(paths["forfeited_share_by_clause"], encoding="utf-8") as f:
        listed = list(csv.DictReader(f))
    assert list(listed[0]) == ["clause", "clause_zh", "fell_due", "paid", "forfeited", "forfeited_percent"]
    a2 = next(r for r in listed if r["clause"] == "A2")
    assert (a2["fell_due"], a2["forfeited"], a2["forfeited_percent"]) == ("35045001.13", "1559999.00", "4.5")
    total = listed[-1]
    assert (total["clause"], total["forfeited"]) == ("total", "1559999.00")
    fell_due = sum(f.fell_due_fen for f in figures.forfeited)
    assert total["forfeited_percent"] == str(share_by_hand(155_999_900, fell_due))
    page = Path(paths["report"]).read_text(encoding="utf-8")
    section = page.split("Fell due, forfeited and the share forfeited per clause, in cycles up to 2025")[1]
    assert "¥1,559,999.00" in section and "<svg" in section and "forfeited of what fell due" in section


def test_the_cli_writes_the_documented_csv_without_a_prefect_server(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.db import get_engine

    demo_intakes(get_engine(db_url), tmp_path / "demo")
    for year in (2024, 2025):
        cycle(get_engine(db_url), year)
    dispose_engine(db_url)

    def no_server() -> None:
        raise AssertionError("subsidy forecast started a Prefect server")

    monkeypatch.setattr(prefect_server, "start_early", no_server)
    monkeypatch.setattr(prefect_server, "wait_ready", no_server)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("SUBSIDY_DATABASE_URL", db_url)
    out = tmp_path / "forecast.csv"
    try:
        done = CliRunner().invoke(app, ["forecast", "--by-recipient", "--from", "2026", "--out", str(out)])
        shown = CliRunner().invoke(app, ["forecast", "--help"], terminal_width=200)
        backwards = CliRunner().invoke(app, ["forecast", "--from", "2027", "--through", "2025"])
    finally:
        dispose_engine(db_url)
    assert done.exit_code == 0, done.output
    assert done.output.startswith("database: ") and "Still owed (CNY), due 2026–…" in done.output
    assert "1755000.13" in done.output and "4.5 %" in done.output
    assert ", ".join(DOCUMENTED_COLUMNS) in " ".join(shown.output.split())
    assert backwards.exit_code == 2 and "--from 2027 is after --through 2025" in backwards.output
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == DOCUMENTED_COLUMNS == FORECAST_COLUMNS
    assert rows == [{"fiscal_year": "2026", "clause": "A2", "outstanding": "1755000.13", "recipients": "5"}]
