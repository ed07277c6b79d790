"""X-HIGHEST (附则, 就高不重复): support of one kind for one project is paid up to the highest amount it qualifies
for, never twice. Applications with the same (applicant, project, kind) each pay ``max(0, own − already granted
− received elsewhere)`` (I-2: an upgrade pays the difference; I-3: support from another district policy is
deducted). A diagnosis report is one such project whoever claims it (I-14).

In decision order, what a key has granted after each application is the running maximum of what the eligible
ones before it asked (less what was received elsewhere), and what earlier runs granted: a group-wise scan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

READINGS = ("I-2", "I-3")


def granted_before(keys: np.ndarray, asked: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Per row (decision order): what its key was granted before it: earlier runs, then the running maximum of
    ``asked`` over the earlier rows of the same key (rows that ask nothing: 0)."""
    running = pd.Series(asked).groupby(keys, sort=False).cummax()
    before = running.groupby(keys, sort=False).shift(1).fillna(0).to_numpy(dtype=np.int64)
    return np.maximum(earlier, before)


def already_supported(
    own: np.ndarray, granted: np.ndarray, received: np.ndarray, readings: dict[str, str]
) -> np.ndarray:
    """The most each application may still add: its own amount less what this policy granted and what another
    district policy paid (I-2, I-3), never below 0."""
    limit = np.maximum(own - granted - received, 0)
    if readings["I-2"] == "upgrade_pays_nothing":
        limit = np.where(granted > 0, 0, limit)
    if readings["I-3"] == "reject":
        limit = np.where(received > 0, 0, limit)
    return np.minimum(own, limit)
