"""A database refusing the data of a run (``DataError``: a value it cannot store; ``IntegrityError``: a constraint)
said in the run's terms: the run's files, and the file, row and column of the value when the database names one
(PostgreSQL does: ``COPY applications, line 3, column application_id: "..."`` or ``Key (application_id)=(...)``).

Validation keeps every value CONTRACT.md calls bad out of the database (validations/), so such an error means a
rule of the database that validation does not know, or a defect; the run is one transaction, nothing of it is
stored either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from sqlalchemy.exc import DataError, IntegrityError

from core.errors import SubsidyError
from rules.table import objects
from validations.batch import ValidatedTable
from validations.values import shown

_COPY_CONTEXT = re.compile(r'column (\w+): "(.*)"\s*$', re.DOTALL)
_KEY_DETAIL = re.compile(r"Key \((\w+)\)=\((.*)\)", re.DOTALL)


@contextmanager
def said_with_the_input(tables: Sequence[ValidatedTable]) -> Iterator[None]:
    """Turn a ``DataError`` or ``IntegrityError`` raised inside into a ``SubsidyError`` naming the input."""
    try:
        yield
    except (DataError, IntegrityError) as e:
        raise SubsidyError(refusal_message(e, tables)) from e


def refusal_message(error: DataError | IntegrityError, tables: Sequence[ValidatedTable]) -> str:
    orig = error.orig
    said = str(orig).strip().splitlines()[0] if str(orig).strip() else error.__class__.__name__
    where = _where(getattr(orig, "diag", None), tables)
    files = ", ".join(t.file for t in tables) or "no application file (reference data only)"
    return (
        f"the database refused this run's data ({shown(said)}){where}; nothing of the run is stored. "
        f"The run's files: {files}"
    )


def _where(diag: Any, tables: Sequence[ValidatedTable]) -> str:
    """``, at <file>, row <n>, column <c>`` for the value the database names, when one of the tables holds it."""
    found = None
    for text, pattern in (
        (getattr(diag, "context", None), _COPY_CONTEXT),
        (getattr(diag, "message_detail", None), _KEY_DETAIL),
    ):
        match = pattern.search(text or "")
        if match:
            found = _locate(tables, match[1], match[2])
            if found:
                break
    return f", at {found}" if found else ""


def _locate(tables: Sequence[ValidatedTable], column: str, value: str) -> str | None:
    """``<file>, row <n>, column <c>`` of the first row whose ``column`` reads ``value`` (PostgreSQL cuts a long
    value in its context and ends it with ``...``: then the value begins so)."""
    cut = value.endswith("...")
    prefix = value[:-3] if cut else value
    for table in tables:
        if column not in table.frame.columns:
            continue
        cells = objects(table.frame[column])
        texts = np.array(["" if c is None else str(c) for c in cells.tolist()], dtype=object)
        hits = np.flatnonzero([t.startswith(prefix) for t in texts] if cut else texts == value)
        if len(hits):
            return f"{table.file}, row {table.row_numbers[int(hits[0])]}, column {column}"
    return None
