"""A batch of applications column by column, in decision order: what every rule of ``rules/`` reads.

Columns hold the parsed values of CONTRACT.md (None where a cell is empty). Typed views (amounts as exact
integer columns, flags, integers, dates) are computed once per batch and shared by the rules that read them;
``take`` gives the rows of one clause and parameter epoch with the same views, sliced.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from rules.model import APPLICATION_FIELDS, Application
from rules.money import AmountColumn, amount_column

DEFAULTS: dict[str, Any] = {"entity_type": "enterprise", "major_project": False}


class Applications:
    """Applications in decision order (``submitted_on``, ``application_id``), one array per input column."""

    def __init__(self, columns: dict[str, np.ndarray], cache: dict[tuple[str, str], Any] | None = None) -> None:
        self.columns = columns
        self.size = len(columns["application_id"])
        self._cache: dict[tuple[str, str], Any] = cache if cache is not None else {}

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Applications:
        """The rows of a validated frame, put in decision order."""
        columns: dict[str, np.ndarray] = {}
        for name in APPLICATION_FIELDS:
            if name not in frame.columns:
                columns[name] = np.full(len(frame), DEFAULTS.get(name), dtype=object)
                continue
            column = frame[name].to_numpy(dtype=object)
            empty = pd.isna(column)
            if empty.any():
                column = column.copy()
                column[empty] = DEFAULTS.get(name)
            columns[name] = column
        order = decision_order(columns["submitted_on"], columns["application_id"])
        return cls({name: column[order] for name, column in columns.items()})

    @classmethod
    def from_applications(cls, applications: list[Application]) -> Applications:
        return cls.from_frame(cls.frame_of(applications))

    @staticmethod
    def frame_of(applications: list[Application]) -> pd.DataFrame:
        names = [f.name for f in fields(Application)]
        return pd.DataFrame([[getattr(a, n) for n in names] for a in applications], columns=names, dtype=object)

    def __len__(self) -> int:
        return self.size

    def take(self, rows: np.ndarray) -> Applications:
        """The rows at ``rows`` (positions, in order), with the typed views computed so far."""
        cache = {key: _take(view, rows) for key, view in self._cache.items()}
        return Applications({name: column[rows] for name, column in self.columns.items()}, cache)

    def values(self, name: str) -> np.ndarray:
        return self.columns[name]

    def _view(self, kind: str, name: str, build: Any) -> Any:
        key = (kind, name)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = build(self.columns[name])
        return found

    def amount(self, name: str) -> AmountColumn:
        """An amount column, exactly (see ``rules.money.AmountColumn``)."""
        return self._view("amount", name, lambda c: amount_column(c.tolist()))  # type: ignore[no-any-return]

    def flag(self, name: str) -> np.ndarray:
        """A yes/no column: True where the cell says yes (empty counts as no)."""
        return self._view("flag", name, lambda c: c == True)  # type: ignore[no-any-return]  # noqa: E712

    def given(self, name: str) -> np.ndarray:
        return self._view("given", name, lambda c: ~pd.isna(c))  # type: ignore[no-any-return]

    def integers(self, name: str) -> np.ndarray:
        """An integer column as int64 (0 where empty)."""
        return self._view("int", name, lambda c: np.array([0 if v is None else v for v in c.tolist()], dtype=np.int64))  # type: ignore[no-any-return]

    def days(self, name: str) -> np.ndarray:
        """A date column as day numbers (date.toordinal; 0 where empty)."""
        return self._view(
            "day", name, lambda c: np.array([0 if v is None else v.toordinal() for v in c.tolist()], dtype=np.int64)
        )  # type: ignore[no-any-return]

    def years(self, name: str) -> np.ndarray:
        """The year of a date column (0 where empty)."""
        return self._view(
            "year", name, lambda c: np.array([0 if v is None else v.year for v in c.tolist()], dtype=np.int64)
        )  # type: ignore[no-any-return]

    def inputs(self, i: int) -> dict[str, Any]:
        """The given inputs of row ``i`` (for a trace)."""
        return {name: column[i] for name, column in self.columns.items() if column[i] is not None}


def _take(view: Any, rows: np.ndarray) -> Any:
    return view.take(rows) if isinstance(view, AmountColumn) else view[rows]


def decision_order(submitted_on: np.ndarray, application_id: np.ndarray) -> np.ndarray:
    """Positions in decision order, (submitted_on, application_id)."""
    days = np.fromiter((d.toordinal() for d in submitted_on), dtype=np.int64, count=len(submitted_on))
    ids = pd.factorize(pd.Series(application_id, dtype=object), sort=True)[0].astype(np.int64)
    return np.lexsort((ids, days))


def isin(values: np.ndarray, wanted: Any) -> np.ndarray:
    """Membership by hashing (``np.isin`` sorts object arrays)."""
    return pd.Series(values, dtype=object, copy=False).isin(list(wanted)).to_numpy(dtype=bool, copy=True)


def group_codes(*keys: np.ndarray) -> np.ndarray:
    """One integer per distinct combination of ``keys`` (columns of equal length)."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        series = pd.Series(key) if key.dtype.kind in "iu" else pd.Series(key, dtype=object)
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
        combined = pd.factorize(combined * (len(uniques) + 1) + codes)[0].astype(np.int64)
    return combined
