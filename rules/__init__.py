"""The policy as code: pure functions and dated parameters; no I/O, no Prefect, no database."""
