"""Names of flow runs that say what ran (``intake-2024-06-30-applications.csv``, ``cycle-2024``), made from the
run's parameters as Prefect starts it; a file name's unprintable characters are shown as ``?``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect.runtime import flow_run


def _parameters() -> dict[str, Any]:
    return dict(flow_run.parameters or {})


def _day(value: Any) -> str:
    return str(value or date.today().isoformat())


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)


def intake_run_name() -> str:
    p = _parameters()
    files = [Path(str(f)).name for f in p.get("files") or []]
    more = f"-and-{len(files) - 1}-more" if len(files) > 1 else ""
    what = files[0] + more if files else "reference-data"
    return _printable(f"intake-{_day(p.get('as_of'))}-{what}")


def cycle_run_name() -> str:
    p = _parameters()
    year = p.get("year") or (date.fromisoformat(str(p["as_of"])) if p.get("as_of") else date.today()).year
    return f"cycle-{year}"


def inbox_run_name() -> str:
    return f"inbox-{_day(_parameters().get('as_of'))}"


def verify_run_name() -> str:
    return f"ledger-verify-{date.today().isoformat()}"


def what_if_run_name() -> str:
    p = _parameters()
    what = Path(str(p["parameters"])).stem if p.get("parameters") else "policy"
    readings = "-".join(str(r) for r in p.get("readings") or [])
    return _printable(f"what-if-{what}" + (f"-{readings}" if readings else ""))


def payment_file_run_name() -> str:
    return f"payment-file-{_parameters().get('year')}"


def reconcile_run_name() -> str:
    return _printable(f"reconcile-{Path(str(_parameters().get('return_file'))).name}")
