"""A batch of applications column by column, in decision order: what every rule of ``rules/`` reads.

Columns hold the parsed values of CONTRACT.md (None where a cell is empty). A validated batch keeps them
compactly (``kept_column``: texts as Arrow strings, the other values once each with a small code per row);
a column becomes an array of Python values only when a rule reads it, for the rows it reads. Typed views
(amounts as exact integer columns, flags, integers, dates) are computed once per batch and shared by the rules
that read them; ``take`` gives the rows of one clause and parameter epoch with the same views, sliced.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from rules.model import APPLICATION_FIELDS, Application
from rules.money import AmountColumn, amount_column

DEFAULTS: dict[str, Any] = {"entity_type": "enterprise", "major_project": False}


TEXT_KINDS = frozenset({"text", "uscc"})
"""Value kinds kept as Arrow strings (mostly a different text per row); the others are kept as a Categorical."""

KeptColumn: TypeAlias = np.ndarray | pd.Categorical | pd.arrays.ArrowExtensionArray


class Applications:
    """Applications in decision order (``submitted_on``, ``application_id``): the input columns of the batch as
    given (object arrays, or columns kept compactly) and the positions of this table's rows in them. A column
    becomes an array of Python values, for this table's rows only, the first time it is read (``values``); a
    column no rule reads is never copied."""

    def __init__(
        self,
        columns: dict[str, KeptColumn],
        cache: dict[tuple[str, str], Any] | None = None,
        rows: np.ndarray | None = None,
        read: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.columns = columns
        self.rows = rows
        """Positions of this table's rows in ``columns`` (None: all of them, in their order)."""
        self.size = len(rows) if rows is not None else len(columns["application_id"])
        self._cache: dict[tuple[str, str], Any] = cache if cache is not None else {}
        self._read: dict[str, np.ndarray] = read if read is not None else {}

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Applications:
        """The rows of a validated frame, in decision order (its columns are not copied)."""
        columns: dict[str, KeptColumn] = {}
        for name in APPLICATION_FIELDS:
            if name not in frame.columns:
                columns[name] = np.full(len(frame), DEFAULTS.get(name), dtype=object)
            elif frame[name].dtype == object:
                columns[name] = objects(frame[name].to_numpy(), DEFAULTS.get(name))
            else:
                columns[name] = frame[name].array
        return cls(columns, rows=decision_order(columns["submitted_on"], columns["application_id"]))

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
        """The rows at ``rows`` (positions, in order), with the columns read and typed views computed so far."""
        cache = {key: _take(view, rows) for key, view in self._cache.items()}
        read = {name: values[rows] for name, values in self._read.items()}
        return Applications(self.columns, cache, rows if self.rows is None else self.rows[rows], read)

    def values(self, name: str) -> np.ndarray:
        """A column's values for this table's rows (None where empty, or the column's default)."""
        found = self._read.get(name)
        if found is None:
            column = self.columns[name]
            if self.rows is not None:
                column = _rows_of(column, self.rows)
            # object columns hold their defaults already (``from_frame``)
            found = column if isinstance(column, np.ndarray) else objects(column, DEFAULTS.get(name))
            self._read[name] = found
        return found

    def codes(self, name: str) -> tuple[np.ndarray, Any]:
        """A column as one integer per distinct value for this table's rows (-1 where empty) and the distinct
        values (as the column keeps them), without making a Python value per row or keeping anything read."""
        column = self.columns[name]
        if self.rows is not None:
            column = _rows_of(column, self.rows)
        codes, distinct = pd.factorize(column, use_na_sentinel=True)
        return codes.astype(np.int64), distinct

    def _view(self, kind: str, name: str, build: Any) -> Any:
        key = (kind, name)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = build(self.values(name))
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
        row = {name: self.values(name)[i] for name in self.columns}
        return {name: value for name, value in row.items() if value is not None}


def _take(view: Any, rows: np.ndarray) -> Any:
    return view.take(rows) if isinstance(view, AmountColumn) else view[rows]


def _rows_of(column: KeptColumn, rows: np.ndarray) -> KeptColumn:
    return column[rows] if isinstance(column, np.ndarray) else column.take(rows)


def kept_column(values: np.ndarray, kind: str) -> KeptColumn:
    """A column of parsed values (an object array, None where empty) kept compactly: texts of ``TEXT_KINDS``
    as Arrow strings, dates, flags, numbers and codes each once with a code per row. Amounts stay an array of
    Decimals (shared by the cells of one text): 1.0 and 1.00 are equal but written differently, and a
    Categorical would keep one of them."""
    if kind in TEXT_KINDS:
        return pd.arrays.ArrowExtensionArray(pa.array(values, type=pa.large_string(), from_pandas=True))
    if kind == "amount":
        return values
    codes, distinct = pd.factorize(values)
    return pd.Categorical.from_codes(codes, categories=pd.Index(distinct, dtype=object))


def joined_column(columns: list[Any]) -> KeptColumn:
    """The rows of several columns of one kind (Series or their arrays), one after the other, kept as compactly
    as they were (the codes of Categoricals with different values are made anew; ``pd.concat`` would give
    Python objects)."""
    arrays = [c.array if isinstance(c, pd.Series) else c for c in columns]
    arrays = [a.to_numpy() if isinstance(a, pd.arrays.NumpyExtensionArray) else a for a in arrays]
    if all(isinstance(a, np.ndarray) for a in arrays) and len({a.dtype for a in arrays}) == 1:
        return np.concatenate(arrays)
    if all(isinstance(a, pd.Categorical) for a in arrays):
        return union_categoricals(arrays)
    if all(isinstance(a, pd.arrays.ArrowExtensionArray) for a in arrays):
        return pd.arrays.ArrowExtensionArray(pa.chunked_array([pa.array(a) for a in arrays]))
    return np.concatenate([objects(a) for a in arrays])


def objects(column: Any, default: Any = None) -> np.ndarray:
    """The values of a column (kept compactly or not; a Series or its array) as an object array, ``default``
    where empty: the values a Categorical keeps are shared by the rows that hold them."""
    if isinstance(column, pd.Series):
        column = column.array
    if isinstance(column, pd.Categorical):
        values = np.empty(len(column.categories) + 1, dtype=object)
        values[:-1] = column.categories.to_numpy(dtype=object)
        values[-1] = default  # the value of code -1, an empty cell
        return values.take(column.codes)
    if isinstance(column, pd.arrays.ArrowExtensionArray):  # each text once (a USCC is given by many rows)
        codes, distinct = pd.factorize(column, use_na_sentinel=True)
        values = np.empty(len(distinct) + 1, dtype=object)
        values[:-1] = distinct.to_numpy(dtype=object)
        values[-1] = default
        return values.take(codes)
    out = np.asarray(column, dtype=object)
    empty = pd.isna(out)
    # A validated batch's empty cells are None already: its column is taken as it is (a copy of each column of
    # mostly empty amounts took 16 MB per 2,000,000 rows).
    if empty.any() and (default is not None or any(v is not None for v in out[empty].tolist())):
        out = out.copy()
        out[empty] = default
    return out


def decision_order(submitted_on: KeptColumn, application_id: KeptColumn) -> np.ndarray:
    """Positions in decision order, (submitted_on, application_id)."""
    if isinstance(submitted_on, pd.Categorical):  # each date once
        ordinals = np.array([d.toordinal() for d in submitted_on.categories.tolist()] + [0], dtype=np.int64)
        days = ordinals.take(submitted_on.codes)
    else:
        days = np.fromiter((d.toordinal() for d in objects(submitted_on)), dtype=np.int64, count=len(submitted_on))
    # Arrow compares texts by their UTF-8 bytes, which is code point order, as Python compares them; its sort makes
    # no Python text per id (pandas' sorted factorize did: 218 MB for 2,000,000 ids) and is stable.
    keys = pa.table({"day": days, "id": pa.array(application_id)})
    return pc.sort_indices(keys, sort_keys=[("day", "ascending"), ("id", "ascending")]).to_numpy()


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
