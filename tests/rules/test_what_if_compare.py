"""The what-if's comparison, on outcomes built here: totals exact at any size, a row on one side only is a change,
amounts compared as integers."""

from __future__ import annotations

import pandas as pd

from rules.what_if import INSTALLMENT, OUTCOME, Outcomes, compare

BIG = 900_000_000_000_000_000  # fen: eleven of these overflow int64


def outcomes(decisions: list[tuple], installments: list[tuple]) -> Outcomes:  # type: ignore[type-arg]
    return Outcomes(pd.DataFrame(decisions, columns=OUTCOME), pd.DataFrame(installments, columns=INSTALLMENT))


def test_totals_are_exact_past_int64() -> None:
    ids = [f"X{i}" for i in range(11)]
    decisions = [(i, "A1", "U", "approved", "", BIG) for i in ids]
    installments = [(i, 1, 2024, BIG, "A1") for i in ids]
    before = outcomes(decisions, installments)
    after = outcomes(decisions[:10], installments[:10])
    comparison = compare(before, after)
    [row] = comparison.totals.to_dict("records")
    assert (row["before_fen"], row["after_fen"], row["difference_fen"]) == (11 * BIG, 10 * BIG, -BIG)
    assert comparison.difference_fen == -BIG
    [gone] = comparison.changed.to_dict("records")  # X10: decided before only
    assert (gone["application_id"], gone["status_after"], gone["award_after_fen"]) == ("X10", "", 0)
    assert gone["installments_before"] == "2024:9000000000000000.00" and gone["installments_after"] == ""


def test_an_installment_moved_to_another_year_is_a_change_and_one_cent_is_too() -> None:
    before = outcomes([("A", "A2", "U", "approved", "", 300)], [("A", 1, 2024, 100, "A2"), ("A", 2, 2025, 200, "A2")])
    moved = outcomes([("A", "A2", "U", "approved", "", 300)], [("A", 1, 2024, 100, "A2"), ("A", 2, 2026, 200, "A2")])
    cent = outcomes([("A", "A2", "U", "approved", "", 301)], [("A", 1, 2024, 101, "A2"), ("A", 2, 2025, 200, "A2")])
    assert compare(before, before).changed.empty
    [row] = compare(before, moved).changed.to_dict("records")
    assert row["installments_after"] == "2024:1.00;2026:2.00" and row["award_after_fen"] == 300
    assert compare(before, moved).status_moves == {}
    [row] = compare(before, cent).changed.to_dict("records")
    assert (row["award_before_fen"], row["award_after_fen"]) == (300, 301)
