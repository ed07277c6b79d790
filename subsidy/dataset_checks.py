"""The Great Expectations dataset checks of an intake run in the intake's own process, on the tables it read
(``tasks.intake.check_datasets``): no file is read a second time, in another process or this one.

GX alone takes seconds to load: ``subsidy intake`` loads it the moment it starts, while the temporary Prefect
server (a process of its own) starts beside it.
"""

from __future__ import annotations

import os


def start_early(files: list[str]) -> None:
    """Load Great Expectations now when there are application files to check (what the intake flow would load
    later, after the Prefect server is ready)."""
    if not files:
        return
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations  # noqa: F401
