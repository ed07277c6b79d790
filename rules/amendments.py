"""Amendments as data: parameter files in the shape of ``rules/parameters/`` whose dated values are merged into the
policy's, and readings chosen by name (``I-4=first_come``), for what-if runs.

An amendment names parameters that exist, in the unit they have, with values of the same shape (one value, or a
list), each from its own effective date; a value on a date the policy already has replaces it there, another date
adds a value from that day on. Anything else is refused with a message naming the file and line. An amendment
never touches the shipped files: it gives another ``PolicyParameters``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from core.errors import ParameterError
from rules.parameter_files import DatedValue, ParameterSpec, read_parameter_file
from rules.params import Parameter, PolicyParameters, parameter_of

NOT_ASKED_OF_DECISIONS = {
    "I-6": "it governs the disbursement cycles (an installment falling due while blacklisted), not decisions",
    "I-10": "the enterprises that count for an A5 claim are a fact each decision kept as counted when it was made",
    "I-15": "amounts given outside the rules were rounded to the fen as they entered (the snapshots keep fen)",
}
"""Readings a what-if of the stored decisions cannot change, and why."""


@dataclass(frozen=True)
class AmendedValue:
    """One dated value an amendment sets, and what the policy had in force that day."""

    key: str
    effective_from: date
    value: Any
    before: Any
    where: str


@dataclass(frozen=True)
class Amendment:
    """The amended parameters, what changed, and the readings chosen."""

    params: PolicyParameters
    values: tuple[AmendedValue, ...]
    readings: tuple[tuple[str, str, str], ...]
    """(interpretation, reading before, reading chosen)."""


def amendment_files(path: Path) -> list[Path]:
    """The YAML files of an amendment: the file given, or every ``*.yaml`` of the folder given."""
    if path.is_dir():
        files = sorted(path.glob("*.yaml"))
        if not files:
            raise ParameterError(f"{path}: the folder holds no *.yaml parameter file")
        return files
    if not path.is_file():
        raise ParameterError(f"{path}: no such parameter file or folder")
    return [path]


def amend(params: PolicyParameters, path: Path | None, readings: list[str] | None = None) -> Amendment:
    """``params`` with the dated values of the amendment at ``path`` merged in and the ``readings`` chosen."""
    changed: dict[str, Parameter] = {}
    values: list[AmendedValue] = []
    seen: dict[tuple[str, date], str] = {}
    for file in amendment_files(path) if path is not None else []:
        found = read_parameter_file(file, str(file))
        if found.interpretations:
            raise ParameterError(
                f"{file}: an amendment sets parameters only; choose a reading with --reading I-n=VALUE"
            )
        for spec in found.parameters:
            current = changed.get(spec.key) or _shipped(params, spec, found.where)
            for v in spec.values:
                where = f"{found.where}, line {v.line}"
                earlier = seen.setdefault((spec.key, v.effective_from), where)
                if earlier != where:
                    raise ParameterError(f"{where}: {spec.key} from {v.effective_from} is already amended at {earlier}")
                _same_shape(current, v, spec.key, where)
                values.append(
                    AmendedValue(spec.key, v.effective_from, v.value, _in_force(current, v.effective_from), where)
                )
            changed[spec.key] = _merged(current, spec)
    amended = PolicyParameters({**params.parameters, **changed}, params.interpretations, params.clause_names_zh)
    chosen = []
    for text in readings or []:
        iid, reading = parse_reading(text, amended)
        chosen.append((iid, amended.reading(iid), reading))
        amended = amended.with_reading(iid, reading)
    return Amendment(amended, tuple(values), tuple(chosen))


def parse_reading(text: str, params: PolicyParameters) -> tuple[str, str]:
    """``I-n=VALUE`` checked against the interpretations and their choices."""
    iid, sep, reading = text.partition("=")
    iid, reading = iid.strip(), reading.strip()
    if not sep or not iid or not reading:
        raise ParameterError(f"--reading {text!r}: write it as I-n=VALUE, e.g. I-4=first_come")
    if iid not in params.interpretations:
        raise ParameterError(f"--reading {text!r}: no interpretation {iid!r} (I-1 … I-{len(params.interpretations)})")
    if iid in NOT_ASKED_OF_DECISIONS:
        raise ParameterError(
            f"--reading {text!r}: a what-if decides applications again, and {iid} does not change there: "
            f"{NOT_ASKED_OF_DECISIONS[iid]}"
        )
    choices = params.interpretations[iid].choices
    if reading not in choices:
        raise ParameterError(f"--reading {text!r}: {iid} has no reading {reading!r}; choices: {', '.join(choices)}")
    return iid, reading


def _shipped(params: PolicyParameters, spec: ParameterSpec, where: str) -> Parameter:
    """The policy's parameter an amendment names, in the unit the amendment gives."""
    found = params.parameters.get(spec.key)
    if found is None:
        clause = spec.key.split(".")[0]
        names = sorted(k.split(".", 1)[1] for k in params.parameters if k.split(".")[0] == clause)
        known = f"{clause}'s parameters: {', '.join(names)}" if names else "no clause of that name"
        raise ParameterError(f"{where}, line {spec.line}: no policy parameter {spec.key!r} ({known})")
    if spec.unit != found.unit:
        raise ParameterError(f"{where}, line {spec.unit_line}: {spec.key} is in {found.unit!r}, not {spec.unit!r}")
    return found


def _same_shape(parameter: Parameter, value: DatedValue, key: str, where: str) -> None:
    listed = isinstance(parameter.values[0], tuple)
    if listed != isinstance(value.value, tuple):
        raise ParameterError(f"{where}: {key} takes {'a list of values' if listed else 'one value'}")
    if listed and parameter.unit == "ratio per year" and len(value.value) != len(parameter.values[0]):
        raise ParameterError(f"{where}: {key} takes {len(parameter.values[0])} yearly values, not {len(value.value)}")


def _in_force(parameter: Parameter, day: date) -> Any:
    try:
        return parameter.at(day).value
    except ParameterError:
        return None


def _merged(parameter: Parameter, spec: ParameterSpec) -> Parameter:
    """The parameter's dated values with the amendment's: a value on the same date replaced, others added."""
    by_day = {d: DatedValue(d, v, 0) for d, v in zip(parameter.dates, parameter.values, strict=True)}
    by_day.update({v.effective_from: v for v in spec.values})
    merged = tuple(by_day[d] for d in sorted(by_day))
    return parameter_of(
        ParameterSpec(parameter.name, parameter.description, parameter.unit, parameter.reference, merged, 0, 0)
    )


def shown_value(value: Any) -> str:
    """A parameter value as an amendment summary prints it."""
    if isinstance(value, tuple):
        return "[" + ", ".join(shown_value(v) for v in value) + "]"
    return "—" if value is None else str(value)


def amendment_rows(amendment: Amendment) -> list[dict[str, str]]:
    """What an amendment sets, value by value and reading by reading, against what the policy has."""
    rows = [
        {
            "amends": v.key,
            "from": v.effective_from.isoformat(),
            "policy": shown_value(v.before),
            "amended": shown_value(v.value),
            "where": v.where,
        }
        for v in amendment.values
    ]
    rows += [
        {"amends": iid, "from": "", "policy": old, "amended": new, "where": "--reading"}
        for iid, old, new in amendment.readings
    ]
    return rows or [{"amends": "nothing", "from": "", "policy": "", "amended": "", "where": ""}]
