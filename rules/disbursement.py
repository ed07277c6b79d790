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
    exempt = set(params.at("X.registration_exempt_entity_types", as_of).value)
    suspend = params.reading("I-6") == "suspend"
    out: list[Settlement] = []
    for item in due:
        reasons: set[Reason] = set()
        if is_blacklisted(reference.blacklist, item.recipient_uscc, as_of):
            reasons.add(Reason.BLACKLISTED)
        if item.entity_type not in exempt:
            business, tax, _ = registration_on(
                reference.registry, item.recipient_uscc, as_of, item.business_in_minhang, item.tax_in_minhang
            )
            if not (business and tax):
                reasons.add(Reason.OUT_OF_SCOPE)
        if reasons and suspend:
            continue
        out.append(Settlement(item, paid=not reasons, reasons=ordered_reasons(reasons)))
    return out
