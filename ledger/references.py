"""Reference-data snapshots: each load of a reference file kept whole, and the reference data in force (the
latest load of each kind) as the rules read it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ledger.models import (
    BankAccountEntry,
    BlacklistEntry,
    CaseDecisionRecord,
    ExternalAward,
    OnboardingEntry,
    ReferenceLoad,
    RegistryEntry,
    now_utc,
)
from rules.model import CaseDecision, ListingPeriod, Onboarding, ReferenceData, RegistrationChange
from rules.money import ZERO, from_fen, round_given_amount, to_fen
from rules.params import PolicyParameters, default_parameters
from rules.table import objects

REFERENCE_TABLES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "blacklist": (BlacklistEntry, ("uscc", "listed_on", "removed_on", "source")),
    "registry": (RegistryEntry, ("uscc", "business_in_minhang", "tax_in_minhang", "effective_on")),
    "external_awards": (ExternalAward, ("uscc", "project_id", "kind", "amount", "policy")),
    "case_decisions": (CaseDecisionRecord, ("application_id", "amount", "approved_by", "document_ref", "decided_on")),
    "onboardings": (OnboardingEntry, ("provider_uscc", "enterprise_uscc", "claim_year", "onboarded_on")),
    "bank_accounts": (BankAccountEntry, ("uscc", "account_name", "bank_name", "account_no", "effective_on")),
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
    values = {name: objects(frame[name]).tolist() for name in columns}
    rows = []
    for i in range(len(frame)):
        row = {"load_id": load.id, **{name: values[name][i] for name in columns if name != "amount"}}
        if "amount" in columns:
            row["amount_fen"] = given_amount_fen(values["amount"][i], params)
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


def latest_reference_checksum(session: Session, kind: str) -> str | None:
    return session.execute(
        select(ReferenceLoad.checksum).where(ReferenceLoad.kind == kind).order_by(ReferenceLoad.id.desc()).limit(1)
    ).scalar_one_or_none()
