"""The demo: sample data through intake, a case decision, and three yearly disbursement cycles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from prefect import flow

from flows.disbursement import disbursement_flow
from flows.intake import intake_flow
from flows.records import export_flow
from ledger.cycles import CycleSummary
from ledger.runs import IntakeSummary
from subsidy.sample import make_sample

DEMO_YEARS = (2024, 2025, 2026)


@dataclass
class DemoResult:
    folder: str
    intakes: list[IntakeSummary] = field(default_factory=list)
    cycles: list[CycleSummary] = field(default_factory=list)
    exports: dict[str, str] = field(default_factory=dict)


@flow(name="demo")
def demo_flow(folder: str = "subsidy-demo") -> DemoResult:
    """Write sample files into ``folder``, ingest them as of 2024-06-28, bring in a case decision, run the cycles
    for 2024–2026 (as of 1 December) and export decisions, payments, the ledger and the quarantine."""
    root = Path(folder)
    sample = make_sample(root / "inputs")
    result = DemoResult(folder=str(root.resolve()))
    result.intakes.append(
        intake_flow(
            [str(f) for f in sample.applications],
            blacklist=str(sample.blacklist),
            registry=str(sample.registry),
            external_awards=str(sample.external_awards),
            as_of=date(2024, 6, 28),
        )
    )
    result.intakes.append(intake_flow([], case_decisions=str(sample.case_decisions), as_of=date(2024, 9, 30)))
    for year in DEMO_YEARS:
        result.cycles.append(disbursement_flow(year, date(year, 12, 1)))
    for what in ("decisions", "payments", "ledger", "quarantine"):
        out = root / "exports" / f"{what}.csv"
        export_flow(what, str(out))
        result.exports[what] = str(out.resolve())
    return result
