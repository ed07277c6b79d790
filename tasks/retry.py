"""When a task may be retried: only on transient database errors (a dropped connection, a busy SQLite file).
Every database step is one transaction, so a retry starts over from nothing."""

from __future__ import annotations

from typing import Any

from prefect.tasks import exponential_backoff
from sqlalchemy.exc import DBAPIError, OperationalError

from core.errors import DatabaseError

RETRY_DELAYS = exponential_backoff(backoff_factor=2)


def transient_database_error(task: Any, task_run: Any, state: Any) -> bool:
    """Retry on a lost connection or a locked database; never on bad input or a refused posting."""
    error = getattr(state, "data", None)
    if isinstance(error, OperationalError | DatabaseError):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)
