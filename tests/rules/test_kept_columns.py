"""Columns kept compactly (rules.table.kept_column) give back each row's own value, and a batch of several
files keeps them compact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.applications import batch_frame, inputs_texts
from rules.table import Applications, decision_order, kept_column, objects


def _kept(values: list[object], kind: str) -> object:
    return kept_column(np.array(values, dtype=object), kind)


def test_each_row_gets_back_its_own_value() -> None:
    dates = _kept([date(2024, 3, 1), None, date(2024, 3, 1)], "date")
    assert isinstance(dates, pd.Categorical) and list(dates.categories) == [date(2024, 3, 1)]
    assert objects(dates).tolist() == [date(2024, 3, 1), None, date(2024, 3, 1)]
    assert objects(dates, "default").tolist() == [date(2024, 3, 1), "default", date(2024, 3, 1)]
    texts = _kept(["MK-1", None, "闵行"], "text")
    assert isinstance(texts, pd.arrays.ArrowExtensionArray)
    assert objects(texts).tolist() == ["MK-1", None, "闵行"]
    flags = _kept([True, False, None], "bool")
    assert [type(v) for v in objects(flags).tolist()] == [bool, bool, type(None)]


def test_amounts_written_differently_stay_as_written() -> None:
    amounts = _kept([Decimal("1.0"), Decimal("1.00"), None], "amount")
    assert [str(v) for v in objects(amounts).tolist()] == ["1.0", "1.00", "None"]


def _table(file: str, ids: list[str], days: list[date]) -> SimpleNamespace:
    frame = pd.DataFrame(
        {
            "application_id": _kept(ids, "text"),
            "submitted_on": _kept(days, "date"),
            "clause": _kept(["A2"] * len(ids), "clause"),
        }
    )
    return SimpleNamespace(file=file, frame=frame, row_numbers=list(range(2, 2 + len(ids))))


def test_a_batch_of_two_files_stays_compact_and_in_decision_order() -> None:
    first = _table("a.csv", ["B", "A"], [date(2024, 3, 2), date(2024, 3, 2)])
    second = _table("b.csv", ["C"], [date(2024, 3, 1)])
    batch = batch_frame([first, second])
    assert isinstance(batch["submitted_on"].dtype, pd.CategoricalDtype)
    assert objects(batch["submitted_on"]).tolist() == [date(2024, 3, 2), date(2024, 3, 2), date(2024, 3, 1)]
    table = Applications.from_frame(batch)
    assert table.values("application_id").tolist() == ["C", "A", "B"]
    assert table.values("entity_type").tolist() == ["enterprise"] * 3  # the default of an absent column
    defaults = '"entity_type":"enterprise","major_project":false'  # as the application has them (as_inputs)
    assert inputs_texts(batch) == [
        '{"application_id":"B","clause":"A2",' + defaults + ',"submitted_on":"2024-03-02"}',
        '{"application_id":"A","clause":"A2",' + defaults + ',"submitted_on":"2024-03-02"}',
        '{"application_id":"C","clause":"A2",' + defaults + ',"submitted_on":"2024-03-01"}',
    ]


def _no_surrogate(text: str) -> bool:
    return not any("\ud800" <= c <= "\udfff" for c in text)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.dates(date(2024, 1, 1), date(2024, 1, 4)), st.text(min_size=1, max_size=6).filter(_no_surrogate)),
        min_size=1,
        max_size=40,
        unique_by=lambda r: r[1],
    )
)
def test_decision_order_is_python_s_order_of_day_and_id(rows: list[tuple[date, str]]) -> None:
    days = np.array([d for d, _ in rows], dtype=object)
    ids = np.array([i for _, i in rows], dtype=object)
    expected = sorted(rows)
    for kept_days, kept_ids in ((days, ids), (kept_column(days, "date"), kept_column(ids, "text"))):
        order = decision_order(kept_days, kept_ids)
        assert [rows[i] for i in order] == expected
