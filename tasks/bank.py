"""Bank tasks: the steps of ``tasks.bank_round`` as the operator sees them in the Prefect UI, and what they publish
(a log line and artifacts: the file's lines and the held recipients; a return file's outcomes and what it
reported)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from core.shown import markdown
from ledger.bank_returns import Reconciled, ReturnRow
from ledger.db import get_engine
from ledger.payment_files import IssuedFile
from rules.money import cny_of_fen
from subsidy import progress
from tasks import bank_round
from tasks.artifacts import table_artifact
from tasks.bank_round import BankFile
from tasks.retry import RETRY_DELAYS, transient_database_error

SHOWN_LINES = 200
"""Lines of a payment file shown in the flow run's artifact (all of them are in the file)."""


@task(
    name="issue-payment-file",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def issue_payment_file(year: int, on: date, file_format: str) -> IssuedFile:
    """The paid installments waiting for the bank put into a new payment file and moved to in transit, once."""
    with progress.step(f"issue the payment file of {year}"):
        return bank_round.issue(get_engine(), year, on, file_format)


@task(name="write-payment-file", cache_policy=NO_CACHE)
def write_payment_file(issued: IssuedFile, out: str | None) -> BankFile:
    """The file written from what was stored (CSV, or XLSX by its suffix), with the SHA-256 of its bytes."""
    return bank_round.write(issued, Path(out) if out else None)


@task(name="read-return-file", cache_policy=NO_CACHE)
def read_return_file(path: str) -> tuple[list[ReturnRow], str]:
    """Every row of the bank's return file validated; a file with a bad row is refused whole."""
    with progress.step(f"read the return file {Path(path).name}"):
        return bank_round.read_return_file(path)


@task(
    name="post-bank-outcomes",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def post_bank_outcomes(
    path: str, rows: list[ReturnRow], checksum: str, inbox: list[dict[str, Any]] | None = None
) -> Reconciled:
    """Each line cleared or returned, once; unknown references, amounts that differ and duplicates reported (with
    ``inbox``: the inbox's record of the file stored with them)."""
    with progress.step("post the bank's outcomes to the ledger"):
        return bank_round.post_outcomes(get_engine(), Path(path).name, checksum, rows, inbox)


@task(name="publish-payment-file", cache_policy=NO_CACHE)
def publish_payment_file(bank_file: BankFile) -> None:
    """The file's count, total and SHA-256 in the run's log and artifacts (CONTRACT.md: kept with the run), its lines
    and the recipients held."""
    issued, written = bank_file.issued, bank_file.written
    lead = (
        f"payment file PF{issued.file_id:05d} of {issued.fiscal_year}"
        if issued.new
        else "nothing new to send"
        + (f"; the latest file PF{issued.file_id:05d} written again" if issued.file_id else "")
    )
    get_run_logger().info(
        "%s: %d line(s), %s CNY, %d returned payment(s) sent again; %d recipient(s) held; file %s, SHA-256 %s",
        lead, len(issued.lines), cny_of_fen(issued.total_fen), issued.reissued, len(issued.held), written or "-",
        bank_file.checksum or "-",
    )  # fmt: skip
    lines = [
        f"# {lead[0].upper()}{lead[1:]}",
        "",
        "| count | total (CNY) | returned payments sent again | held recipients |",
        "|---:|---:|---:|---:|",
        f"| {len(issued.lines)} | {cny_of_fen(issued.total_fen)} | {issued.reissued} | {len(issued.held)} |",
        "",
        f"SHA-256 of the file: `{bank_file.checksum or '-'}`",
        "",
        f"File: {markdown(written or 'none written')}",
    ]
    create_markdown_artifact("\n".join(lines), key="payment-file", description="Payment file")
    if issued.lines:
        table_artifact(
            [
                {
                    "reference": x.reference,
                    "payee": x.payee_uscc,
                    "amount (CNY)": cny_of_fen(x.amount_fen),
                    "purpose": x.purpose,
                    "settlements": len(x.settlements),
                }
                for x in issued.lines[:SHOWN_LINES]
            ],
            key="payment-file-lines",
            description=f"The file's lines (the first {SHOWN_LINES})",
        )
    if issued.held:
        table_artifact(
            [
                {"recipient": h.recipient_uscc, "fiscal years": h.fiscal_years,
                 "amount (CNY)": cny_of_fen(h.amount_fen), "why held": h.why}
                for h in issued.held
            ],
            key="payment-file-held",
            description="Recipients owed money that the file does not send, and why",
        )  # fmt: skip


@task(name="publish-reconciliation", cache_policy=NO_CACHE)
def publish_reconciliation(result: Reconciled) -> None:
    get_run_logger().info(
        "return file %s: %d row(s); cleared %d line(s) (%s CNY); returned %d line(s) (%s CNY); already reconciled "
        "%d; reported %d",
        result.file, result.rows, len(result.cleared), cny_of_fen(result.cleared_fen), len(result.bounced),
        cny_of_fen(result.bounced_fen), result.already, len(result.reported),
    )  # fmt: skip
    lines = [
        f"# Return file {markdown(result.file)}",
        "",
        "| rows | cleared | cleared (CNY) | returned | returned (CNY) | already reconciled | reported |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {result.rows} | {len(result.cleared)} | {cny_of_fen(result.cleared_fen)} | {len(result.bounced)} | "
        f"{cny_of_fen(result.bounced_fen)} | {result.already} | {len(result.reported)} |",
    ]
    create_markdown_artifact("\n".join(lines), key="bank-reconciliation", description="Bank reconciliation")
    if result.bounced:
        table_artifact(
            [{"reference": ref, "bank's reason": why} for ref, why in result.bounced],
            key="bank-returned-lines",
            description="Lines the bank returned: owed again, offered by the next payment file",
        )
    if result.reported:
        table_artifact(
            [{"row": r.row, "reference": r.reference, "why nothing was posted": r.why} for r in result.reported],
            key="bank-reported-rows",
            description="Rows of the return file that posted nothing",
        )
