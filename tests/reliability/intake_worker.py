"""Runs one intake (no Prefect) in its own process, for the fault tests: python -m tests.reliability.intake_worker
URL FILE [fsize-limit-bytes]"""

from __future__ import annotations

import resource
import signal
import sys
from datetime import date

from core.errors import SubsidyError
from ledger.db import get_engine
from rules.params import default_parameters
from tasks.intake_run import record_intake
from validations.batch import validate_table
from validations.readers import read_table

if __name__ == "__main__":
    url, path = sys.argv[1], sys.argv[2]
    engine = get_engine(url)
    table = validate_table(read_table(path, "applications"))
    if len(sys.argv) > 3:  # a full disk: writes past this size fail (EFBIG) instead of killing the process
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = int(sys.argv[3])
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    print("ready", flush=True)
    try:
        record_intake(engine, [table], {}, date(2024, 6, 28), default_parameters(), [], {})
    except SubsidyError as e:
        print(f"error: {e}", flush=True)
        sys.exit(2)
    except Exception as e:  # the message the CLI would print for a database error
        print(f"error: {e.__class__.__name__}: {str(e).splitlines()[0]}", flush=True)
        sys.exit(2)
    print("done", flush=True)
