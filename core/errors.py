"""Errors of the subsidy system.

SubsidyError                 every error the project raises on purpose; the CLI prints its message
├── InputFileError           a whole file cannot be used (unreadable, not a table, missing columns);
│                            nothing from it is stored
├── ReferenceDataError       a reference file (blacklist, registry, ...) has bad rows; it is refused whole
├── ParameterError           a policy parameter is missing or has no value on the asked date
├── DatabaseError            the database cannot be reached or migrated
└── LedgerError
    ├── IdempotencyConflict  the same business key was posted before with different content
    └── LedgerIntegrityError verification found an unbalanced entry or a broken hash chain
"""

from __future__ import annotations


class SubsidyError(Exception):
    """Base of every error the project raises on purpose."""


class InputFileError(SubsidyError):
    """A whole input file cannot be used; names the file and the problem."""

    def __init__(self, file: str, problem: str) -> None:
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


class ReferenceDataError(InputFileError):
    """A reference-data file has bad rows; the file is refused whole so the snapshot stays consistent."""


class ParameterError(SubsidyError):
    """A policy parameter is missing, malformed, or has no value in force on the asked date."""


class DatabaseError(SubsidyError):
    """The database cannot be reached, created or migrated."""


class LedgerError(SubsidyError):
    """A ledger operation was refused."""


class IdempotencyConflict(LedgerError):
    """A business key that was posted before arrived again with different content."""

    def __init__(self, business_key: str) -> None:
        self.business_key = business_key
        super().__init__(
            f"ledger: business key {business_key!r} was already posted with different content; "
            "a correction must be a new reversing entry"
        )


class LedgerIntegrityError(LedgerError):
    """Verification found the first bad entry (or, ``subject`` named, the first bad record of another kind)."""

    def __init__(self, seq: int, problem: str, subject: str | None = None) -> None:
        self.seq = seq
        self.problem = problem
        super().__init__(f"{subject or f'ledger entry #{seq}'}: {problem}")
