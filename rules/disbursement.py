"""The disbursement cycle's rule: each due installment is paid or forfeited after screening its recipient on
the cycle's as-of date (X-CREDIT, X-SCOPE through the registry; I-6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rules.model import Reason, ReferenceData, ordered_reasons
from rules.params import PolicyParameters
from rules.screening import is_blacklisted, registration_on


@dataclass(frozen=True, slots=True)
class DueInstallment:
    application_id: str
    number: int
    clause: str
    recipient_uscc: str
    due_year: int
    amount_fen: int
    entity_type: str
    business_in_minhang: bool
    tax_in_minhang: bool


@dataclass(frozen=True, slots=True)
class Settlement:
    installment: DueInstallment
    paid: bool
    reasons: tuple[Reason, ...]


def settle_installments(
    due: list[DueInstallment], reference: ReferenceData, params: PolicyParameters, as_of: date
) -> list[Settlement]:
    """I-6 (forfeit): an installment whose recipient is blacklisted, or no longer registered in Minhang, on the
    as-of date is forfeited and never paid later. Under the alternative reading (suspend) it is left unsettled
    and comes up again in a later cycle."""
    found = screen_recipients(
        [(d.recipient_uscc, d.entity_type, d.business_in_minhang, d.tax_in_minhang) for d in due],
        reference,
        params,
        as_of,
    )
    suspend = params.reading("I-6") == "suspend"
    return [Settlement(d, paid=not r, reasons=r) for d, r in zip(due, found, strict=True) if not (r and suspend)]


def screen_recipients(
    recipients: list[tuple[str, str, bool, bool]], reference: ReferenceData, params: PolicyParameters, as_of: date
) -> list[tuple[Reason, ...]]:
    """For each (recipient, entity type, business and tax registration the application gave): why it may not be
    paid on ``as_of`` (X-CREDIT; X-SCOPE with the registry overriding the application's flags), empty when it
    may. Each distinct recipient is screened once."""
    exempt = set(params.at("X.registration_exempt_entity_types", as_of).value)
    screened: dict[tuple[str, str, bool, bool], tuple[Reason, ...]] = {}
    out: list[tuple[Reason, ...]] = []
    for key in recipients:
        found = screened.get(key)
        if found is None:
            recipient, entity, business, tax = key
            reasons: set[Reason] = set()
            if is_blacklisted(reference.blacklist, recipient, as_of):
                reasons.add(Reason.BLACKLISTED)
            if entity not in exempt:
                now_business, now_tax, _ = registration_on(reference.registry, recipient, as_of, business, tax)
                if not (now_business and now_tax):
                    reasons.add(Reason.OUT_OF_SCOPE)
            found = screened[key] = ordered_reasons(reasons)
        out.append(found)
    return out
