"""What-if tasks: the amendment read, the stored history decided again under it, compared with the ledger, and the
comparison written and published. Nothing is written to the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from core.errors import InputFileError
from core.gc_pause import collector_paused
from core.shown import markdown
from ledger.db import existing_engine
from ledger.exports import write_csv
from ledger.stored_runs import decided_runs, stored_outcomes, stored_runs
from rules.amendments import Amendment, amend, amendment_rows
from rules.params import default_parameters
from rules.what_if import (
    CHANGED_CSV_COLUMNS,
    CHANGES_COLUMNS,
    TOTAL_COLUMNS,
    Comparison,
    Outcomes,
    changed_rows,
    changes_rows,
    compare,
    decide_again,
    outcomes_of,
    status_rows,
    total_rows,
)
from subsidy import progress
from tasks.artifacts import table_artifact

SHOWN_CHANGED = 200
"""Changed applications shown in the flow run's artifact (all of them are in the CSV)."""


@dataclass
class WhatIfResult:
    """What a what-if run shows: the amendment, the comparison's tables, and the files written."""

    as_of: date | None
    runs: int
    decided: int
    changed: int
    amendment: list[dict[str, str]]
    totals: list[dict[str, str]]
    status_moves: list[dict[str, str]]
    files: dict[str, str] = field(default_factory=dict)


def what_if_folder(out: Path) -> Path:
    """The folder a what-if writes its files into, made when missing; one that cannot be is refused by name."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputFileError(str(out), f"cannot hold the what-if's files: {e.strerror or e}") from None
    return out


@task(name="read-amendment", cache_policy=NO_CACHE)
def read_amendment(parameters: str | None, readings: list[str]) -> Amendment:
    """The policy's parameters with the amendment's dated values merged in and the readings chosen; a wrong name,
    unit, date or value is refused naming its file and line."""
    return amend(default_parameters(), Path(parameters) if parameters else None, readings)


@task(name="find-decided-runs", cache_policy=NO_CACHE)
def find_decided_runs(as_of: date | None) -> list[tuple[int, date]]:
    """The intake runs whose decisions stand, in the order they ran (up to ``as_of`` when given)."""
    with Session(existing_engine()) as session:
        return decided_runs(session, as_of)


@task(name="decide-again", cache_policy=NO_CACHE)
def decide_history_again(amendment: Amendment, runs: list[tuple[int, date]]) -> Outcomes:
    """Every run's applications decided again, in memory, under the amendment: on the run's date, from the facts
    each decision kept and what the replay granted before."""
    with collector_paused(), progress.step("decide the stored applications again"), Session(existing_engine()) as s:
        return outcomes_of(decide_again(stored_runs(s, runs), amendment.params))


@task(name="read-ledger-commitments", cache_policy=NO_CACHE)
def read_stored_outcomes(runs: list[tuple[int, date]]) -> Outcomes:
    """The stored decisions of those runs and the installments the ledger holds committed for them."""
    with collector_paused(), Session(existing_engine()) as session:
        return stored_outcomes(session, runs)


@task(name="compare-with-ledger", cache_policy=NO_CACHE)
def compare_with_ledger(before: Outcomes, after: Outcomes) -> Comparison:
    """Totals per clause and fiscal year before and after, status moves, every changed application."""
    with collector_paused(), progress.step("compare with the ledger"):
        return compare(before, after)


@task(name="write-what-if-files", cache_policy=NO_CACHE)
def write_what_if_files(
    comparison: Comparison, amendment: Amendment, runs: list[tuple[int, date]], as_of: date | None, out: str
) -> WhatIfResult:
    """totals.csv and changes.csv (CONTRACT.md), changed.csv, status.csv and amendment.csv in ``out``; what the run
    shows."""
    folder = what_if_folder(Path(out))
    result = WhatIfResult(
        as_of,
        len(runs),
        comparison.decided,
        len(comparison.changed),
        amendment_rows(amendment),
        total_rows(comparison),
        status_rows(comparison),
    )
    for name, columns, rows in (
        ("amendment", ["amends", "from", "policy", "amended", "where"], result.amendment),
        ("totals", TOTAL_COLUMNS, result.totals[:-1]),  # the total row is shown, not written
        ("status", ["before", "after", "applications"], result.status_moves),
        ("changes", CHANGES_COLUMNS, changes_rows(comparison)),
        ("changed", CHANGED_CSV_COLUMNS, changed_rows(comparison)),
    ):
        path = folder / f"{name}.csv"
        write_csv(path, columns, rows)
        result.files[name] = str(path.resolve())
    return result


@task(name="publish-what-if", cache_policy=NO_CACHE)
def publish_what_if(result: WhatIfResult, comparison: Comparison) -> None:
    """The comparison in the flow run's log and as its artifacts: the amendment and counts, totals per clause and
    year, status moves, and the first changed applications."""
    get_run_logger().info(
        "what-if: %s application(s) of %s intake run(s) decided again%s; %s change their outcome; committed %s "
        "CNY in all (%s before, %s after); nothing was written to the ledger",
        result.decided, result.runs, f" (decided up to {result.as_of})" if result.as_of else "", result.changed,
        result.totals[-1]["difference"], result.totals[-1]["before"], result.totals[-1]["after"],
    )  # fmt: skip
    lines = [
        f"# What-if: {result.decided} application(s) of {result.runs} intake run(s) decided again"
        + (f" (decided up to {result.as_of})" if result.as_of else ""),
        "",
        f"Applications whose outcome changes: **{result.changed}**; committed in all changes by "
        f"**{result.totals[-1]['difference']} CNY**. Nothing was written to the ledger.",
        "",
        "| amends | from | policy | amended | where |",
        "|---|---|---|---|---|",
        *(
            "| " + " | ".join(markdown(row[c]) for c in ("amends", "from", "policy", "amended", "where")) + " |"
            for row in result.amendment
        ),
        "",
        "Files: " + ", ".join(f"{markdown(name)}: {markdown(path)}" for name, path in result.files.items()),
    ]
    create_markdown_artifact("\n".join(lines), key="what-if-summary", description="What-if run")
    table_artifact(result.totals, key="what-if-totals", description="Committed per clause and fiscal year, CNY")
    table_artifact(result.status_moves, key="what-if-status-moves", description="Applications changing status")
    shown = list(islice(changed_rows(comparison), SHOWN_CHANGED))
    if shown:
        more = f" (the first {len(shown)} of {result.changed}: changed.csv)" if result.changed > len(shown) else ""
        table_artifact(shown, key="what-if-changed", description=f"Applications whose outcome changes{more}")
