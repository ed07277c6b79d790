"""Screening against reference data on a day: X-CREDIT (blacklist) and X-SCOPE (registry)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from rules.model import ListingPeriod, RegistrationChange


def is_blacklisted(blacklist: Mapping[str, Sequence[ListingPeriod]], uscc: str, day: date) -> bool:
    """X-CREDIT: listed on ``day`` ⇔ listed_on ≤ day and (removed_on empty or day < removed_on)."""
    return any(p.listed_on <= day and (p.removed_on is None or day < p.removed_on) for p in blacklist.get(uscc, ()))


def registration_on(
    registry: Mapping[str, Sequence[RegistrationChange]],
    uscc: str,
    day: date,
    business_in_minhang: bool,
    tax_in_minhang: bool,
) -> tuple[bool, bool, date | None]:
    """X-SCOPE: the registration flags on ``day``; the latest registry row on or before it overrides the
    application's own flags. Returns (business, tax, effective date of the overriding row or None)."""
    latest: RegistrationChange | None = None
    for change in registry.get(uscc, ()):
        if change.effective_on <= day and (latest is None or change.effective_on >= latest.effective_on):
            latest = change
    if latest is None:
        return business_in_minhang, tax_in_minhang, None
    return latest.business_in_minhang, latest.tax_in_minhang, latest.effective_on
