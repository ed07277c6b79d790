"""Runs one disbursement cycle in its own process (for the crash tests): python -m tests.ledger.cycle_worker URL Y"""

from __future__ import annotations

import sys
from datetime import date

from ledger.db import get_engine
from rules.params import default_parameters
from tasks.cycle import run_cycle

if __name__ == "__main__":
    url, year = sys.argv[1], int(sys.argv[2])
    engine = get_engine(url)
    print("ready", flush=True)
    run_cycle(engine, year, date(year, 12, 1), default_parameters())
    print("done", flush=True)
