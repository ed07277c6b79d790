"""Turning a raw table into valid typed rows and quarantined rows: parse every cell, then the pandera rules.

Every row ends either valid or quarantined with its raw content, file, row number, column(s) and a reason in
plain words, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pandera.pandas as pa

from validations.columns import KINDS, Column
from validations.readers import RawTable
from validations.schemas import CHECK_WORDS, ROW_CHECK_COLUMNS, SCHEMAS, missing_for_clause
from validations.values import PARSERS, BadValue


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
    """Parsed, valid rows (``frame``, its ``raw`` texts and ``row_numbers``) and the quarantined rest."""

    file: str
    kind: str
    frame: pd.DataFrame
    raw: pd.DataFrame
    row_numbers: list[int]
    quarantined: list[QuarantinedRow] = field(default_factory=list)


def _parse_column(texts: pd.Series, column: Column) -> tuple[list[Any], dict[int, str]]:
    parser = PARSERS[column.type]
    cache: dict[str, Any] = {}
    errors: dict[int, str] = {}
    values: list[Any] = []
    for pos, text in enumerate(texts.tolist()):
        if text is None:
            values.append(None)
            continue
        if text not in cache:
            try:
                cache[text] = parser(text)
            except BadValue as e:
                cache[text] = e
        value = cache[text]
        if isinstance(value, BadValue):
            errors[pos] = str(value)
            values.append(None)
        else:
            values.append(value)
    return values, errors


def _pandera_problems(
    schema: type[pa.DataFrameModel], frame: pd.DataFrame, unparsed: dict[int, list[RowProblem]]
) -> dict[int, list[RowProblem]]:
    """Row problems found by ``schema``; ``unparsed`` (cells whose text was bad) are not reported again as
    missing for the clause: the operator gave them, they just did not parse."""
    problems: dict[int, list[RowProblem]] = {}
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as e:
        cases = e.failure_cases
        for case in cases.itertuples(index=False):
            if case.index is None or (isinstance(case.index, float) and case.index != case.index):
                continue
            pos = int(case.index)
            check = str(case.check)
            if check == "clause_required_fields":
                if any(p.column == "clause_required" for p in problems.get(pos, [])):
                    continue
                row = frame.iloc[pos]
                bad = {p.column for p in unparsed.get(pos, [])}
                missing = [name for name in missing_for_clause(row) if name not in bad]
                if missing:
                    problems.setdefault(pos, []).append(
                        RowProblem("clause_required", f"clause {row['clause']} requires {', '.join(missing)}")
                    )
                continue
            name, _, bound = check.partition("(")
            words = CHECK_WORDS[name].format(bound.removesuffix(")")) if name in CHECK_WORDS else f"fails {check}"
            column, failure = str(case.column), case.failure_case
            if name in ROW_CHECK_COLUMNS:
                column = ROW_CHECK_COLUMNS[name]
                if any(p.column == column for p in problems.get(pos, [])):
                    continue
                failure = frame.iloc[pos][column]
            value = "" if failure is None else f" ({failure!s})"
            problems.setdefault(pos, []).append(RowProblem(column, f"value{value} {words}"))
    return problems


def validate_table(raw: RawTable) -> ValidatedTable:
    """Parse and check every row of ``raw``; the valid rows come back typed, the others quarantined."""
    columns = KINDS[raw.kind]
    parsed: dict[str, list[Any]] = {}
    problems: dict[int, list[RowProblem]] = {}
    for column in columns:
        values, errors = _parse_column(raw.frame[column.name], column)
        parsed[column.name] = values
        for pos, message in errors.items():
            problems.setdefault(pos, []).append(RowProblem(column.name, message))
    frame = pd.DataFrame(parsed, dtype=object)
    for pos, row_problems in _pandera_problems(SCHEMAS[raw.kind], frame, problems).items():
        problems.setdefault(pos, []).extend(
            p for p in row_problems if p.column not in {q.column for q in problems.get(pos, [])}
        )
    quarantined = [
        QuarantinedRow(raw.file, raw.row_numbers[pos], _raw_dict(raw.frame, pos), problems[pos])
        for pos in sorted(problems)
    ]
    keep = [pos for pos in range(len(frame)) if pos not in problems]
    return ValidatedTable(
        file=raw.file,
        kind=raw.kind,
        frame=frame.iloc[keep].reset_index(drop=True),
        raw=raw.frame.iloc[keep].reset_index(drop=True),
        row_numbers=[raw.row_numbers[pos] for pos in keep],
        quarantined=quarantined,
    )


def _raw_dict(frame: pd.DataFrame, pos: int) -> dict[str, str | None]:
    return {k: v for k, v in frame.iloc[pos].to_dict().items() if v is not None}
