"""The demo: sample data through intake, a case decision, and three yearly disbursement cycles, each followed by
its payment file and the bank's return file: in 2024 the bank returns one payment (a closed account), the recipient
gives a new account, and the 2025 file sends it again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from prefect import flow

from flows.bank import payment_file_flow, reconcile_flow
from flows.disbursement import disbursement_flow
from flows.intake import intake_flow
from flows.records import export_flow
from flows.reference import reference_refresh_flow
from ledger.bank_returns import Reconciled
from ledger.cycles import CycleSummary
from ledger.runs import IntakeSummary
from subsidy.sample import make_sample
from subsidy.sample_bank import bank_return, renewed_accounts
from tasks.bank_round import BankFile

DEMO_YEARS = (2024, 2025, 2026)


@dataclass
class DemoResult:
    folder: str
    intakes: list[IntakeSummary] = field(default_factory=list)
    cycles: list[CycleSummary] = field(default_factory=list)
    payment_files: list[BankFile] = field(default_factory=list)
    reconciliations: list[Reconciled] = field(default_factory=list)
    refreshed: dict[str, str] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)


@flow(name="demo")
def demo_flow(folder: str = "subsidy-demo") -> DemoResult:
    """Write sample files into ``folder``, ingest them as of 2024-06-28, bring in a case decision, run the cycles
    for 2024–2026 (as of 1 December), each followed by its payment file (10 December) and the bank's return file,
    and export decisions, payments, the ledger and the quarantine."""
    root = Path(folder)
    sample = make_sample(root / "inputs")
    result = DemoResult(folder=str(root.resolve()))
    result.intakes.append(
        intake_flow(
            [str(f) for f in sample.applications],
            blacklist=str(sample.blacklist),
            registry=str(sample.registry),
            external_awards=str(sample.external_awards),
            bank_accounts=str(sample.bank_accounts),
            as_of=date(2024, 6, 28),
        )
    )
    result.intakes.append(intake_flow([], case_decisions=str(sample.case_decisions), as_of=date(2024, 9, 30)))
    bank = root / "bank"
    for year in DEMO_YEARS:
        result.cycles.append(disbursement_flow(year, date(year, 12, 1)))
        sent = payment_file_flow(year, date(year, 12, 10), str(bank / f"payments-{year}.csv"))
        result.payment_files.append(sent)
        closed = {sent.issued.lines[0].payee_uscc: "账户已销户"} if year == DEMO_YEARS[0] else {}
        returned = bank_return(Path(str(sent.written)), bank / f"银行回单-{year}.csv", f"{year}-12-15", closed)
        result.reconciliations.append(reconcile_flow(str(returned)))
        for uscc in closed:  # the recipient gives a new account
            renewed = renewed_accounts(sample.bank_accounts, uscc, f"{year + 1}-01-15", bank / "bank-accounts-new.csv")
            result.refreshed = reference_refresh_flow(bank_accounts=str(renewed))
    for what in ("decisions", "payments", "ledger", "quarantine"):
        out = root / "exports" / f"{what}.csv"
        export_flow(what, str(out))
        result.exports[what] = str(out.resolve())
    return result
