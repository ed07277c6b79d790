"""Recovery tasks: an award revoked, and money paid back recorded (``ledger.recoveries``), each in one transaction
under the run lock, as the operator sees them in the Prefect UI with what they publish."""

from __future__ import annotations

from datetime import date

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine

from core.shown import markdown
from ledger.db import get_engine
from ledger.recoveries import Receipt, Revocation, receive, revoke
from rules.money import cny_of_fen
from tasks.anchored import anchored_run
from tasks.retry import RETRY_DELAYS, transient_database_error


def revoke_in_ledger(
    engine: Engine, application_id: str, document_ref: str, approved_by: str, reason: str, on: date, fen: int | None
) -> Revocation:
    """``ledger.recoveries.revoke`` in its own run transaction; the chain head kept outside the database."""
    return anchored_run(
        engine,
        lambda session: revoke(session, application_id, document_ref, approved_by, reason, on, fen),
        lambda done: f"recovery:{application_id}" if done.new else None,
    )


def receive_in_ledger(engine: Engine, application_id: str, fen: int, value_date: date) -> Receipt:
    """``ledger.recoveries.receive`` in its own run transaction; the chain head kept outside the database."""
    return anchored_run(
        engine,
        lambda session: receive(session, application_id, fen, value_date),
        lambda done: f"receipt:{application_id}" if done.new else None,
    )


@task(
    name="revoke-award",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def revoke_award(
    application_id: str, document_ref: str, approved_by: str, reason: str, on: date, fen: int | None
) -> Revocation:
    """Unsettled installments cancelled, unsent money withheld, what reached the recipient claimed back; once."""
    return revoke_in_ledger(get_engine(), application_id, document_ref, approved_by, reason, on, fen)


@task(
    name="record-receipt",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=transient_database_error,
)
def record_receipt(application_id: str, fen: int, value_date: date) -> Receipt:
    """Money paid back of a revoked award, once."""
    return receive_in_ledger(get_engine(), application_id, fen, value_date)


@task(name="publish-recovery", cache_policy=NO_CACHE)
def publish_recovery(done: Revocation) -> None:
    cancelled, withheld, claimed = (done.fen(x) for x in (done.cancelled, done.withheld, done.claimed))
    lead = "revoked" if done.new else "already revoked"
    get_run_logger().info(
        "%s %s by %s on %s: cancelled %s, withheld %s, claimed back %s CNY",
        done.application_id, lead, done.document_ref, done.revoked_on,
        cny_of_fen(cancelled), cny_of_fen(withheld), cny_of_fen(claimed),
    )  # fmt: skip
    lines = [
        f"# {markdown(done.application_id)} {lead}",
        "",
        f"Document: {markdown(done.document_ref)}, {done.revoked_on}; recipient {done.recipient_uscc}",
        "",
        "| cancelled (CNY) | withheld (CNY) | claimed back (CNY) |",
        "|---:|---:|---:|",
        f"| {cny_of_fen(cancelled)} | {cny_of_fen(withheld)} | {cny_of_fen(claimed)} |",
    ]
    create_markdown_artifact("\n".join(lines), key="recovery", description="Award revoked")


@task(name="publish-receipt", cache_policy=NO_CACHE)
def publish_receipt(done: Receipt) -> None:
    lead = "received" if done.new else "already recorded"
    get_run_logger().info(
        "%s: %s CNY paid back on %s (%s); still owed back %s CNY",
        done.application_id, cny_of_fen(done.amount_fen), done.value_date, lead, cny_of_fen(done.outstanding_fen),
    )  # fmt: skip
    text = (
        f"# {markdown(done.application_id)}: {cny_of_fen(done.amount_fen)} CNY paid back on {done.value_date} "
        f"({lead})\n\nStill owed back: {cny_of_fen(done.outstanding_fen)} CNY"
    )
    create_markdown_artifact(text, key="receipt", description="Money paid back")
