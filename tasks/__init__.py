"""Prefect tasks: thin, typed calls into rules/, validations/ and ledger/; one per step or batch."""
