"""Reconciles one bank return file in its own process (for the crash tests):
python -m tests.ledger.bank_worker URL RETURN_FILE"""

from __future__ import annotations

import sys

from ledger.db import get_engine
from tasks.bank_round import post_outcomes, read_return_file

if __name__ == "__main__":
    url, path = sys.argv[1], sys.argv[2]
    engine = get_engine(url)
    rows, checksum = read_return_file(path)
    print("ready", flush=True)
    post_outcomes(engine, path, checksum, rows)
    print("done", flush=True)
