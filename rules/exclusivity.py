"""X-ONEINV (附则): one enterprise enjoys at most one investment-type subsidy (A1, A3-INV, A6-INV) per policy cycle.

I-4: among the investment-type applications of one enterprise in the same run the highest award wins whatever the
order (ties: the earlier in decision order); under the alternative reading the first in decision order. An award
granted in an earlier run blocks every later one. I-16: a major project's case-decision amount competes like any
investment-type award; while it waits for its case decision it neither blocks nor is blocked (under the
alternative reading case-decided projects stay outside X-ONEINV altogether).
"""

from __future__ import annotations

import numpy as np

from rules.facts import Blocker
from rules.money import cny_of_fen
from rules.table import group_codes, isin

READINGS = ("I-4", "I-16")


def investment_exclusivity(
    uscc: np.ndarray,
    clause: np.ndarray,
    application_id: np.ndarray,
    investment: np.ndarray,
    contending: np.ndarray,
    major: np.ndarray,
    waiting: np.ndarray,
    earlier: np.ndarray,
    readings: dict[str, str],
) -> np.ndarray:
    """For each row, the ``Blocker`` that takes its investment-type subsidy, or None.

    ``investment``: investment-type rows; ``contending``: what each would be granted (0: cannot win);
    ``major``: major projects, ``waiting`` those without a case decision yet; ``earlier``: the blocker an
    earlier run's award makes (facts)."""
    blocked = np.full(len(uscc), None, dtype=object)
    outside = major if readings["I-16"] == "outside_oneinv" else np.zeros(len(uscc), dtype=bool)
    rows = np.flatnonzero(investment & ~outside)
    if not len(rows):
        return blocked
    from_earlier = np.array(
        [
            b is not None and not (b.case_by_case and readings["I-16"] == "outside_oneinv")
            for b in earlier[rows].tolist()
        ],
        dtype=bool,
    )
    blocked[rows[from_earlier]] = earlier[rows[from_earlier]]
    rows = rows[~from_earlier & ~_group_has(uscc[rows], from_earlier)]
    amount = contending[rows]
    group = group_codes(uscc[rows])
    candidates = np.flatnonzero(amount > 0)
    if not len(candidates):
        return blocked
    rank = (candidates,) if readings["I-4"] == "first_come" else (candidates, -amount[candidates])
    order = candidates[np.lexsort((*rank, group[candidates]))]
    first = np.ones(len(order), dtype=bool)
    first[1:] = group[order][1:] != group[order][:-1]
    winners = order[first]
    words = {
        int(group[w]): Blocker(
            f"{clause[rows[w]]} application {application_id[rows[w]]} ({cny_of_fen(int(amount[w]))}) is this "
            "enterprise's one investment-type subsidy"
        )
        for w in winners.tolist()
    }
    losing = isin(group, list(words)) & ~waiting[rows]
    losing[winners] = False
    for j in np.flatnonzero(losing).tolist():
        blocked[rows[j]] = words[int(group[j])]
    return blocked


def _group_has(uscc: np.ndarray, flag: np.ndarray) -> np.ndarray:
    """Rows whose enterprise has a flagged row."""
    return isin(uscc, set(uscc[flag].tolist())) if flag.any() else np.zeros(len(uscc), dtype=bool)
