"""What the ``subsidy`` commands print: summaries, tables, progress bars and one-line errors.

Every text that came from input (a file name, a cell, an application id, a message naming them, a database
message) goes through ``core.shown.markup`` before rich sees it: rich reads markup in strings, table cells and
titles, so ``[/]`` would end a style or crash the print, and an ESC would reach the terminal. The consoles do not
turn ``:name:`` into emoji either.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

from rich.console import Console, Group
from rich.table import Table

from core.settings import database_url, redact_url
from core.shown import markup

# Outside a terminal (logs, CI) rich would wrap at 80 columns; a wider page keeps table rows whole.
console = Console(width=None if sys.stdout.isatty() else 160, emoji=False)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160, emoji=False)
T = TypeVar("T")


def error(message: object) -> None:
    """One line on stderr: ``error:`` and the message, shown as the text it is."""
    err_console.print(f"[bold red]error:[/] {markup(message)}", highlight=False)


def failure(e: Exception) -> str:
    """The one-line message of a project or database error (the database URL with its password masked)."""
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    if isinstance(e, OperationalError):
        first = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
        if "disk" in first and ("I/O" in first or "full" in first):
            first += " — is the disk full? Nothing of this run was stored; free space and run it again"
        return f"database {redact_url(database_url())}: {first}"
    if isinstance(e, SQLAlchemyError):
        return f"database: {e.__class__.__name__}: {(str(e).splitlines() or [''])[0]}"
    return str(e)


def with_progress(step: Callable[[], T]) -> T:
    """Run ``step`` with a progress bar per step it reports (on a terminal only)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from subsidy import progress

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bars:
        tasks: dict[str, Any] = {}

        def show(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bars.add_task(markup(name), total=total)
            bars.update(tasks[name], completed=done, total=total)

        with progress.listening(show):
            return step()


def cny(amount: Any) -> str:
    from rules.money import cny as formatted

    return formatted(amount)


def print_intake(summary: Any) -> None:
    table = Table(title=f"Intake run {summary.run_id} — decision date {summary.as_of}", title_justify="left")
    for col in ("rows read", "decided", "unchanged (re-sent)", "quarantined", "re-decided", "blacklist hits"):
        table.add_column(col, justify="right")
    figures = (summary.rows_read, summary.decided, summary.unchanged, summary.quarantined, summary.redecided)
    table.add_row(*(str(v) for v in (*figures, summary.blacklist_hits)))
    console.print(table)
    console.print(
        f"application rows read {summary.rows_read} = decided {summary.decided} + unchanged {summary.unchanged} "
        f"+ quarantined {summary.quarantined}"
    )
    for kind, rows in summary.reference_rows.items():
        load = summary.reference_loads.get(kind)
        console.print(f"reference data {kind}: {rows} row(s) read and stored as load {load}", highlight=False)
    for flag in summary.bank_account_flags:
        console.print(f"  [yellow]flagged[/] {markup(flag)}", highlight=False)
    if summary.by_status:
        console.print("decisions: " + ", ".join(f"{markup(k)} {v}" for k, v in sorted(summary.by_status.items())))
    for message in summary.quarantine_messages[:20]:
        console.print(f"  [yellow]quarantined[/] {markup(message)}", highlight=False)
    if len(summary.quarantine_messages) > 20:
        console.print(f"  … and {len(summary.quarantine_messages) - 20} more (subsidy export quarantine --out F)")
    if summary.data_docs:
        console.print(f"data docs: {markup(summary.data_docs)}", highlight=False)
    console.print(f"ledger chain head: {markup(summary.chain_head)}")


def print_cycle(summary: Any) -> None:
    """A cycle's counts and totals; a preview's per clause and recipient; the cycles of the year that ran before."""
    from rules.money import from_fen

    for earlier in summary.earlier:
        console.print(
            f"cycle {summary.fiscal_year} already ran on {earlier.started_at:%Y-%m-%d %H:%M} UTC (as of "
            f"{earlier.as_of}): paid {earlier.paid} ({cny(from_fen(earlier.paid_fen))}), forfeited "
            f"{earlier.forfeited} ({cny(from_fen(earlier.forfeited_fen))})",
            highlight=False,
        )
    if summary.dry_run:
        print_cycle_preview(summary)
        return
    title = f"Disbursement cycle {summary.fiscal_year} — as of {summary.as_of}"
    table = Table(title=title, title_justify="left")
    for col in ("due", "paid", "paid (CNY)", "forfeited", "forfeited (CNY)", "already settled"):
        table.add_column(col, justify="right")
    table.add_row(
        str(summary.due),
        str(summary.paid),
        cny(from_fen(summary.paid_fen)),
        str(summary.forfeited),
        cny(from_fen(summary.forfeited_fen)),
        str(summary.already_settled),
    )
    console.print(table)
    if summary.earlier and not summary.due:
        console.print(f"nothing more was due by {summary.fiscal_year}: nothing was paid or forfeited now")
    console.print(f"ledger chain head: {markup(summary.chain_head)}")


def print_cycle_preview(summary: Any) -> None:
    """What a cycle would pay and forfeit, per clause and recipient, with totals; nothing was written."""
    from rules.money import from_fen

    title = f"Preview of cycle {summary.fiscal_year} — as of {summary.as_of} (dry run: nothing written)"
    table = Table(title=title, title_justify="left")
    for col, justify in (("clause", "left"), ("recipient", "left"), ("paid", "right"), ("paid (CNY)", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    table.add_column("forfeited", justify="right")
    table.add_column("forfeited (CNY)", justify="right")
    if not summary.by_recipient:
        table.add_row("none", "nothing is due by this year and unsettled", "", "", "", "")
    for (clause, recipient), row in summary.by_recipient.items():
        table.add_row(
            markup(clause),
            markup(recipient),
            str(row["paid"]),
            cny(from_fen(row.get("paid_fen", 0))),
            str(row["forfeited"]),
            cny(from_fen(row.get("forfeited_fen", 0))),
        )
    table.add_section()
    table.add_row(
        "total",
        f"{len({r for _, r in summary.by_recipient})} recipient(s)",
        str(summary.paid),
        cny(from_fen(summary.paid_fen)),
        str(summary.forfeited),
        cny(from_fen(summary.forfeited_fen)),
    )
    console.print(table)
    if summary.staying_due:
        console.print(f"{summary.staying_due} installment(s) would stay due (I-6: suspended, not forfeited)")
    console.print(f"ledger chain head (unchanged): {markup(summary.chain_head)}")


def print_inbox(summary: Any) -> None:
    table = Table(title=f"Inbox {markup(summary.inbox)}", title_justify="left")
    for col in ("processed", "rejected", "skipped", "archived"):
        table.add_column(col, justify="right")
    table.add_row(*(str(len(x)) for x in (summary.processed, summary.rejected, summary.skipped, summary.archived)))
    console.print(table)
    for message in summary.rejected:
        console.print(f"  [red]rejected[/] {markup(message)}", highlight=False)
    for message in summary.skipped:
        console.print(f"  [yellow]skipped[/] {markup(message)}", highlight=False)
    if summary.intake is not None:
        print_intake(summary.intake)
    from subsidy.banking import print_reconciliation

    for reconciled in summary.reconciled:
        print_reconciliation(reconciled)


def print_pairs(header: tuple[str, ...], rows: Any, title: str) -> None:
    """A table of texts (file names, paths, outcomes), each shown as the text it is."""
    table = Table(*header, title=markup(title), title_justify="left")
    for row in rows:
        table.add_row(*(markup(cell) for cell in row))
    console.print(table)


BALANCE_COLUMNS = {
    "committed": "committed_fen",
    "paid": "paid_fen",
    "forfeited": "forfeited_fen",
    "outstanding": "outstanding_fen",
    "cleared": "cleared_fen",
    "in transit": "in_transit_fen",
    "returned": "returned_fen",
    "not sent": "not_sent_fen",
}
RECOVERY_BALANCE_COLUMNS = {
    "cancelled": "cancelled_fen",
    "withheld": "withheld_fen",
    "claimed back": "claimed_fen",
    "recovered": "recovered_fen",
}
"""Shown in a second table, when some award was revoked."""


def balance_table(balances: Any, title: str) -> Group:
    """Per clause, what was committed and paid and where the paid money is; and, when an award was revoked, what
    was cancelled, withheld, claimed back and recovered."""
    tables = [_figures(balances, title, BALANCE_COLUMNS)]
    if any(getattr(b, name) for b in balances.by_clause.values() for name in RECOVERY_BALANCE_COLUMNS.values()):
        tables.append(_figures(balances, "Revoked awards per clause (CNY)", RECOVERY_BALANCE_COLUMNS))
    return Group(*tables)


def _figures(balances: Any, title: str, columns: dict[str, str]) -> Table:
    from rules.money import from_fen

    table = Table(title=title, title_justify="left")
    table.add_column("clause", justify="left")
    for col in columns:
        table.add_column(col, justify="right")
    totals = [0] * len(columns)
    for clause, b in sorted(balances.by_clause.items()):
        values = [getattr(b, name) for name in columns.values()]
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        table.add_row(markup(clause), *(cny(from_fen(v)) for v in values))
    table.add_row("total", *(cny(from_fen(v)) for v in totals), style="bold")
    return table


def print_demo_summary(result: Any, balances: Any) -> None:
    from rules.money import from_fen

    table = Table(title="Demo summary", title_justify="left")
    for col in ("decided", "unchanged (re-sent)", "quarantined", "installments paid", "paid (CNY)"):
        table.add_column(col, justify="right")
    for col in ("installments forfeited", "forfeited (CNY)"):
        table.add_column(col, justify="right")
    table.add_row(
        str(sum(s.decided + s.redecided for s in result.intakes)),
        str(sum(s.unchanged for s in result.intakes)),
        str(sum(s.quarantined for s in result.intakes)),
        str(sum(c.paid for c in result.cycles)),
        cny(from_fen(sum(c.paid_fen for c in result.cycles))),
        str(sum(c.forfeited for c in result.cycles)),
        cny(from_fen(sum(c.forfeited_fen for c in result.cycles))),
    )
    console.print(table)
    console.print(balance_table(balances, "Totals per clause in the ledger (CNY)"))


def print_forecast(forecast: Any) -> None:
    """The budget forecast (``ledger.forecast.Forecast``): what is still owed per clause (and recipient) and due
    year, a column per due year, with totals; then per clause what fell due, what was forfeited and its share."""
    span = f", due {forecast.from_year or '…'}–{forecast.through_year or '…'}"
    title = f"Still owed (CNY){span if forecast.from_year or forecast.through_year else ''}"
    if not forecast.still_owed:
        console.print(f"{title}: none (no installment committed is left unsettled)", highlight=False)
    else:
        console.print(still_owed_table(forecast, title))
    title = "Fell due so far: paid + forfeited (CNY)"
    if not forecast.forfeited:
        console.print(f"{title}: none (no cycle has paid or forfeited anything yet)", highlight=False)
    else:
        console.print(forfeited_table(forecast, title))
    console.print(f"ledger as it stands: entry #{forecast.through_seq}, chain head {markup(forecast.chain_head)}")


def forfeited_table(forecast: Any, title: str) -> Table:
    """Per clause: what fell due (paid + forfeited), what was forfeited and its share; the total's share is that of
    the totals."""
    from ledger.forecast import share_percent

    table = Table(title=title, title_justify="left")
    for col in ("clause", "fell due", "paid", "forfeited", "forfeited share"):
        table.add_column(col, justify="left" if col == "clause" else "right")
    for f in forecast.forfeited:
        table.add_row(markup(f.clause), *_yuan(f.fell_due_fen, f.paid_fen, f.forfeited_fen), _percent(f.share))
    paid, forfeited = (sum(getattr(f, k) for f in forecast.forfeited) for k in ("paid_fen", "forfeited_fen"))
    table.add_section()
    table.add_row(
        "total", *_yuan(paid + forfeited, paid, forfeited), _percent(share_percent(forfeited, paid + forfeited))
    )
    return table


def still_owed_table(forecast: Any, title: str) -> Table:
    """Per clause (and recipient) a row, per due year a column: the installments committed and not settled."""
    years = forecast.due_years()
    table = Table(title=title, title_justify="left")
    keys = ["clause", "recipient"] if forecast.by_recipient else ["clause"]
    for col in (*keys, *(str(y) for y in years), "total"):
        table.add_column(col, justify="left" if col in keys else "right")
    rows: dict[tuple[str, ...], dict[int, int]] = {}
    for owed in forecast.still_owed:
        key = (owed.clause, owed.recipient_uscc or "") if forecast.by_recipient else (owed.clause,)
        rows.setdefault(key, {})[owed.due_year] = owed.fen
    for named, per_year in rows.items():
        table.add_row(*map(markup, named), *_yuan(*(per_year.get(y, 0) for y in years), sum(per_year.values())))
    per_year_total = [sum(o.fen for o in forecast.still_owed if o.due_year == y) for y in years]
    table.add_section()
    label = ["total", f"{len({named[-1] for named in rows})} recipient(s)"] if forecast.by_recipient else ["total"]
    table.add_row(*label, *_yuan(*per_year_total, sum(per_year_total)))
    return table


def _yuan(*fen: int) -> list[str]:
    from rules.money import from_fen

    return [cny(from_fen(f)) for f in fen]


def _percent(share: Any) -> str:
    return "–" if share is None else f"{share} %"


def print_rows(rows: list[dict[str, str]], title: str, right: tuple[str, ...] = ()) -> None:
    """A table of rows of texts, each cell shown as the text it is; ``right``: columns of figures."""
    if not rows:
        return
    table = Table(title=markup(title), title_justify="left")
    for col in rows[0]:
        table.add_column(markup(col), justify="right" if col in right else "left")
    for row in rows:
        table.add_row(
            *(markup(cell) for cell in row.values()),
            style="bold" if row is rows[-1] and "total" in row.values() else None,
        )
    console.print(table)


def print_what_if(result: Any) -> None:
    """A what-if's amendment, totals per clause and year, status moves and where the files are."""
    scope = f", decided up to {result.as_of}" if result.as_of else ""
    console.print(
        f"what-if: {result.decided} application(s) of {result.runs} intake run(s) decided again{scope}; "
        f"{result.changed} change their outcome; nothing was written to the ledger",
        highlight=False,
    )
    print_rows(result.amendment, "Amendment")
    print_rows(result.totals, "Committed per clause and fiscal year (CNY)", ("before", "after", "difference"))
    print_rows(result.status_moves, "Applications changing status", ("applications",))
    print_pairs(("file", "path"), result.files.items(), "What-if files")
