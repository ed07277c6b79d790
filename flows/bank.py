"""Money out and back: a payment file issued to the bank, and the bank's return file reconciled."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow

from flows import as_is
from flows.run_names import payment_file_run_name, reconcile_run_name
from ledger.bank_files import format_of
from ledger.bank_returns import Reconciled
from tasks.bank import (
    issue_payment_file,
    post_bank_outcomes,
    publish_payment_file,
    publish_reconciliation,
    read_return_file,
    write_payment_file,
)
from tasks.bank_round import BankFile


@flow(name="payment-file", flow_run_name=payment_file_run_name, log_prints=True)
def payment_file_flow(year: int, on: date | None = None, out: str | None = None) -> BankFile:
    """Send the paid installments of fiscal years up to ``year`` that wait for the bank in a payment file issued on
    ``on`` (default today), written to ``out`` (default subsidy-payments/PF<n>-<year>.csv; .xlsx for XLSX)."""
    issued = issue_payment_file(year, on or date.today(), format_of(Path(out) if out else None))
    written = write_payment_file(as_is(issued), out)
    publish_payment_file(as_is(written))
    return written


@flow(name="bank-reconciliation", flow_run_name=reconcile_run_name, log_prints=True)
def reconcile_flow(return_file: str) -> Reconciled:
    """Post the outcomes the bank's return file gives: cleared, or returned to be sent again."""
    rows, checksum = read_return_file(return_file)
    result = post_bank_outcomes(return_file, as_is(rows), checksum)
    publish_reconciliation(result)
    return result
