"""Turning a raw table into valid typed rows and quarantined rows: parse every cell, then the pandera rules.

Every row ends either valid or quarantined with its raw content, file, row number, column(s) and a reason in
plain words, so nothing is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa
import pyarrow.compute as pc

from rules.table import kept_column, objects
from validations.columns import KINDS, Column
from validations.readers import RawTable
from validations.schemas import CHECK_WORDS, ROW_CHECK_COLUMNS, SCHEMAS, missing_for_clause
from validations.values import NUL, PARSERS, UNSTORABLE, BadValue, parse_text, shown, storable

EXTRA_CELLS = "extra_cells"
"""The column a problem of the row's shape is reported under: cells beyond the header (``RawTable.ragged``)."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    column: str
    message: str


@dataclass
class QuarantinedRow:
    file: str
    row: int
    raw: dict[str, str | None]
    problems: list[RowProblem]
    reason: str = "INVALID_DATA"

    @property
    def columns(self) -> str:
        return ";".join(dict.fromkeys(p.column for p in self.problems))

    @property
    def message(self) -> str:
        return "; ".join(f"{p.column}: {p.message}" for p in self.problems)

    def describe(self) -> str:
        return f"{self.file}, row {self.row}: {self.message}"


@dataclass
class ValidatedTable:
    """Parsed, valid rows (``frame``, its columns kept compactly: ``rules.table.kept_column``; read them with
    ``rules.table.objects``) and their ``row_numbers``, and the quarantined rest. ``repeated_raw`` keeps
    the texts an operator gave for the valid rows whose application_id a valid row earlier in the file gave (by
    position in ``frame``): such a row is quarantined as a duplicate when its content differs, with what was
    given. The texts of the other valid rows are not kept (a million rows of them would double the memory of an
    intake); a row whose id an earlier file gave is shown with its parsed values."""

    file: str
    kind: str
    frame: pd.DataFrame
    row_numbers: list[int]
    quarantined: list[QuarantinedRow] = field(default_factory=list)
    repeated_raw: dict[int, dict[str, str | None]] = field(default_factory=dict)

    def values(self, name: str) -> np.ndarray:
        """The parsed values of a column of the valid rows (None where empty)."""
        return objects(self.frame[name])

    def records(self) -> list[dict[str, Any]]:
        """The valid rows as parsed values by column name (None where empty)."""
        columns = {name: self.values(name).tolist() for name in self.frame.columns}
        return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _parse_column(texts: pd.Series, column: Column) -> tuple[np.ndarray, dict[int, str]]:
    """The values of a column of cell texts (None for an empty or bad cell) and the message of each bad cell by
    position. Each distinct text is parsed once and its value placed at every cell holding it."""
    cells = texts.to_numpy(dtype=object)
    if column.type == "text":  # stripping every cell costs less than finding the distinct texts
        given = cells.tolist()
        values = np.array([None if text is None else text.strip() for text in given], dtype=object)
        if storable("".join(filter(None, given))):  # one look at the whole column: parse_text cannot fail
            return values, {}
        errors: dict[int, str] = {}
        for pos in [pos for pos, text in enumerate(given) if text is not None and UNSTORABLE.search(text)]:
            try:
                parse_text(given[pos])
            except BadValue as e:
                values[pos], errors[pos] = None, str(e)
        return values, errors
    parser = PARSERS[column.type]
    codes, distinct = _distinct_texts(cells)
    parsed: list[Any] = []
    messages: dict[int, str] = {}  # by code
    for code, text in enumerate(distinct.tolist()):
        try:
            parsed.append(parser(text))
        except BadValue as e:
            parsed.append(None)
            messages[code] = str(e)
    values = np.empty(len(parsed) + 1, dtype=object)
    values[:-1] = parsed
    values[-1] = None  # the value of code -1, an empty cell
    errors = {}
    if messages:
        bad = np.zeros(len(values), dtype=bool)
        bad[list(messages)] = True
        for pos in np.flatnonzero(bad[codes]).tolist():
            errors[pos] = messages[int(codes[pos])]
    return values.take(codes), errors


_SAMPLE = 1000


def _distinct_texts(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct texts of a column and the code of each cell (its text's position among them; -1 for an
    empty cell). In a column mostly empty, as its first cells show, they are found among the given cells only."""
    sample = cells[:_SAMPLE]
    if 2 * int(pd.isna(sample).sum()) <= len(sample):
        return pd.factorize(cells)
    given = np.flatnonzero(pd.notna(cells))
    given_codes, distinct = pd.factorize(cells[given])
    codes = np.full(len(cells), -1, dtype=given_codes.dtype)
    codes[given] = given_codes
    return codes, distinct


def _pandera_problems(
    schema: type[pandera.DataFrameModel], frame: pd.DataFrame, unparsed: dict[int, list[RowProblem]]
) -> dict[int, list[RowProblem]]:
    """Row problems found by ``schema``; ``unparsed`` (cells whose text was bad) are not reported again as
    missing for the clause: the operator gave them, they just did not parse."""
    problems: dict[int, list[RowProblem]] = {}
    try:
        schema.validate(frame, lazy=True, inplace=True)  # nothing is coerced: no copy of the frame is needed
    except pandera.errors.SchemaErrors as e:
        cases = e.failure_cases
        cells = {name: frame[name].to_numpy() for name in frame.columns}
        clause_checked: set[int] = set()
        for index, check, case_column, case_failure in zip(
            cases["index"].tolist(),
            map(str, cases["check"].tolist()),
            cases["column"].tolist(),
            cases["failure_case"].tolist(),
            strict=True,
        ):
            if index is None or (isinstance(index, float) and index != index):
                continue
            pos = int(index)
            if check == "clause_required_fields":
                if pos in clause_checked:  # the check reports every column of the row: one problem is enough
                    continue
                clause_checked.add(pos)
                row = SimpleNamespace(**{name: values[pos] for name, values in cells.items()})
                bad = {p.column for p in unparsed.get(pos, [])}
                missing = [name for name in missing_for_clause(row) if name not in bad]
                if missing:
                    problems.setdefault(pos, []).append(
                        RowProblem("clause_required", f"clause {row.clause} requires {', '.join(missing)}")
                    )
                continue
            name, _, bound = check.partition("(")
            bound = bound.removesuffix(")").rpartition("=")[2]  # less_than_or_equal_to(100), max_chars(limit=64)
            words = CHECK_WORDS[name].format(bound) if name in CHECK_WORDS else f"fails {check}"
            column, failure = str(case_column), case_failure
            if name in ROW_CHECK_COLUMNS:
                column = ROW_CHECK_COLUMNS[name]
                if any(p.column == column for p in problems.get(pos, [])):
                    continue
                failure = cells[column][pos]
            value = "" if failure is None else f" ({shown(failure)})"
            problems.setdefault(pos, []).append(RowProblem(column, f"value{value} {words}"))
    return problems


def validate_table(raw: RawTable, earlier_ids: pa.Array | None = None) -> ValidatedTable:
    """Parse and check every row of ``raw``; the valid rows come back typed, the others quarantined.
    ``earlier_ids``: the application ids of the valid rows of the file's earlier chunks (``repeated_raw``)."""
    columns = KINDS[raw.kind]
    parsed: dict[str, np.ndarray] = {}
    problems: dict[int, list[RowProblem]] = {pos: [RowProblem(EXTRA_CELLS, m)] for pos, m in raw.ragged.items()}
    for column in columns:
        parsed[column.name], errors = _parse_column(raw.frame[column.name], column)
        for pos, message in errors.items():
            problems.setdefault(pos, []).append(RowProblem(column.name, message))
    frame = pd.DataFrame(parsed, dtype=object, copy=False)  # copy=False: each column keeps its own array
    for pos, row_problems in _pandera_problems(SCHEMAS[raw.kind], frame, problems).items():
        problems.setdefault(pos, []).extend(
            p for p in row_problems if p.column not in {q.column for q in problems.get(pos, [])}
        )
    texts = {name: raw.frame[name].to_numpy() for name in raw.frame.columns}
    quarantined = [
        QuarantinedRow(raw.file, raw.row_numbers[pos], _raw_dict(texts, pos), problems[pos]) for pos in sorted(problems)
    ]
    valid = np.ones(len(frame), dtype=bool)
    valid[list(problems)] = False
    keep = np.flatnonzero(valid)
    repeated_raw: dict[int, dict[str, str | None]] = {}
    if "application_id" in frame.columns:
        ids = frame["application_id"].to_numpy(dtype=object)[keep]
        again = pd.Series(ids, dtype=object).duplicated(keep="first").to_numpy()
        if earlier_ids is not None and len(earlier_ids) and len(ids):
            given = pa.array(ids, type=pa.large_string())
            again = again | pc.is_in(given, value_set=earlier_ids).to_numpy(zero_copy_only=False)
        for new_pos in np.flatnonzero(again).tolist():
            repeated_raw[new_pos] = _raw_dict(texts, int(keep[new_pos]))
    kept = {c.name: kept_column(parsed[c.name][keep], c.type) for c in columns}
    del frame, parsed
    return ValidatedTable(
        file=raw.file,
        kind=raw.kind,
        frame=pd.DataFrame(kept, copy=False),
        row_numbers=[raw.row_numbers[pos] for pos in keep.tolist()],
        quarantined=quarantined,
        repeated_raw=repeated_raw,
    )


def _raw_dict(texts: dict[str, np.ndarray], pos: int) -> dict[str, str | None]:
    """The cells an operator gave in row ``pos`` (``texts``: the raw frame's columns), verbatim but for what no
    database stores in a text: a NUL kept as ``␀`` (U+2400), half a surrogate pair as ``�`` (U+FFFD)."""
    return {
        name: UNSTORABLE.sub(_storable, column[pos]) if UNSTORABLE.search(column[pos]) else column[pos]
        for name, column in texts.items()
        if column[pos] is not None
    }


def _storable(found: re.Match[str]) -> str:
    return "\u2400" if found[0] == NUL else "\ufffd"
