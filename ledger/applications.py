"""Stored applications: the inputs of each in typed columns with the hash of their canonical text (the proof they
were not changed), the batch of a run with where each row came from, which were ingested before, and the manual
ones still waiting."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import MISSING
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.bulk import LOOKUP_CHUNK, bulk_insert_tuples, lookup
from ledger.models import ApplicationRecord, DecisionRecord
from rules.model import APPLICATION_FIELDS, Application, Status, application_from_row
from rules.table import joined_column, objects


def stored_application(record: ApplicationRecord) -> Application:
    """The application a stored record holds, as the rules take it."""
    return application_from_row({name: getattr(record, name) for name in APPLICATION_FIELDS})


INPUT_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Application) if f.default not in (None, MISSING)}
"""Inputs that take a default when not given (an entity is an enterprise, a project is not a major one): stored,
and in the inputs text, with it, as ``Application`` has them."""


def inputs_text(inputs: dict[str, Any]) -> str:
    """The canonical JSON text of an application's parsed inputs (sorted keys, compact, non-ASCII kept): what
    ``inputs_texts`` builds column by column for a whole batch (a test holds the two equal)."""
    return json.dumps(inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


_PLAIN_TEXT_KINDS = {"uscc", "clause", "field", "entity_type", "title_level", "cert_level"}
"""Values of these kinds are validated codes: quotes, backslashes and control characters cannot occur."""


_QUOTED_AS_IS_KINDS = {"amount", "date", *_PLAIN_TEXT_KINDS}
"""Kinds whose JSON is the value's ``str`` between quotes (a Decimal's text, an ISO date, a validated code)."""


_NUMBER_KINDS = {"headcount", "claim_year", "onboarded_count"}


def _json_slot(name: str, values: np.ndarray, given: np.ndarray, kind: str) -> tuple[str, np.ndarray]:
    """How one column goes into the inputs texts: its ``"name":value`` part with a ``%s`` where each row's value
    goes, and the values to put there (only the rows where ``given`` count), as ``inputs_text`` renders them."""
    key = json.dumps(name)
    if kind in _QUOTED_AS_IS_KINDS:
        return f'{key}:"%s"', values
    if kind in _NUMBER_KINDS:
        return f"{key}:%s", values
    if kind == "bool":
        return f"{key}:%s", np.where(values == True, "true", "false").astype(object)  # noqa: E712
    texts = values[given].tolist()
    joined = "".join(texts)
    if joined.isprintable() and '"' not in joined and "\\" not in joined:  # nothing JSON escapes
        return f'{key}:"%s"', values
    rendered = np.empty(len(values), dtype=object)
    rendered[given] = [
        f'"{v}"' if v.isprintable() and '"' not in v and "\\" not in v else json.dumps(v, ensure_ascii=False)
        for v in texts
    ]
    return f"{key}:%s", rendered


def inputs_texts(frame: pd.DataFrame, chunk: int = 200_000) -> list[str]:
    """``inputs_text(app.as_inputs())`` for every row of a validated frame (in chunks of rows: bounded memory)."""
    out: list[str] = []
    for start in range(0, len(frame), chunk):
        out.extend(_inputs_texts(_StoredInputs.of(frame.iloc[start : start + chunk])))
    return out


@dataclasses.dataclass
class _StoredInputs:
    """The inputs of a chunk of a validated frame as they are stored, one column each (None where not given, exact
    decimals as their text, dates as ISO text; entity type and major project with their defaults), in the order
    the inputs text names them, and which inputs each row gives (a bit per column)."""

    names: list[str]
    columns: list[np.ndarray]
    given: np.ndarray

    @classmethod
    def of(cls, part: pd.DataFrame) -> _StoredInputs:
        """The inputs of a chunk of a validated frame."""
        return cls.of_columns({name: _stored_column(part, name) for name in APPLICATION_FIELDS}, len(part))

    @classmethod
    def of_columns(cls, columns: dict[str, np.ndarray], n: int) -> _StoredInputs:
        names = sorted(APPLICATION_FIELDS)
        given = np.zeros(n, dtype=np.int64)
        for j, name in enumerate(names):
            given |= pd.notna(columns[name]).astype(np.int64) << j
        return cls(names, [columns[name] for name in names], given)

    def by_given(self) -> Iterator[tuple[np.ndarray, list[int]]]:
        """The rows that give the same inputs, with those inputs (positions in ``names``), pattern by pattern."""
        for bits in np.unique(self.given).tolist():
            yield np.flatnonzero(self.given == bits), [j for j in range(len(self.names)) if bits >> j & 1]


def _inputs_texts(inputs: _StoredInputs) -> list[str]:
    """``inputs_text(app.as_inputs())`` for every row, column by column: rows that give the same inputs share one
    template (keys in order, a ``%s`` per value), filled in with their values (an amount's or a date's stored text
    is the text its JSON quotes)."""
    slots: list[str] = []
    values: list[np.ndarray] = []
    for name, column in zip(inputs.names, inputs.columns, strict=True):
        slot, rendered = _json_slot(name, column, pd.notna(column), APPLICATION_FIELDS[name])
        slots.append(slot)
        values.append(rendered)
    out = np.empty(len(inputs.given), dtype=object)
    for rows, present in inputs.by_given():
        if not present:
            out[rows] = "{}"
            continue
        template = "{" + ",".join(slots[j] for j in present) + "}"
        out[rows] = [template % row for row in zip(*(values[j][rows].tolist() for j in present), strict=True)]
    return out.tolist()


def batch_frame(tables: Sequence[Any]) -> pd.DataFrame:
    """The valid rows of all application files of a run as one frame, with where each came from (``_file``,
    ``_row``, ``_table``, ``_pos``). Their inputs texts are made where they are needed (``inputs_and_hashes``),
    a chunk at a time: a million of them at once would take a gigabyte."""
    parts = []
    for number, table in enumerate(tables):
        part = table.frame.copy(deep=False)
        part["_file"] = pd.Categorical.from_codes(np.zeros(len(part), dtype=np.int8), categories=[table.file])
        part["_row"] = np.asarray(table.row_numbers, dtype=np.int64)
        part["_table"] = number
        part["_pos"] = np.arange(len(part), dtype=np.int64)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*APPLICATION_FIELDS, "_file", "_row", "_table", "_pos"])
    if len(parts) == 1:
        return parts[0]
    return pd.DataFrame({name: joined_column([part[name] for part in parts]) for name in parts[0].columns}, copy=False)


def inputs_and_hashes(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The canonical inputs text of each row of a validated frame and its content hash (SHA-256 of the text)."""
    texts = inputs_texts(frame)
    return texts, _digests(texts)


def _digests(texts: Iterable[str]) -> list[str]:
    sha256 = hashlib.sha256
    return [sha256(t.encode("utf-8")).hexdigest() for t in texts]


def known_applications(session: Session, ids: pd.Series) -> dict[str, str]:
    """application_id → content hash of those among ``ids`` already ingested. When the stored applications are
    not many more than ``ids``, one scan of them is cheaper than many look-ups. The ids become Python texts
    only when some application is stored."""
    stored = session.execute(select(func.count()).select_from(ApplicationRecord)).scalar_one()
    if stored == 0 or not len(ids):
        return {}
    if stored > 4 * len(ids):
        return lookup(session, ApplicationRecord.application_id, ApplicationRecord.content_hash, ids.tolist())
    wanted = set(ids.tolist())
    return {
        app_id: digest
        for app_id, digest in session.execute(
            select(ApplicationRecord.application_id, ApplicationRecord.content_hash)
        ).tuples()
        if app_id in wanted
    }


def manual_waiting_for(session: Session, application_ids: Iterable[str]) -> list[Application]:
    """Stored applications still waiting as ``manual`` among ``application_ids`` (their case decision came)."""
    ids = list(application_ids)
    out: list[Application] = []
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        for record in session.execute(
            select(ApplicationRecord)
            .join(DecisionRecord)
            .where(DecisionRecord.status == Status.MANUAL.value, ApplicationRecord.application_id.in_(chunk))
        ).scalars():
            out.append(stored_application(record))
    return out


APPLICATIONS_CHUNK = 25_000
"""Applications stored at a time: their inputs texts (for the hashes) are made a chunk at a time. 500,000
applications stored 100,000 at a time kept 150 MB more of the intake's memory than 25,000 at a time, and were no
faster; the applications' statement checks (their intake run) do not grow with the table."""


def _stored_column(part: pd.DataFrame, name: str) -> np.ndarray:
    """One input of a chunk of a validated frame as it is stored (``_stored_values``)."""
    if name not in part.columns:
        out = np.empty(len(part), dtype=object)
        out[:] = INPUT_DEFAULTS.get(name)
        return out
    return _stored_values(objects(part[name], INPUT_DEFAULTS.get(name)).tolist(), APPLICATION_FIELDS[name])


def _stored_values(values: list[Any], kind: str) -> np.ndarray:
    """Values of one input as ``bulk_insert_tuples`` takes them: None where not given, exact decimals as their
    text, dates as ISO text."""
    out = np.empty(len(values), dtype=object)
    if kind == "amount":
        out[:] = [None if v is None else str(v) for v in values]
    elif kind == "date":
        texts = {v: v.isoformat() for v in set(values) if v is not None}  # a date per distinct day
        out[:] = [None if v is None else texts[v] for v in values]
    else:
        out[:] = values
    return out


def read_values(values: tuple[Any, ...], kind: str) -> np.ndarray:
    """One input column as the driver reads it back, as the rules take it (what ``ledger.models.INPUT_TYPES``
    gives: exact decimals, dates, flags), each distinct stored value converted once."""
    out = np.empty(len(values), dtype=object)
    convert = _READ.get(kind)
    if convert is None:
        out[:] = values
    else:
        done: dict[Any, Any] = {None: None}
        out[:] = [done[v] if v in done else done.setdefault(v, convert(v)) for v in values]
    return out


_READ: dict[str, Any] = {
    "amount": Decimal,
    "date": lambda v: v if isinstance(v, date) else date.fromisoformat(v),
    "bool": bool,
}


def store_applications(session: Session, run_id: int, batch: pd.DataFrame) -> None:
    """The new applications of a run (rows of ``batch_frame``): their inputs in typed columns and the hash of
    their canonical text, a chunk of rows at a time. Rows that give the same inputs are inserted together, naming
    only those columns: an application gives 10 to 15 of the 30, and SQLite binds every value named, None or not
    (33 columns took five times as long as 13)."""
    for start in range(0, len(batch), APPLICATIONS_CHUNK):
        part = batch.iloc[start : start + APPLICATIONS_CHUNK]
        inputs = _StoredInputs.of(part)
        hashes = np.asarray(_digests(_inputs_texts(inputs)), dtype=object)
        fixed = [hashes, part["_file"].to_numpy(dtype=object), part["_row"].to_numpy()]
        for rows, given in inputs.by_given():
            names = (*(inputs.names[j] for j in given), "content_hash", "source_file", "source_row", "intake_run_id")
            values = [inputs.columns[j][rows].tolist() for j in given] + [c[rows].tolist() for c in fixed]
            bulk_insert_tuples(
                session, ApplicationRecord.__table__, names, list(zip(*values, [run_id] * len(rows), strict=True))
            )


def applications_unchanged(session: Session) -> tuple[int, str | None]:
    """How many applications are stored, and the first (by id) whose inputs no longer give the hash stored with them
    at intake (None when every one does): the inputs texts rebuilt from the columns, a chunk at a time."""
    table = ApplicationRecord.__table__
    query = (
        select(*(table.c[name] for name in APPLICATION_FIELDS), table.c.content_hash)
        .order_by(table.c.application_id)
        .execution_options(yield_per=APPLICATIONS_CHUNK)
    )
    count = 0
    for rows in session.execute(query).partitions():
        columns = list(zip(*rows, strict=True))
        stored = {
            name: _stored_values(list(values), kind)
            for (name, kind), values in zip(APPLICATION_FIELDS.items(), columns, strict=False)
        }
        digests = _digests(_inputs_texts(_StoredInputs.of_columns(stored, len(rows))))
        for app_id, kept, digest in zip(stored["application_id"], columns[-1], digests, strict=True):
            if kept != digest:
                return count, app_id
        count += len(rows)
    return count, None
