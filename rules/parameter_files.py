"""Parameter files read strictly: the shipped ones of ``rules/parameters/`` and amendments in the same shape.

A file is one YAML mapping: ``clause``, optionally ``name_zh``, ``parameters`` (each with ``description``,
``unit``, ``reference`` and dated ``values``) and ``interpretations`` (each with ``question``, ``reading`` and
``choices``). A key not among these, a unit not among ``UNITS``, a date that is not YYYY-MM-DD, a value that is not
exact (a float), not of its unit, or negative is refused with a message naming the file and the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from core.errors import ParameterError

FILE_KEYS = ("clause", "name_zh", "parameters", "interpretations")
PARAMETER_KEYS = ("description", "unit", "reference", "values")
INTERPRETATION_KEYS = ("question", "reading", "choices")
COUNTED = frozenset({"people", "years", "count"})
"""Units whose values are whole numbers."""
LISTED = frozenset({"list of field codes", "list of entity types", "list of clause ids"})
"""Units whose values are lists of codes, kept as written."""
UNITS = frozenset({"CNY", "ratio", "ratio per year", "date", "text", *COUNTED, *LISTED})


@dataclass(frozen=True)
class DatedValue:
    effective_from: date
    value: Any
    line: int


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter as a file gives it (``clause.name``), its values oldest first, and where it is written."""

    key: str
    description: str
    unit: str
    reference: str
    values: tuple[DatedValue, ...]
    line: int
    unit_line: int


@dataclass(frozen=True)
class Interpretation:
    """One reading of an unclear part of the policy (I-1 ... I-16) and its alternatives."""

    id: str
    question: str
    reading: str
    choices: tuple[str, ...]


@dataclass(frozen=True)
class ParameterFile:
    where: str
    clause: str | None
    name_zh: str | None
    parameters: tuple[ParameterSpec, ...]
    interpretations: tuple[Interpretation, ...]


def read_parameter_file(path: Path, where: str | None = None) -> ParameterFile:
    """One parameter file, every value checked (``where`` names it in messages; default its file name)."""
    shown = where or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ParameterError(f"{shown}: cannot be read as UTF-8 text: {e}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise ParameterError(f"{shown}{line}: not YAML: {getattr(e, 'problem', e)}") from None
    if node is None:
        return ParameterFile(shown, None, None, (), ())
    top = _mapping(node, shown, "the file", FILE_KEYS)
    clause = _text(top, "clause", shown)
    parameters = tuple(
        _parameter(f"{clause}.{name}", spec, shown) for name, spec in _entries(top.get("parameters"), shown)
    )
    if parameters and clause is None:
        raise ParameterError(f"{shown}, line {parameters[0].line}: parameters without a `clause:` to belong to")
    interpretations = tuple(
        _interpretation(iid, spec, shown) for iid, spec in _entries(top.get("interpretations"), shown)
    )
    return ParameterFile(shown, clause, _text(top, "name_zh", shown), parameters, interpretations)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _mapping(node: yaml.Node, where: str, what: str, allowed: tuple[str, ...]) -> dict[str, yaml.Node]:
    """A mapping node's entries by key; a key not ``allowed`` (when given), or given twice, is refused."""
    if not isinstance(node, yaml.MappingNode):
        raise ParameterError(f"{where}, line {_line(node)}: {what} must be a mapping of names to values")
    out: dict[str, yaml.Node] = {}
    for key, value in node.value:
        name = str(key.value)
        if allowed and name not in allowed:
            raise ParameterError(
                f"{where}, line {_line(key)}: unknown key {name!r} in {what}; expected {', '.join(allowed)}"
            )
        if name in out:
            raise ParameterError(f"{where}, line {_line(key)}: {name!r} is given twice in {what}")
        out[name] = value
    return out


def _entries(node: yaml.Node | None, where: str) -> list[tuple[str, yaml.Node]]:
    """The entries of a section (``parameters``, ``values``): each name with its value's node, which starts on
    the name's line."""
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")):
        return []
    _mapping(node, where, "this section", ())  # refuses a name given twice
    assert isinstance(node, yaml.MappingNode)
    return [(str(key.value), _from_line(value, key)) for key, value in node.value]


def _from_line(value: yaml.Node, key: yaml.Node) -> yaml.Node:
    """``value`` marked as starting on its key's line (a block mapping's value starts on the next one)."""
    value.start_mark = key.start_mark
    return value


def _plain(node: yaml.Node) -> Any:
    """The value a node holds, as YAML's safe loader makes it (quoted text stays text, 0.5 is a float)."""
    return yaml.SafeLoader("").construct_document(node)


def _text(mapping: dict[str, yaml.Node], key: str, where: str) -> str | None:
    node = mapping.get(key)
    if node is None:
        return None
    if not isinstance(node, yaml.ScalarNode):
        raise ParameterError(f"{where}, line {_line(node)}: {key} must be one value")
    return str(node.value)


def _parameter(key: str, node: yaml.Node, where: str) -> ParameterSpec:
    spec = _mapping(node, where, f"parameter {key}", PARAMETER_KEYS)
    unit = _text(spec, "unit", where)
    unit_node = spec.get("unit", node)
    if unit is None:
        raise ParameterError(f"{where}, line {_line(node)}: parameter {key} has no unit")
    if unit not in UNITS:
        raise ParameterError(
            f"{where}, line {_line(unit_node)}: parameter {key}: unknown unit {unit!r}; "
            f"one of {', '.join(sorted(UNITS))}"
        )
    values = [
        DatedValue(
            _day(day, where, _line(value)),
            _value(_plain(value), unit, f"{where}, line {_line(value)}: {key}"),
            _line(value),
        )
        for day, value in _entries(spec.get("values"), where)
    ]
    if not values:
        raise ParameterError(f"{where}, line {_line(node)}: parameter {key} has no dated values")
    return ParameterSpec(
        key,
        _text(spec, "description", where) or "",
        unit,
        _text(spec, "reference", where) or key.split(".")[0],
        tuple(sorted(values, key=lambda v: v.effective_from)),
        _line(node),
        _line(unit_node),
    )


def _interpretation(iid: str, node: yaml.Node, where: str) -> Interpretation:
    spec = _mapping(node, where, f"interpretation {iid}", INTERPRETATION_KEYS)
    choices_node = spec.get("choices")
    choices = tuple(str(c) for c in (_plain(choices_node) if choices_node is not None else []))
    reading = _text(spec, "reading", where) or ""
    if reading not in choices:
        raise ParameterError(f"{where}, line {_line(node)}: {iid} reading {reading!r} is not among its choices")
    return Interpretation(iid, _text(spec, "question", where) or "", reading, choices)


def _day(raw: str, where: str, line: int) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ParameterError(f"{where}, line {line}: effective date {raw!r} is not a date (YYYY-MM-DD)") from None


def _value(value: Any, unit: str, where: str) -> Any:
    """A YAML value as its exact Python value for ``unit``: money and ratios as Decimal (never float, never
    negative), whole numbers as int, dates as date, code lists as tuples of text."""
    if isinstance(value, list):
        if unit in LISTED:
            return tuple(str(v) for v in value)
        return tuple(_value(v, unit, where) for v in value)
    if isinstance(value, bool) or value is None or isinstance(value, dict):
        raise ParameterError(f"{where}: {value!r} is not a value of unit {unit!r}")
    if isinstance(value, float):
        raise ParameterError(f"{where}: write {value!r} as a quoted string so it stays an exact decimal")
    if unit == "date":
        try:
            return value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise ParameterError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None
    if unit in LISTED:
        raise ParameterError(f"{where}: unit {unit!r} takes a list, not {value!r}")
    if unit == "text":
        return str(value)
    if unit in COUNTED:
        if not isinstance(value, int) or value < 0:
            raise ParameterError(f"{where}: {value!r} is not a whole number of {unit}")
        return value
    try:
        number = Decimal(str(value)) if isinstance(value, (str, int)) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ParameterError(f"{where}: {value!r} is not an exact decimal ({unit})")
    if number < 0:
        raise ParameterError(f"{where}: {value!r} is negative; a {unit} value is 0 or more")
    return number
