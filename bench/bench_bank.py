"""Benchmark: money out and back (issue 20) on N synthetic applications, next to the cycle that paid them. N
applications (bench/synthetic.py) go through intake and the 2024 cycle; an account under its applicant's name is
loaded for every recipient; then, each as an operator runs it (a new process each, Prefect's temporary server
included): the payment file issued and issued again (nothing posted: the file is written again as issued), the
bank's return file (1 % of the lines returned) reconciled and reconciled again (nothing posted), and the next file
sending the returned lines again. Prints wall seconds, peak RSS and lines.

    .venv/bin/python bench/bench_bank.py --sizes 10000 100000 --backend sqlite
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pipeline import in_own_process, measure_sizes, run, scratch_database  # noqa: E402
from bench.synthetic import make_inputs  # noqa: E402


def accounts_of(apps: Path, out: Path) -> Path:
    """An account under its applicant's name for every applicant of ``apps``."""
    from stdnum.cn import uscc as valid

    names: dict[str, str] = {}
    with open(apps, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if valid.is_valid(row["uscc"]):  # not the rows meant for the quarantine
                names.setdefault(row["uscc"], row["name"])
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["uscc", "account_name", "bank_name", "account_no", "effective_on"])
        for n, (uscc, name) in enumerate(sorted(names.items())):
            writer.writerow([uscc, name, "工商银行闵行支行", f"{6222020000000000 + n:019d}", "2024-01-01"])
    return out


def bank_return(payment_file: Path, out: Path) -> None:
    """Every line paid but one in a hundred, returned."""
    with open(payment_file, encoding="utf-8-sig", newline="") as f:
        lines = list(csv.DictReader(f))
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["reference", "amount", "status", "value_date", "reason"])
        for n, line in enumerate(lines):
            returned = n % 100 == 0
            status = "failed" if returned else "success"
            writer.writerow([line["reference"], line["amount"], status, "2024-12-15", "账户冻结" * returned])


def measure(n: int, backend: str, seed: int, subsidy: str, base_env: dict[str, str]) -> None:
    with scratch_database(backend) as (folder, url):
        env = {**base_env, "SUBSIDY_DATABASE_URL": url}
        apps, blacklist = in_own_process(make_inputs, folder / "input", n, seed)
        accounts = accounts_of(apps, folder / "bank-accounts.csv")
        run([subsidy, "intake", str(apps), "--blacklist", str(blacklist), "--as-of", "2024-06-28"], env, folder)
        run([subsidy, "refresh", "--bank-accounts", str(accounts)], env, folder)
        cycle, peak = run([subsidy, "disburse", "--year", "2024", "--as-of", "2024-12-01"], env, folder)
        print(f"{backend:<11}{n:>9}{'cycle 2024':>26}{cycle:>9.1f}{peak:>13.0f}", flush=True)
        first, back = folder / "pf-2024.csv", folder / "bank-return.csv"
        again, returned = folder / "again.csv", folder / "pf-returned.csv"
        steps = [
            ("payments-file", first, ["payments-file", "--year", "2024", "--on", "2024-12-10", "--out", str(first)]),
            ("payments-file again", again, ["payments-file", "--year", "2024", "--out", str(again)]),
            ("reconcile", back, ["reconcile", str(back)]),
            ("reconcile again", back, ["reconcile", str(back)]),
            ("payments-file (returned)", returned, ["payments-file", "--year", "2024", "--out", str(returned)]),
        ]
        for stage, file, command in steps:
            wall, peak = run([subsidy, *command], env, folder)
            if file == first:
                bank_return(first, back)
            lines = lines_of(file)
            print(
                f"{backend:<11}{n:>9}{stage:>26}{wall:>9.1f}{peak:>13.0f}{lines:>10}{wall / cycle:>9.2f}×", flush=True
            )


def lines_of(file: Path) -> int:
    """The lines of a payment file or the rows of a return file (without the header)."""
    with open(file, encoding="utf-8-sig", newline="") as f:
        rows = sum(1 for _ in csv.reader(f))
    return rows - 1  # the header


def main() -> None:
    measure_sizes(
        __doc__,
        f"{'backend':<11}{'N':>9}{'stage':>26}{'wall s':>9}{'peak RSS MB':>13}{'lines':>10}{'/ cycle':>10}",
        measure,
    )


if __name__ == "__main__":
    main()
