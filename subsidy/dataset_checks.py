"""The Great Expectations dataset checks of an intake, in a process of their own.

They read the application files themselves and run on the other core while the intake decides and records the
batch; their outcome is written to ``<docs>/checks.json`` (Data Docs beside it). ``subsidy intake`` starts them
the moment it starts (GX alone takes seconds to load); the intake flow picks up checks already started for its
files, or starts them itself. Standard library only, so starting them costs nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.settings import data_docs_dir


@dataclass
class DatasetChecks:
    process: subprocess.Popen[bytes] | None
    docs: Path

    def outcome(self) -> dict[str, Any]:
        """Wait for the checks; their results per file and where the Data Docs are (or what went wrong)."""
        if self.process is None:
            return {"files": {}, "data_docs": None}
        result = self.docs / "checks.json"
        if self.process.wait() == 0 and result.exists():
            outcome: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
            return outcome
        log = (self.docs / "checks.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return {"files": {}, "data_docs": None, "error": f"dataset checks failed: {(log or ['?'])[-1]}"}


_STARTED: dict[tuple[str, ...], DatasetChecks] = {}


def start(files: list[str]) -> DatasetChecks:
    """Start the checks of ``files`` (or take the ones already started for exactly these files)."""
    found = _STARTED.pop(tuple(files), None)
    if found is not None:
        return found
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    docs = data_docs_dir() / f"intake-{stamp}-{uuid.uuid4().hex[:6]}"
    if not files:
        return DatasetChecks(None, docs)
    docs.mkdir(parents=True, exist_ok=True)
    with open(docs / "checks.log", "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "validations.suites", "applications", str(docs), *files],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, "GX_ANALYTICS_ENABLED": "false"},
        )
    return DatasetChecks(process, docs)


def start_early(files: list[str]) -> None:
    """Start the checks now, for the intake flow to pick up."""
    _STARTED[tuple(files)] = start(files)
