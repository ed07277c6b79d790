"""The trace of one decision: the parameters it read (with effective dates) and the steps it took."""

from __future__ import annotations

from datetime import date
from typing import Any

from rules.params import PolicyParameters

_SHARED: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}


def shared(record: dict[str, Any]) -> dict[str, Any]:
    """One dict object for all equal screening records (a million decisions carry a handful of distinct ones);
    records are never changed once made."""
    key = tuple(record.items())
    found = _SHARED.get(key)
    if found is None:
        if len(_SHARED) > 100_000:  # unbounded variety (dates, codes): stop sharing rather than grow
            return record
        found = _SHARED[key] = record
    return found


class Trace:
    """Collects what a rule read and did, so ``subsidy explain`` can show how an amount came about."""

    __slots__ = ("params", "day", "parameters", "steps", "caps", "reductions", "screening")

    def __init__(self, params: PolicyParameters, day: date) -> None:
        self.params = params
        self.day = day  # parameters are read as in force on the submission date
        self.parameters: dict[str, dict[str, Any]] = {}
        self.steps: list[str] = []
        self.caps: list[str] = []
        self.reductions: list[str] = []
        self.screening: dict[str, Any] = {}

    def param(self, key: str) -> Any:
        """The parameter in force on the submission date (see ``PolicyParameters.traced``)."""
        value, record = self.params.traced(key, self.day)
        self.parameters[key] = record
        return value

    def reading(self, interpretation_id: str) -> str:
        reading, record = self.params.traced_reading(interpretation_id)
        self.parameters[interpretation_id] = record
        return reading

    def step(self, text: str) -> None:
        self.steps.append(text)

    def as_dict(self) -> dict[str, Any]:
        return {
            "parameters_on": self.day.isoformat(),
            "parameters": self.params.shared_set(self.parameters),
            "screening": self.screening,
            "steps": self.steps,
            "caps": self.caps,
            "reductions": self.reductions,
        }
