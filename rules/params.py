"""Dated policy parameters read from the YAML files in ``rules/parameters/``.

Every amount, rate, cap, threshold and date of the policy lives there, keyed by the date each value takes
effect (X-VALID: superior policy may amend this one, so an amendment is a new dated value, never an edit).
A rule asks for a parameter *on a day* and gets the value with its effective date, which goes into the
decision's trace so a later amendment never silently rewrites a past decision.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.errors import ParameterError
from rules.parameter_files import DatedValue, Interpretation, ParameterSpec, read_parameter_file

PARAMETER_DIR = Path(__file__).parent / "parameters"


@dataclass(frozen=True, slots=True)
class ParameterValue:
    """One parameter's value in force on a day, with the date it took effect."""

    name: str
    value: Any
    effective_from: date
    reference: str
    unit: str

    def as_trace(self) -> dict[str, Any]:
        return {
            "value": _jsonable(self.value),
            "effective_from": self.effective_from.isoformat(),
            "reference": self.reference,
            "unit": self.unit,
        }


@dataclass(frozen=True, slots=True)
class Parameter:
    """A named parameter and its dated values, oldest first."""

    name: str
    description: str
    unit: str
    reference: str
    dates: tuple[date, ...]
    values: tuple[Any, ...]

    def at(self, day: date) -> ParameterValue:
        """The value in force on ``day``: the latest one whose effective date is on or before it."""
        i = bisect.bisect_right(self.dates, day) - 1
        if i < 0:
            raise ParameterError(
                f"parameter {self.name} has no value in force on {day.isoformat()} "
                f"(first value from {self.dates[0].isoformat()})"
            )
        return ParameterValue(self.name, self.values[i], self.dates[i], self.reference, self.unit)


@dataclass(frozen=True)
class PolicyParameters:
    """All parameters of the policy, by ``"<clause>.<name>"``, and the interpretations in force."""

    parameters: dict[str, Parameter]
    interpretations: dict[str, Interpretation]
    clause_names_zh: dict[str, str] = field(default_factory=dict)
    _traced: dict[tuple[str, date], tuple[Any, dict[str, Any]]] = field(default_factory=dict, compare=False, repr=False)
    _sets: dict[tuple[tuple[str, int], ...], dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)

    def shared_set(self, used: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """One dict object for every decision that used exactly the same parameter records (their trace records
        are themselves shared by ``traced``), so a batch holds a few dozen sets, not one per decision."""
        key = tuple((k, id(v)) for k, v in used.items())
        return self._sets.setdefault(key, used)

    def traced(self, key: str, day: date) -> tuple[Any, dict[str, Any]]:
        """The value in force on ``day`` and its trace record (value, effective date, clause), computed once per
        key and day: a batch of a million applications has only a few hundred submission days. A day before the
        parameter's first value takes that first value (X-VALID rejects such an application anyway, but every
        other reason that applies is still listed)."""
        found = self._traced.get((key, day))
        if found is None:
            parameter = self.parameters.get(key)
            on = max(day, parameter.dates[0]) if parameter is not None else day
            value = self.at(key, on)
            found = self._traced[(key, day)] = (value.value, value.as_trace())
        return found

    def epoch(self, day: date) -> tuple[int, ...]:
        """Which value of every parameter is in force on ``day``: days with equal epochs read equal parameters."""
        return tuple(max(0, bisect.bisect_right(parameter.dates, day) - 1) for parameter in self.parameters.values())

    def at(self, key: str, day: date) -> ParameterValue:
        try:
            parameter = self.parameters[key]
        except KeyError:
            raise ParameterError(f"no policy parameter named {key!r}") from None
        return parameter.at(day)

    def reading(self, interpretation_id: str) -> str:
        try:
            return self.interpretations[interpretation_id].reading
        except KeyError:
            raise ParameterError(f"no interpretation named {interpretation_id!r}") from None

    def with_reading(self, interpretation_id: str, reading: str) -> PolicyParameters:
        """A copy with another reading selected (for what-if runs and tests of the alternatives)."""
        current = self.interpretations[interpretation_id]
        if reading not in current.choices:
            raise ParameterError(
                f"{interpretation_id} has no reading {reading!r}; choices: {', '.join(current.choices)}"
            )
        changed = dict(self.interpretations)
        changed[interpretation_id] = Interpretation(current.id, current.question, reading, current.choices)
        return PolicyParameters(self.parameters, changed, self.clause_names_zh)

    def traced_reading(self, interpretation_id: str) -> tuple[str, dict[str, Any]]:
        """The reading selected for an interpretation and its trace record (computed once)."""
        found = self._traced.get((interpretation_id, date.min))
        if found is None:
            reading = self.reading(interpretation_id)
            found = self._traced[(interpretation_id, date.min)] = (
                reading,
                {"value": reading, "reference": "interpretation"},
            )
        return found


class ParametersOn:
    """The parameters in force on one day, as the rules read them (``p("A2.cumulative_cap")``,
    ``p.reading("I-12")``); what was read, with effective dates, is kept for the decisions' trace."""

    __slots__ = ("params", "day", "used")

    def __init__(self, params: PolicyParameters, day: date) -> None:
        self.params = params
        self.day = day
        self.used: dict[str, dict[str, Any]] = {}

    def __call__(self, key: str) -> Any:
        value, record = self.params.traced(key, self.day)
        self.used[key] = record
        return value

    def reading(self, interpretation_id: str) -> str:
        reading, record = self.params.traced_reading(interpretation_id)
        self.used[interpretation_id] = record
        return reading

    def record(self) -> dict[str, dict[str, Any]]:
        """What was read (one shared dict for every group that read the same records)."""
        return self.params.shared_set(dict(self.used))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def load_parameters(directory: Path = PARAMETER_DIR) -> PolicyParameters:
    """Read every parameter file of ``directory`` (strictly: ``rules.parameter_files``)."""
    parameters: dict[str, Parameter] = {}
    interpretations: dict[str, Interpretation] = {}
    names_zh: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        found = read_parameter_file(path)
        for i in found.interpretations:
            interpretations[i.id] = i
        if found.clause and found.name_zh:
            names_zh[found.clause] = found.name_zh
        for spec in found.parameters:
            parameters[spec.key] = parameter_of(spec)
    return PolicyParameters(parameters, interpretations, names_zh)


def parameter_of(spec: ParameterSpec, dated: tuple[DatedValue, ...] | None = None) -> Parameter:
    """The parameter a file gives (with other dated values, when given: an amendment's merged in)."""
    values = dated if dated is not None else spec.values
    return Parameter(
        name=spec.key,
        description=spec.description,
        unit=spec.unit,
        reference=spec.reference,
        dates=tuple(v.effective_from for v in values),
        values=tuple(v.value for v in values),
    )


@lru_cache(maxsize=1)
def default_parameters() -> PolicyParameters:
    """The parameters shipped with the project (read once per process)."""
    return load_parameters()
