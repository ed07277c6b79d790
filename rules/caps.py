"""Caps shared by several applications, filled in decision order across runs: A2's cumulative 3,000,000 per
enterprise (I-12), A5's 1,000,000 per provider and claim year, A7-ALLIANCE's 500,000 per chair unit and claim
year. An application gets what is left of its cap; the later ones are the ones cut."""

from __future__ import annotations

import numpy as np
import pandas as pd


def shared_cap(
    groups: np.ndarray, asked: np.ndarray, earlier: np.ndarray, cap: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row (decision order): (what it may have, what of its group's cap was used before it). ``earlier``:
    what earlier runs used (the same for a group's rows). Used after each row is ``min(cap, earlier + asked so
    far)``, as each row is cut to what is left."""
    so_far = pd.Series(asked).groupby(groups, sort=False).cumsum().to_numpy(dtype=np.int64) - asked
    used = np.where(earlier >= cap, earlier, np.minimum(cap, earlier + so_far))
    return np.minimum(asked, np.maximum(cap - used, 0)), used
