"""Plain data that rules take and give: applications, reference data, earlier grants, decisions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    MANUAL = "manual"
    QUARANTINED = "quarantined"


class Reason(StrEnum):
    """Reason codes of CONTRACT.md, in the order they are listed there."""

    BLACKLISTED = "BLACKLISTED"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    EXCLUDED_ENTITY = "EXCLUDED_ENTITY"
    FIELD_NOT_IN_PLAN = "FIELD_NOT_IN_PLAN"
    NOT_CERTIFIED = "NOT_CERTIFIED"
    BELOW_THRESHOLD = "BELOW_THRESHOLD"
    OUTSIDE_VALIDITY = "OUTSIDE_VALIDITY"
    INVESTMENT_LIMIT = "INVESTMENT_LIMIT"
    ALREADY_SUPPORTED = "ALREADY_SUPPORTED"
    CAPPED = "CAPPED"
    CASE_BY_CASE = "CASE_BY_CASE"
    INVALID_DATA = "INVALID_DATA"
    DUPLICATE_APPLICATION = "DUPLICATE_APPLICATION"


REASON_ORDER = {r: i for i, r in enumerate(Reason)}


def ordered_reasons(reasons: set[Reason] | list[Reason]) -> tuple[Reason, ...]:
    return tuple(sorted(set(reasons), key=REASON_ORDER.__getitem__))


# The application columns of CONTRACT.md, in contract order, with their value types.
APPLICATION_FIELDS: dict[str, str] = {
    "application_id": "text",
    "clause": "clause",
    "uscc": "uscc",
    "name": "text",
    "submitted_on": "date",
    "project_id": "text",
    "entity_type": "entity_type",
    "business_in_minhang": "bool",
    "tax_in_minhang": "bool",
    "field": "field",
    "certified": "bool",
    "major_project": "bool",
    "fixed_asset_investment": "amount",
    "rd_expense": "amount",
    "equipment_investment": "amount",
    "paid_in_capital": "amount",
    "headcount": "headcount",
    "financing": "amount",
    "annual_rent": "amount",
    "lease_start": "date",
    "investment": "amount",
    "title_level": "title_level",
    "cert_level": "cert_level",
    "claim_year": "claim_year",
    "onboarded_count": "onboarded_count",
    "activity_cost": "amount",
    "provider_uscc": "uscc",
    "provider_in_minhang": "bool",
    "adopted": "bool",
    "report_id": "text",
}


@dataclass(frozen=True, slots=True)
class Application:
    """One parsed, valid application row (CONTRACT.md 'applications')."""

    application_id: str
    clause: str
    uscc: str
    name: str
    submitted_on: date
    business_in_minhang: bool
    tax_in_minhang: bool
    field: str
    project_id: str | None = None
    entity_type: str = "enterprise"
    certified: bool | None = None
    major_project: bool = False
    fixed_asset_investment: Decimal | None = None
    rd_expense: Decimal | None = None
    equipment_investment: Decimal | None = None
    paid_in_capital: Decimal | None = None
    headcount: int | None = None
    financing: Decimal | None = None
    annual_rent: Decimal | None = None
    lease_start: date | None = None
    investment: Decimal | None = None
    title_level: str | None = None
    cert_level: str | None = None
    claim_year: int | None = None
    onboarded_count: int | None = None
    activity_cost: Decimal | None = None
    provider_uscc: str | None = None
    provider_in_minhang: bool | None = None
    adopted: bool | None = None
    report_id: str | None = None

    @property
    def project_key(self) -> str:
        """The project X-HIGHEST compares: ``project_id``, or the applicant itself when empty."""
        return self.project_id or self.uscc

    def as_inputs(self) -> dict[str, Any]:
        """The given (non-empty) fields, JSON-ready, for traces and storage."""
        out: dict[str, Any] = {}
        for name in APPLICATION_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, (Decimal, date)):
                value = str(value) if isinstance(value, Decimal) else value.isoformat()
            out[name] = value
        return out


def application_from_row(row: dict[str, Any]) -> Application:
    """An Application from a parsed row (values already typed; None for empty)."""
    values = {k: v for k, v in row.items() if k in APPLICATION_FIELDS and v is not None}
    values.setdefault("entity_type", "enterprise")
    values.setdefault("major_project", False)
    return Application(**values)


@dataclass(frozen=True, slots=True)
class ListingPeriod:
    listed_on: date
    removed_on: date | None


@dataclass(frozen=True, slots=True)
class RegistrationChange:
    effective_on: date
    business_in_minhang: bool
    tax_in_minhang: bool


@dataclass(frozen=True, slots=True)
class CaseDecision:
    application_id: str
    amount: Decimal
    approved_by: str
    document_ref: str
    decided_on: date


@dataclass(frozen=True, slots=True)
class Onboarding:
    """One row of the ``onboardings`` reference file: an enterprise a provider onboarded in a claim year (I-10)."""

    provider_uscc: str
    enterprise_uscc: str
    claim_year: int
    onboarded_on: date


@dataclass
class ReferenceData:
    """Reference data in force for a run (the latest stored load of each kind)."""

    blacklist: dict[str, list[ListingPeriod]] = field(default_factory=lambda: defaultdict(list))
    registry: dict[str, list[RegistrationChange]] = field(default_factory=lambda: defaultdict(list))
    external_awards: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)
    case_decisions: dict[str, CaseDecision] = field(default_factory=dict)
    onboardings: list[Onboarding] = field(default_factory=list)
    blacklist_load_id: int | None = None


@dataclass(frozen=True, slots=True)
class InvestmentAward:
    """An investment-type award granted in an earlier run (X-ONEINV blocks every later one)."""

    application_id: str
    clause: str
    amount: Decimal
    case_by_case: bool = False


@dataclass
class History:
    """What earlier runs granted, read from the decision records (never re-derived from old files)."""

    granted: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)
    """X-HIGHEST key (``rules.highest.highest_key``) -> total granted by this policy so far."""
    investment_awards: dict[str, InvestmentAward] = field(default_factory=dict)
    """uscc -> the investment-type award granted to it in an earlier run."""
    yearly_used: dict[tuple[str, str, int], Decimal] = field(default_factory=dict)
    """(entity uscc, clause, claim_year) -> amount of the per-year cap already used."""
