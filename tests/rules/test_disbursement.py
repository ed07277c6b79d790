"""The cycle's rule: pay, or forfeit when the recipient is blacklisted or moved out on the as-of date (I-6)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from rules.disbursement import DueColumns, DueInstallment, settle_columns
from rules.model import ListingPeriod, Reason, ReferenceData, RegistrationChange
from rules.params import default_parameters

USCC = "91310112MA1GB0000A"


PROVIDER = "91310112MA1GB0009X"


def settle_installments(due, reference, params, as_of):  # type: ignore[no-untyped-def]
    """What the cycle's rule (``settle_columns``) does with each installment settled now: (paid, reasons)."""
    settled, reasons = settle_columns(DueColumns.of(due), reference, params, as_of)
    return [SimpleNamespace(installment=due[i], paid=not r, reasons=r) for i, r in zip(settled, reasons, strict=True)]


def _due(entity_type: str = "enterprise", clause: str = "A2", recipient: str = USCC) -> DueInstallment:
    return DueInstallment("A-1", 2, clause, recipient, 2025, 80_000_000, entity_type, True, True, USCC)


def test_an_installment_of_a_recipient_in_good_standing_is_paid() -> None:
    [s] = settle_installments([_due()], ReferenceData(), default_parameters(), date(2025, 12, 1))
    assert (s.paid, s.reasons) == (True, ())


def test_an_installment_falling_due_while_blacklisted_is_forfeited() -> None:
    ref = ReferenceData()
    ref.blacklist[USCC].append(ListingPeriod(date(2025, 3, 1), None))
    [s] = settle_installments([_due()], ref, default_parameters(), date(2025, 12, 1))
    assert (s.paid, s.reasons) == (False, (Reason.BLACKLISTED,))


def test_under_the_suspend_reading_a_blacklisted_installment_stays_unsettled() -> None:
    ref = ReferenceData()
    ref.blacklist[USCC].append(ListingPeriod(date(2025, 3, 1), None))
    params = default_parameters().with_reading("I-6", "suspend")
    assert settle_installments([_due()], ref, params, date(2025, 12, 1)) == []


def test_a_recipient_that_moved_out_of_minhang_forfeits_and_both_reasons_are_named() -> None:
    ref = ReferenceData()
    ref.blacklist[USCC].append(ListingPeriod(date(2025, 3, 1), None))
    ref.registry[USCC].append(RegistrationChange(date(2025, 6, 1), False, True))
    [s] = settle_installments([_due()], ref, default_parameters(), date(2025, 12, 1))
    assert s.reasons == (Reason.BLACKLISTED, Reason.OUT_OF_SCOPE)


def test_a_cloud_provider_is_exempt_from_the_registration_rule_for_its_a5_claims_only() -> None:
    ref = ReferenceData()
    ref.registry[USCC].append(RegistrationChange(date(2025, 6, 1), False, False))
    [a5] = settle_installments([_due("cloud_provider", "A5")], ref, default_parameters(), date(2025, 12, 1))
    [a2] = settle_installments([_due("cloud_provider", "A2")], ref, default_parameters(), date(2025, 12, 1))
    assert (a5.paid, a2.paid, a2.reasons) == (True, False, (Reason.OUT_OF_SCOPE,))


def test_under_the_every_clause_reading_of_i1_a_cloud_provider_is_exempt_under_every_clause() -> None:
    ref = ReferenceData()
    ref.registry[USCC].append(RegistrationChange(date(2025, 6, 1), False, False))
    params = default_parameters().with_reading("I-1", "every_clause")
    [a2] = settle_installments([_due("cloud_provider", "A2")], ref, params, date(2025, 12, 1))
    assert a2.paid


def test_an_a8_installment_paid_to_the_provider_is_forfeited_when_the_diagnosed_enterprise_is_listed() -> None:
    """I-11: a listed enterprise's diagnosis is not subsidised, whoever would be paid (checked before every
    installment, I-6); under the alternative reading only the recipient is screened."""
    ref = ReferenceData()
    ref.blacklist[USCC].append(ListingPeriod(date(2025, 3, 1), None))
    due = _due(clause="A8", recipient=PROVIDER)
    [s] = settle_installments([due], ref, default_parameters(), date(2025, 12, 1))
    assert (s.paid, s.reasons) == (False, (Reason.BLACKLISTED,))
    [s] = settle_installments(
        [due], ref, default_parameters().with_reading("I-11", "recipient_only"), date(2025, 12, 1)
    )
    assert (s.paid, s.reasons) == (True, ())
    [s] = settle_installments(
        [_due(clause="A8", recipient=PROVIDER)], ReferenceData(), default_parameters(), date(2025, 12, 1)
    )
    assert s.paid
