"""Recovery of a revoked award: the award revoked, and the money paid back recorded."""

from __future__ import annotations

from datetime import date

from prefect import flow

from ledger.recoveries import Receipt, Revocation
from tasks.recovery import publish_receipt, publish_recovery, record_receipt, revoke_award


@flow(name="recovery", flow_run_name="recover-{application_id}", log_prints=True)
def recovery_flow(
    application_id: str,
    document_ref: str,
    approved_by: str,
    reason: str,
    on: date | None = None,
    amount_fen: int | None = None,
) -> Revocation:
    """Revoke an award on ``on`` (default today) by ``document_ref``: cancel what is unsettled, withhold what was not
    sent, claim back what reached the recipient (all of it, or ``amount_fen``)."""
    done = revoke_award(application_id, document_ref, approved_by, reason, on or date.today(), amount_fen)
    publish_recovery(done)
    return done


@flow(name="recovery-receipt", flow_run_name="receipt-{application_id}", log_prints=True)
def receipt_flow(application_id: str, amount_fen: int, value_date: date) -> Receipt:
    """Record ``amount_fen`` paid back on ``value_date`` of a revoked award."""
    done = record_receipt(application_id, amount_fen, value_date)
    publish_receipt(done)
    return done
