"""The disbursement cycle's rule: each due installment is paid or forfeited after screening its recipient on
the cycle's as-of date (X-CREDIT, X-SCOPE through the registry; I-6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from rules.appendix import registration_exempt
from rules.model import Reason, ReferenceData, ordered_reasons
from rules.params import ParametersOn, PolicyParameters
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
    applicant_uscc: str
    """The applicant; for A8 the diagnosed enterprise, screened as well as the recipient (I-11)."""


@dataclass(slots=True)
class DueColumns:
    """The due installments column by column (the cycle's bulk form of a list of ``DueInstallment``)."""

    application_id: list[str] = field(default_factory=list)
    number: list[int] = field(default_factory=list)
    clause: list[str] = field(default_factory=list)
    recipient_uscc: list[str] = field(default_factory=list)
    due_year: list[int] = field(default_factory=list)
    amount_fen: list[int] = field(default_factory=list)
    entity_type: list[str] = field(default_factory=list)
    business_in_minhang: list[bool] = field(default_factory=list)
    tax_in_minhang: list[bool] = field(default_factory=list)
    applicant_uscc: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, due: list[DueInstallment]) -> DueColumns:
        return cls(*([getattr(d, f) for d in due] for f in DueInstallment.__slots__))

    def __len__(self) -> int:
        return len(self.application_id)

    def take(self, keep: list[int]) -> DueColumns:
        """The installments at the positions ``keep``, in that order."""
        return DueColumns(*([column[i] for i in keep] for column in (getattr(self, f) for f in self.__slots__)))


def early_cycle(year: int, as_of: date) -> str | None:
    """Why a cycle of fiscal ``year`` may not run screening on ``as_of``, None when it may: an installment falls
    due in its fiscal year, so a cycle before 1 January of that year would pay early (CONTRACT.md, disburse)."""
    if as_of < date(year, 1, 1):
        return (
            f"the cycle of {year} cannot run as of {as_of.isoformat()}: installments of {year} fall due on "
            f"1 January {year}, and the as-of date screens the recipients; give --as-of {year}-01-01 or later"
        )
    return None


def settle_columns(
    due: DueColumns, reference: ReferenceData, params: PolicyParameters, as_of: date
) -> tuple[list[int], list[tuple[Reason, ...]]]:
    """I-6 (forfeit): an installment whose recipient is blacklisted, or no longer registered in Minhang, on the
    as-of date is forfeited and never paid later. Under the alternative reading (suspend) it is left unsettled
    and comes up again in a later cycle. Returns the positions of the installments settled now and, for each,
    why it is forfeited (empty: paid)."""
    found = screen_recipients(
        list(
            zip(
                due.recipient_uscc,
                due.entity_type,
                due.business_in_minhang,
                due.tax_in_minhang,
                due.clause,
                [
                    a if c == "A8" and a != r else ""  # only a diagnosed enterprise paid through its provider
                    for a, c, r in zip(due.applicant_uscc, due.clause, due.recipient_uscc, strict=True)
                ],
                strict=True,
            )
        ),
        reference,
        params,
        as_of,
    )
    if params.reading("I-6") == "suspend":
        settled = [i for i, r in enumerate(found) if not r]
        return settled, [found[i] for i in settled]
    return list(range(len(found))), found


def screen_recipients(
    recipients: list[tuple[str, str, bool, bool, str, str]],
    reference: ReferenceData,
    params: PolicyParameters,
    as_of: date,
) -> list[tuple[Reason, ...]]:
    """For each (recipient, entity type, business and tax registration the application gave, clause, diagnosed
    enterprise paid through its provider or ""): why it may not be paid on ``as_of`` (X-CREDIT, for the diagnosed
    enterprise too under I-11; X-SCOPE with the registry overriding the application's flags, I-1's exemption),
    empty when it may. Each distinct combination is screened once."""
    distinct = list(dict.fromkeys(recipients))
    p = ParametersOn(params, as_of)
    exempt = registration_exempt(
        np.array([k[1] for k in distinct], dtype=object), np.array([k[4] for k in distinct], dtype=object), p
    ).tolist()
    both = p.reading("I-11") == "enterprise_and_recipient"
    screened: dict[tuple[str, str, bool, bool, str, str], tuple[Reason, ...]] = {}
    for key, is_exempt in zip(distinct, exempt, strict=True):
        recipient, entity, business, tax, _, diagnosed = key
        reasons: set[Reason] = set()
        if is_blacklisted(reference.blacklist, recipient, as_of) or (
            both and diagnosed and is_blacklisted(reference.blacklist, diagnosed, as_of)
        ):
            reasons.add(Reason.BLACKLISTED)
        if not is_exempt:
            now_business, now_tax, _ = registration_on(reference.registry, recipient, as_of, business, tax)
            if not (now_business and now_tax):
                reasons.add(Reason.OUT_OF_SCOPE)
        screened[key] = ordered_reasons(reasons)
    return list(map(screened.__getitem__, recipients))
