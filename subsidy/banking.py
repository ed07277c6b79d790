"""The bank commands: a payment file for the bank (``payments-file``) and the bank's return file reconciled
(``reconcile``), each a Prefect flow; and how their outcomes are shown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from core.shown import markup
from rules.money import cny_of_fen
from subsidy.running import DAY, day_of, refuse_special_paths, run_flow
from subsidy.views import console

banking = typer.Typer()
SHOWN_LINES = 10
"""Lines of a payment file shown in the terminal (all of them are in the file)."""


@banking.command("payments-file")
def payments_file(
    year: Annotated[int, typer.Option(help="The fiscal year: its cycles' payments and those of earlier years.")],
    out: Annotated[
        Path | None, typer.Option(help="File to write: .csv or .xlsx (default subsidy-payments/PF<n>-<year>.csv).")
    ] = None,
    on: Annotated[str | None, typer.Option(help=f"Issue date, {DAY} (default today): the accounts in force.")] = None,
) -> None:
    """Issue the bank's batch payment file (批量代发): every paid installment not yet sent (or returned by the bank),
    one line per recipient and fiscal year, moved in the ledger from paid to in transit. Recipients without an
    account in force, or whose account's holder name is not theirs, are held and listed. Issued again, it sends
    nothing twice: the latest file is written again."""
    day = day_of(on)
    refuse_special_paths(out)
    from flows.bank import payment_file_flow

    print_payment_file(run_flow(lambda: payment_file_flow(year, day, str(out) if out else None)))


@banking.command()
def reconcile(
    return_file: Annotated[
        Path, typer.Argument(help="The bank's return file (银行回单): reference, amount, status, value_date, reason.")
    ],
) -> None:
    """Reconcile the bank's return file: a success clears the line, a failure returns it (owed again, offered by
    the next payment file); unknown references, amounts that differ and duplicates are reported and post
    nothing. Reconciled again, nothing is posted twice."""
    refuse_special_paths(return_file)
    from flows.bank import reconcile_flow

    print_reconciliation(run_flow(lambda: reconcile_flow(str(return_file))))


def print_payment_file(bank_file: Any) -> None:
    issued = bank_file.issued
    if issued.new:
        title = f"Payment file PF{issued.file_id:05d} of {issued.fiscal_year}, issued {issued.issued_on}"
    elif issued.file_id:
        title = f"Nothing new to send: payment file PF{issued.file_id:05d} of {issued.fiscal_year} as issued"
    else:
        title = f"Nothing to send for {issued.fiscal_year}"
    table = Table(title=title, title_justify="left")
    for column in ("reference", "payee", "amount (CNY)", "purpose"):
        table.add_column(column, justify="right" if column == "amount (CNY)" else "left")
    for x in issued.lines[:SHOWN_LINES]:
        table.add_row(x.reference, x.payee_uscc, cny_of_fen(x.amount_fen), markup(x.purpose))
    if len(issued.lines) > SHOWN_LINES:
        table.add_row("…", f"{len(issued.lines) - SHOWN_LINES} more line(s)", "", "")
    table.add_row("total", f"{len(issued.lines)} line(s)", cny_of_fen(issued.total_fen), "", style="bold")
    console.print(table)
    if issued.reissued:
        console.print(f"{issued.reissued} payment(s) the bank returned are sent again", highlight=False)
    if issued.held:
        held = Table(title="Held: owed, not in the file", title_justify="left")
        for column in ("recipient", "fiscal years", "amount (CNY)", "why"):
            held.add_column(column, justify="right" if column == "amount (CNY)" else "left")
        for h in issued.held:
            held.add_row(h.recipient_uscc, h.fiscal_years, cny_of_fen(h.amount_fen), markup(h.why))
        console.print(held)
    if bank_file.written:
        console.print(f"payment file: {markup(bank_file.written)}", highlight=False)
        console.print(
            f"count {len(issued.lines)}, total {cny_of_fen(issued.total_fen)} CNY, SHA-256 {bank_file.checksum}",
            highlight=False,
        )


def print_reconciliation(result: Any) -> None:
    rows = [
        ("cleared", str(len(result.cleared)), cny_of_fen(result.cleared_fen)),
        ("returned", str(len(result.bounced)), cny_of_fen(result.bounced_fen)),
        ("already reconciled", str(result.already), ""),
        ("reported, nothing posted", str(len(result.reported)), ""),
    ]
    table = Table(title=f"Return file {markup(result.file)}: {result.rows} row(s)", title_justify="left")
    for column in ("outcome", "lines", "amount (CNY)"):
        table.add_column(column, justify="left" if column == "outcome" else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for reference, why in result.bounced:
        console.print(
            f"returned {markup(reference)}: {markup(why)} (sent again by the next payment file)", highlight=False
        )
    for r in result.reported:
        console.print(f"[yellow]reported[/] row {r.row} {markup(r.reference)}: {markup(r.why)}", highlight=False)


def print_bank_round(files: list[Any], reconciliations: list[Any]) -> None:
    """The demo's payment files and return files, a row per year."""
    table = Table(title="Payments to the bank and back", title_justify="left")
    columns = ("file", "year", "lines", "sent (CNY)", "sent again", "held", "cleared (CNY)", "returned (CNY)")
    for column in columns:
        table.add_column(column, justify="left" if column == "file" else "right")
    for sent, back in zip(files, reconciliations, strict=True):
        issued = sent.issued
        table.add_row(
            f"PF{issued.file_id:05d}",
            str(issued.fiscal_year),
            str(len(issued.lines)),
            cny_of_fen(issued.total_fen),
            str(issued.reissued),
            str(len(issued.held)),
            cny_of_fen(back.cleared_fen),
            cny_of_fen(back.bounced_fen),
        )
    console.print(table)
    for back in reconciliations:
        for reference, why in back.bounced:
            console.print(f"returned {markup(reference)}: {markup(why)}", highlight=False)
    if files:
        for h in files[-1].issued.held:
            console.print(f"held {h.recipient_uscc} ({h.fiscal_years}): {markup(h.why)}", highlight=False)


@banking.command()
def recover(
    application_id: Annotated[str, typer.Argument(help="The application whose award is revoked or paid back.")],
    document_ref: Annotated[str | None, typer.Option(help="The revoking document (文号).")] = None,
    approved_by: Annotated[str | None, typer.Option(help="Who approved the revocation (审批人).")] = None,
    reason: Annotated[str | None, typer.Option(help="Why the award is revoked.")] = None,
    amount: Annotated[
        str | None,
        typer.Option(help="CNY: to claim back (default all that reached the recipient); with --received, paid back."),
    ] = None,
    received: Annotated[
        bool, typer.Option("--received", help="Record money paid back (with --amount, --value-date).")
    ] = False,
    value_date: Annotated[str | None, typer.Option(help=f"With --received: the day the money arrived, {DAY}.")] = None,
    on: Annotated[str | None, typer.Option(help=f"The day of the revocation, {DAY} (default today).")] = None,
) -> None:
    """Revoke an award (--document-ref, --approved-by, --reason; --amount to claim back less): every installment not
    yet settled is cancelled, paid money the bank never got is withheld, and what reached the recipient is claimed
    back as a receivable; refused while money is in transit. With --received, record money paid back (--amount,
    --value-date). Run again, nothing is posted twice."""
    fen = _fen(amount)
    if received:
        day = day_of(value_date)
        if fen is None or day is None:
            raise typer.BadParameter("--received needs --amount and --value-date", param_hint="--received")
        from flows.recovery import receipt_flow

        done = run_flow(lambda: receipt_flow(application_id, fen, day))
        state = "recorded" if done.new else "already recorded: nothing posted"
        console.print(
            f"{markup(application_id)}: {cny_of_fen(done.amount_fen)} CNY paid back on {done.value_date} ({state}); "
            f"still owed back {cny_of_fen(done.outstanding_fen)} CNY",
            highlight=False,
        )
        return
    if not (document_ref and approved_by and reason):
        raise typer.BadParameter("a revocation needs --document-ref, --approved-by and --reason", param_hint="--reason")
    from flows.recovery import recovery_flow

    print_revocation(
        run_flow(lambda: recovery_flow(application_id, document_ref, approved_by, reason, day_of(on), fen))
    )


def _fen(amount: str | None) -> int | None:
    if amount is None:
        return None
    from rules.money import to_fen
    from validations.values import BadValue, parse_amount

    try:
        return to_fen(parse_amount(amount))
    except (BadValue, ValueError) as e:
        raise typer.BadParameter(str(e), param_hint="--amount") from None


def print_revocation(done: Any) -> None:
    said = "revoked" if done.new else "already revoked: nothing posted"
    console.print(
        f"{markup(done.application_id)} {said} ({markup(done.document_ref)}, {done.revoked_on}); recipient "
        f"{done.recipient_uscc}",
        highlight=False,
    )
    table = Table()
    for column in ("step", "installments", "amount (CNY)"):
        table.add_column(column, justify="left" if column == "step" else "right")
    for step, what in (("cancelled", done.cancelled), ("withheld", done.withheld), ("claimed back", done.claimed)):
        table.add_row(step, ", ".join(str(k) for k, _ in what) or "-", cny_of_fen(done.fen(what)))
    console.print(table)
