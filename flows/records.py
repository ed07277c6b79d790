"""Read-side flows that run as steps of other runs or on a schedule: exports (the demo's) and the ledger's
verification (a deployment). Operators' queries (explain, balances, exports, reports) answer at once through
``ledger.queries``, without a Prefect server and without becoming flow runs."""

from __future__ import annotations

from prefect import flow

from flows.run_names import verify_run_name
from ledger.verify import Balances, VerifyReport
from tasks.reports import export_csv, verify


@flow(name="export")
def export_flow(what: str, out: str) -> int:
    """Write the ``what`` export (decisions, payments, ledger, quarantine) to ``out``."""
    return export_csv(what, out)


@flow(name="ledger-verify", flow_run_name=verify_run_name)
def verify_flow(year: int | None = None, known_heads: list[str] | None = None) -> tuple[VerifyReport, Balances]:
    """Recompute balances and the hash chain; fails naming the first bad entry."""
    return verify(year, known_heads)
