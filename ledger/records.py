"""Storing and reading the system's memory: reference-data loads, applications, decisions, quarantine (the
installments of an award are its commitment entries in the ledger). What earlier runs granted is read from
here, never re-derived from old files."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.orm import Session

from ledger.bulk import bulk_insert, bulk_insert_tuples, lookup
from ledger.models import (
    ApplicationRecord,
    BlacklistEntry,
    CaseDecisionRecord,
    DecisionRecord,
    ExternalAward,
    InboxFile,
    IntakeRun,
    LedgerTransaction,
    OnboardingEntry,
    ParameterSet,
    QuarantineRecord,
    ReferenceLoad,
    RegistryEntry,
    TransactionKind,
)
from rules.disbursement import DueColumns
from rules.model import (
    APPLICATION_FIELDS,
    Application,
    CaseDecision,
    ListingPeriod,
    Onboarding,
    ReferenceData,
    RegistrationChange,
    Status,
    application_from_row,
)
from rules.money import ZERO, from_fen, round_given_amount, to_fen
from rules.params import PolicyParameters, default_parameters

CHUNK = 500
INSERT_CHUNK = 100_000  # rows per bulk insert: bounded memory for the insert buffers


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def file_checksum(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- applications <-> stored JSON


def application_from_json(data: dict[str, Any]) -> Application:
    values: dict[str, Any] = {}
    for name, value in data.items():
        kind = APPLICATION_FIELDS.get(name)
        if kind is None or value is None:
            continue
        if kind == "amount":
            value = Decimal(value)
        elif kind == "date":
            value = date.fromisoformat(value)
        values[name] = value
    return application_from_row(values)


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
        out.extend(_inputs_texts(frame.iloc[start : start + chunk]))
    return out


def _inputs_texts(frame: pd.DataFrame) -> list[str]:
    """``inputs_text(app.as_inputs())`` for every row of a validated frame, column by column: rows that give the
    same columns share one template (keys in order, a ``%s`` per value), filled in with their values (entity
    type and major project take their defaults when empty)."""
    names = sorted(n for n in APPLICATION_FIELDS if n in frame.columns)
    defaults = {"entity_type": "enterprise", "major_project": False}
    n = len(frame)
    slots: list[str] = []
    values: list[np.ndarray] = []
    pattern = np.zeros(n, dtype=np.int64)  # which columns each row gives, as bits
    for j, name in enumerate(names):
        column = frame[name]
        if name in defaults:
            column = column.where(column.notna(), defaults[name])
        given = column.notna().to_numpy()
        pattern |= given.astype(np.int64) << j
        slot, rendered = _json_slot(name, column.to_numpy(dtype=object), given, APPLICATION_FIELDS[name])
        slots.append(slot)
        values.append(rendered)
    out = np.empty(n, dtype=object)
    for bits in np.unique(pattern).tolist():  # rows giving the same columns are rendered together
        rows = np.flatnonzero(pattern == bits)
        present = [j for j in range(len(names)) if bits >> j & 1]
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
        part["_file"] = table.file
        part["_row"] = table.row_numbers
        part["_table"] = number
        part["_pos"] = range(len(part))
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*APPLICATION_FIELDS, "_file", "_row", "_table", "_pos"])
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def inputs_and_hashes(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The canonical inputs text of each row of a validated frame and its content hash (SHA-256 of the text)."""
    texts = inputs_texts(frame)
    return texts, [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]


# ---------------------------------------------------------------- reference data


REFERENCE_TABLES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "blacklist": (BlacklistEntry, ("uscc", "listed_on", "removed_on", "source")),
    "registry": (RegistryEntry, ("uscc", "business_in_minhang", "tax_in_minhang", "effective_on")),
    "external_awards": (ExternalAward, ("uscc", "project_id", "kind", "amount", "policy")),
    "case_decisions": (CaseDecisionRecord, ("application_id", "amount", "approved_by", "document_ref", "decided_on")),
    "onboardings": (OnboardingEntry, ("provider_uscc", "enterprise_uscc", "claim_year", "onboarded_on")),
}
"""Each reference kind's table and the columns of its file it keeps (an ``amount`` is kept as ``amount_fen``)."""


def given_amount_fen(amount: Decimal, params: PolicyParameters | None = None) -> int:
    """An amount given outside the rules (a case decision, another policy's award) in fen, rounded to the fen as
    it enters the system under the I-15 reading of ``params`` (default: the shipped ones, half-up)."""
    return to_fen(round_given_amount(amount, (params or default_parameters()).reading("I-15")))


def store_reference(session: Session, kind: str, file: str, checksum: str, frame: pd.DataFrame) -> int:
    """Keep one load of a reference file (a full snapshot of its kind) and its rows; amounts rounded under I-15."""
    if kind not in REFERENCE_TABLES:
        raise ValueError(kind)
    table, columns = REFERENCE_TABLES[kind]
    load = ReferenceLoad(kind=kind, file=file, checksum=checksum, row_count=len(frame), loaded_at=now_utc())
    session.add(load)
    session.flush()
    params = default_parameters()
    rows = []
    for r in frame.to_dict("records"):
        row = {"load_id": load.id, **{name: r[name] for name in columns if name != "amount"}}
        if "amount" in columns:
            row["amount_fen"] = given_amount_fen(r["amount"], params)
        rows.append(row)
    if rows:
        session.execute(insert(table), rows)
    return load.id


def latest_load_id(session: Session, kind: str) -> int | None:
    return session.execute(select(func.max(ReferenceLoad.id)).where(ReferenceLoad.kind == kind)).scalar_one_or_none()


def reference_in_force(session: Session) -> ReferenceData:
    """The latest load of each kind; case decisions accumulate (the latest per application is in force)."""
    ref = ReferenceData()
    blacklist_id = latest_load_id(session, "blacklist")
    ref.blacklist_load_id = blacklist_id
    if blacklist_id is not None:
        for uscc, listed_on, removed_on in session.execute(
            select(BlacklistEntry.uscc, BlacklistEntry.listed_on, BlacklistEntry.removed_on).where(
                BlacklistEntry.load_id == blacklist_id
            )
        ):
            ref.blacklist[uscc].append(ListingPeriod(listed_on, removed_on))
    registry_id = latest_load_id(session, "registry")
    if registry_id is not None:
        for uscc, business, tax, effective_on in session.execute(
            select(
                RegistryEntry.uscc,
                RegistryEntry.business_in_minhang,
                RegistryEntry.tax_in_minhang,
                RegistryEntry.effective_on,
            ).where(RegistryEntry.load_id == registry_id)
        ):
            ref.registry[uscc].append(RegistrationChange(effective_on, business, tax))
    awards_id = latest_load_id(session, "external_awards")
    if awards_id is not None:
        for uscc, project_id, kind, fen in session.execute(
            select(ExternalAward.uscc, ExternalAward.project_id, ExternalAward.kind, ExternalAward.amount_fen).where(
                ExternalAward.load_id == awards_id
            )
        ):
            key = (uscc, project_id or uscc, kind)
            ref.external_awards[key] = ref.external_awards.get(key, ZERO) + from_fen(fen)
    onboardings_id = latest_load_id(session, "onboardings")
    if onboardings_id is not None:
        ref.onboardings = [
            Onboarding(provider, enterprise, year, onboarded_on)
            for provider, enterprise, year, onboarded_on in session.execute(
                select(
                    OnboardingEntry.provider_uscc,
                    OnboardingEntry.enterprise_uscc,
                    OnboardingEntry.claim_year,
                    OnboardingEntry.onboarded_on,
                )
                .where(OnboardingEntry.load_id == onboardings_id)
                .order_by(OnboardingEntry.id)
            )
        ]
    for rec in session.execute(select(CaseDecisionRecord).order_by(CaseDecisionRecord.id)).scalars():
        ref.case_decisions[rec.application_id] = CaseDecision(
            rec.application_id, from_fen(rec.amount_fen), rec.approved_by, rec.document_ref, rec.decided_on
        )
    return ref


# ---------------------------------------------------------------- history and applications already ingested


def known_applications(session: Session, ids: Sequence[str]) -> dict[str, str]:
    """application_id → content hash of those among ``ids`` already ingested. When the stored applications are
    not many more than ``ids``, one scan of them is cheaper than many look-ups."""
    stored = session.execute(select(func.count()).select_from(ApplicationRecord)).scalar_one()
    if stored == 0 or not ids:
        return {}
    if stored > 4 * len(ids):
        return lookup(session, ApplicationRecord.application_id, ApplicationRecord.content_hash, ids)
    wanted = set(ids)
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
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for data in session.execute(
            select(ApplicationRecord.data)
            .join(DecisionRecord)
            .where(DecisionRecord.status == Status.MANUAL.value, ApplicationRecord.application_id.in_(chunk))
        ).scalars():
            out.append(application_from_json(data))
    return out


# ---------------------------------------------------------------- storing an intake run's outcome


def start_intake_run(session: Session, as_of: date, files: list[dict[str, Any]]) -> IntakeRun:
    run = IntakeRun(started_at=now_utc(), as_of=as_of, files=files, validation={})
    session.add(run)
    session.flush()
    return run


def store_applications(session: Session, run_id: int, batch: pd.DataFrame) -> None:
    """The new applications of a run (rows of ``batch_frame``), their canonical inputs text as data, a chunk of
    rows at a time."""
    names = ("application_id", "content_hash", "data", "source_file", "source_row", "intake_run_id")
    for start in range(0, len(batch), INSERT_CHUNK):
        part = batch.iloc[start : start + INSERT_CHUNK]
        texts, hashes = inputs_and_hashes(part)
        rows = list(
            zip(
                part["application_id"].tolist(),
                hashes,
                texts,  # JSON text already
                part["_file"].tolist(),
                part["_row"].tolist(),
                [run_id] * len(part),
                strict=True,
            )
        )
        del texts, hashes
        bulk_insert_tuples(session, ApplicationRecord.__table__, names, rows)


def parameter_set_hashes(session: Session, sets: Sequence[dict[str, Any] | None]) -> list[str | None]:
    """Store each distinct set of parameter values (and readings) once; the hash of each decision's set.
    Decisions that used the same parameters share the very same dict, so the canonical JSON is computed once
    per distinct set, not once per decision."""
    by_identity: dict[int, str] = {}
    values_by_hash: dict[str, dict[str, Any]] = {}
    hashes: list[str | None] = []
    for params in sets:
        if not params:
            hashes.append(None)
            continue
        digest = by_identity.get(id(params))
        if digest is None:
            text = json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            digest = by_identity[id(params)] = hashlib.sha256(text.encode("utf-8")).hexdigest()
            values_by_hash[digest] = params
        hashes.append(digest)
    known = set(lookup(session, ParameterSet.hash, ParameterSet.hash, list(values_by_hash)))
    bulk_insert(
        session,
        ParameterSet.__table__,
        [{"hash": h, "values": v} for h, v in values_by_hash.items() if h not in known],
    )
    return hashes


DECISION_INSERT = (
    "application_id",
    "clause",
    "uscc",
    "status",
    "reasons",
    "award_total_fen",
    "recipient_uscc",
    "decided_on",
    "kind",
    "project_key",
    "claim_year",
    "trace",
    "parameter_set",
    "intake_run_id",
    "recipient_entity_type",
    "recipient_business_in_minhang",
    "recipient_tax_in_minhang",
)


def store_decisions(session: Session, run_id: int, decided: pd.DataFrame, replacing: set[str]) -> None:
    """New decisions are inserted; a ``manual`` one whose case decision arrived is replaced (only those).
    ``decided`` is the decisions table of ``rules.outcomes.decide_run`` (traces as JSON text)."""
    order = np.argsort(decided["application_id"].to_numpy(dtype=object), kind="stable")
    decided = decided.iloc[order]  # the primary key's order: inserts append
    hashes = parameter_set_hashes(session, decided["parameter_set"].tolist())
    days: dict[date, str] = {}
    replaced: list[tuple[Any, ...]] = []
    for start in range(0, len(decided), INSERT_CHUNK):
        part = decided.iloc[start : start + INSERT_CHUNK]
        rows = list(
            zip(
                part["application_id"].tolist(),
                part["clause"].tolist(),
                part["uscc"].tolist(),
                part["status"].tolist(),
                part["reasons"].tolist(),
                [int(f) for f in part["award_fen"].tolist()],
                part["recipient_uscc"].tolist(),
                [days.get(d) or days.setdefault(d, d.isoformat()) for d in part["decided_on"].tolist()],
                part["kind"].tolist(),
                part["project_key"].tolist(),
                part["claim_year"].tolist(),
                part["trace"].tolist(),  # JSON text already
                hashes[start : start + INSERT_CHUNK],
                [run_id] * len(part),
                part["recipient_entity_type"].tolist(),
                [bool(v) for v in part["recipient_business_in_minhang"].tolist()],
                [bool(v) for v in part["recipient_tax_in_minhang"].tolist()],
                strict=True,
            )
        )
        if replacing:
            replaced += [r for r in rows if r[0] in replacing]
            rows = [r for r in rows if r[0] not in replacing]
        bulk_insert_tuples(session, DecisionRecord.__table__, DECISION_INSERT, rows)
    for row in replaced:
        values = dict(zip(DECISION_INSERT, row, strict=True))
        values["trace"] = {**json.loads(values["trace"]), "replaces": "manual decision waiting for a case decision"}
        values["decided_on"] = date.fromisoformat(values["decided_on"])
        session.execute(
            update(DecisionRecord)
            .where(DecisionRecord.application_id == row[0], DecisionRecord.status == Status.MANUAL.value)
            .values(**{k: values[k] for k in DECIDED_COLUMNS})
        )


DECIDED_COLUMNS = ("status", "reasons", "award_total_fen", "decided_on", "trace", "parameter_set", "intake_run_id")
"""What deciding a manual decision changes (the application, its clause, kind, project and recipient stay):
the only columns of ``decisions`` the application role may update (deploy/postgres-roles.sql)."""


def raw_row_hash(raw: dict[str, Any], reason: str) -> str:
    text = json.dumps([raw, reason], sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_quarantine_rows(session: Session, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The rows not quarantined before (an identical bad row sent again changes nothing), and how many were."""
    hashes = list({r["raw_hash"] for r in rows})
    seen = set(lookup(session, QuarantineRecord.raw_hash, QuarantineRecord.raw_hash, hashes))
    fresh: list[dict[str, Any]] = []
    for row in rows:
        if row["raw_hash"] not in seen:
            seen.add(row["raw_hash"])
            fresh.append(row)
    return fresh, len(rows) - len(fresh)


def store_inbox_files(session: Session, run_id: int | None, files: list[dict[str, Any]]) -> None:
    """Record the inbox files a run took in (or rejected), so the same file dropped again is skipped."""
    if files:
        session.execute(
            insert(InboxFile),
            [{**f, "intake_run_id": run_id, "received_at": f.get("received_at") or now_utc()} for f in files],
        )


def known_inbox_files(session: Session, checksums: Sequence[str]) -> dict[str, tuple[str, str]]:
    """checksum → (status, archived_as) of files the inbox took in before."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(checksums), CHUNK):
        for checksum, status, archived in session.execute(
            select(InboxFile.checksum, InboxFile.status, InboxFile.archived_as).where(
                InboxFile.checksum.in_(list(checksums[start : start + CHUNK]))
            )
        ):
            found[checksum] = (status, archived)
    return found


def latest_reference_checksum(session: Session, kind: str) -> str | None:
    return session.execute(
        select(ReferenceLoad.checksum).where(ReferenceLoad.kind == kind).order_by(ReferenceLoad.id.desc()).limit(1)
    ).scalar_one_or_none()


def store_quarantine(session: Session, run_id: int, rows: list[dict[str, Any]]) -> None:
    bulk_insert(session, QuarantineRecord.__table__, [{**r, "intake_run_id": run_id} for r in rows])


# ---------------------------------------------------------------- disbursement


def due_installments(session: Session, year: int) -> DueColumns:
    """Installments (commitment entries) due in a year ≤ ``year`` that no cycle has paid or forfeited yet and
    that no correction has reversed, with what the application said of the recipient's registration."""
    commitment = LedgerTransaction.__table__.alias("commitment")
    other = LedgerTransaction.__table__.alias("other")
    settled = exists().where(
        other.c.application_id == commitment.c.application_id,
        other.c.installment == commitment.c.installment,
        other.c.kind.in_([TransactionKind.PAYMENT.value, TransactionKind.FORFEIT.value]),
    )
    reversed_ = exists().where(other.c.reverses_seq == commitment.c.seq)
    rows = (
        session.connection()
        .execute(
            select(
                commitment.c.application_id,
                commitment.c.installment,
                commitment.c.clause,
                commitment.c.recipient_uscc,
                commitment.c.fiscal_year,
                commitment.c.amount_fen,
                DecisionRecord.recipient_entity_type,
                DecisionRecord.recipient_business_in_minhang,
                DecisionRecord.recipient_tax_in_minhang,
                DecisionRecord.uscc,
            )
            .join(DecisionRecord, DecisionRecord.application_id == commitment.c.application_id)
            .where(
                commitment.c.kind == TransactionKind.COMMITMENT.value,
                commitment.c.fiscal_year <= year,
                ~settled,
                ~reversed_,
            )
            .order_by(commitment.c.fiscal_year, commitment.c.application_id, commitment.c.installment)
        )
        .all()
    )
    if not rows:
        return DueColumns()
    app_id, number, clause, recipient, due_year, fen, entity, business, tax, applicant = (
        list(c) for c in zip(*rows, strict=True)
    )
    return DueColumns(
        app_id,
        number,
        clause,
        recipient,
        due_year,
        fen,
        [e or "enterprise" for e in entity],
        [bool(b) for b in business],
        [bool(t) for t in tax],
        applicant,
    )
