"""Read-side flows: exports, explanations and ledger verification, so operators see them in Prefect too."""

from __future__ import annotations

from typing import Any

from prefect import flow

from ledger.verify import Balances, VerifyReport
from tasks.reports import export_csv, load_decision, verify, write_yearly_report


@flow(name="export")
def export_flow(what: str, out: str) -> int:
    """Write the ``what`` export (decisions, payments, ledger, quarantine) to ``out``."""
    return export_csv(what, out)


@flow(name="explain")
def explain_flow(application_id: str) -> dict[str, Any] | None:
    """The decision on one application with its trace."""
    return load_decision(application_id)


@flow(name="ledger-verify")
def verify_flow(year: int | None = None, known_heads: list[str] | None = None) -> tuple[VerifyReport, Balances]:
    """Recompute balances and the hash chain; fails naming the first bad entry."""
    return verify(year, known_heads)


@flow(name="yearly-report")
def report_flow(year: int, out: str) -> dict[str, str]:
    """Write the yearly report (HTML with charts, and CSV) into the folder ``out``."""
    return write_yearly_report(year, out)
