"""What a ledger entry is for (its business key) and the two accounts it moves money between: both follow from what
the entry says, so neither is stored. One table of names below gives them in Python, for posting and hashing, and in
SQL, for reading the ledger back; ``ledger verify`` recomputes every entry's hash from the SQL form, so the two can
not drift apart unnoticed.

Accounts (integer fen):
    budget:<clause>:<year>      the budget line an installment is committed against (debit)
    payable:<uscc>              what the district owes a recipient (credit on commitment)
    paid:<clause>:<year>        money paid out in a cycle
    forfeited:<clause>:<year>   installments forfeited in a cycle (I-6): the commitment is released
    in_transit:<clause>:<year>  paid installments sent to the bank in a payments file, its outcome not yet known
    cleared:<clause>:<year>     paid installments the bank's return file says reached the recipient
    returned:<clause>:<year>    paid installments the bank returned (bounced), owed again: the next payments file
                                offers them again
    cancelled:<clause>:<year>   installments of a revoked award that were not settled: the commitment is released
    withheld:<clause>:<year>    paid installments of a revoked award that the bank never got (or returned): kept
    receivable:<uscc>           what a recipient owes back of a revoked award that reached it (claimed)
    recovered:<clause>:<year>   what recipients paid back

The money of one paid installment goes along a trail, each step an entry that follows the one before it
(``reverses_seq`` names that entry; a unique index lets each entry be followed once): payment → issue (paid →
in_transit) → clear (in_transit → cleared) or bounce (in_transit → returned) → reissue (returned → in_transit) → …
So a payment is issued once, an issue has one outcome, a bounce is offered again once, whatever runs again. A
revocation (``subsidy recover``) ends each trail: a payment not yet sent is withheld (paid → withheld), a returned one
retained (returned → withheld), a cleared one claimed back (cleared → receivable, all or part of it), and each receipt
of money paid back follows the claim or the receipt before it (receivable → recovered); the installments not yet
settled are cancelled (payable → cancelled, their one settlement).

Business keys: ``commitment/<app>/<k>``, ``settlement/<app>/<k>`` (a payment, a forfeit or a cancellation: one per
installment), ``reversal/<seq>``, ``<step>/<app>/<k>/<seq followed>`` for each step of a trail. A reversal moves
the entry it reverses back: its accounts are that entry's, swapped.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, String, case, cast, literal

from core.errors import LedgerError

COMMITMENT, PAYMENT, FORFEIT, REVERSAL = "commitment", "payment", "forfeit", "reversal"
ISSUE, REISSUE, CLEAR, BOUNCE = "issue", "reissue", "clear", "bounce"
BANK_TRANSFERS = (ISSUE, REISSUE, CLEAR, BOUNCE)
"""The steps of a paid installment's money through the bank; each follows one entry (``FOLLOWS``)."""
CANCEL, WITHHOLD, RETAIN, CLAIM, RECEIPT = "cancel", "withhold", "retain", "claim", "receipt"
RECOVERY_STEPS = (WITHHOLD, RETAIN, CLAIM, RECEIPT)
"""The steps a revocation adds to a paid installment's trail; each follows one entry (``FOLLOWS``)."""
FOLLOWS = {
    ISSUE: (PAYMENT,),
    REISSUE: (BOUNCE,),
    CLEAR: (ISSUE, REISSUE),
    BOUNCE: (ISSUE, REISSUE),
    WITHHOLD: (PAYMENT,),
    RETAIN: (BOUNCE,),
    CLAIM: (CLEAR,),
    RECEIPT: (CLAIM, RECEIPT),
}
"""The kinds of entry each step of a trail follows."""
TRAIL_STEPS = (*BANK_TRANSFERS, *RECOVERY_STEPS)

ACCOUNTS = {
    "budget": "budget:{clause}:{fiscal_year}",
    "payable": "payable:{recipient_uscc}",
    "paid": "paid:{clause}:{fiscal_year}",
    "forfeited": "forfeited:{clause}:{fiscal_year}",
    "in_transit": "in_transit:{clause}:{fiscal_year}",
    "cleared": "cleared:{clause}:{fiscal_year}",
    "returned": "returned:{clause}:{fiscal_year}",
    "cancelled": "cancelled:{clause}:{fiscal_year}",
    "withheld": "withheld:{clause}:{fiscal_year}",
    "receivable": "receivable:{recipient_uscc}",
    "recovered": "recovered:{clause}:{fiscal_year}",
}
"""Each account's name, from the entry's columns."""

MOVES = {
    COMMITMENT: ("budget", "payable"),
    PAYMENT: ("payable", "paid"),
    FORFEIT: ("payable", "forfeited"),
    ISSUE: ("paid", "in_transit"),
    REISSUE: ("returned", "in_transit"),
    CLEAR: ("in_transit", "cleared"),
    BOUNCE: ("in_transit", "returned"),
    CANCEL: ("payable", "cancelled"),
    WITHHOLD: ("paid", "withheld"),
    RETAIN: ("returned", "withheld"),
    CLAIM: ("cleared", "receivable"),
    RECEIPT: ("receivable", "recovered"),
}
"""The account each kind of entry debits and the one it credits (a reversal: those of the entry it reverses,
swapped)."""

KEYS = {
    COMMITMENT: "commitment/{application_id}/{installment}",
    PAYMENT: "settlement/{application_id}/{installment}",
    FORFEIT: "settlement/{application_id}/{installment}",
    CANCEL: "settlement/{application_id}/{installment}",
    REVERSAL: "reversal/{reverses_seq}",
    **{kind: kind + "/{application_id}/{installment}/{reverses_seq}" for kind in TRAIL_STEPS},
}
"""What each kind of entry is for: posted at most once under it."""

POSTED_ONCE = (
    "(CASE kind WHEN 'commitment' THEN 0 WHEN 'payment' THEN -1 WHEN 'forfeit' THEN -1 WHEN 'cancel' THEN -1 "
    "ELSE reverses_seq END)"
)
"""With the application and the installment, what the unique index behind the business keys holds: an installment's
commitment (0), its one settlement (-1: a payment, a forfeit or a cancellation), the reversal or step following
entry n (n)."""
POSTED_ONCE_BEFORE_RECOVERIES = (
    "(CASE kind WHEN 'commitment' THEN 0 WHEN 'payment' THEN -1 WHEN 'forfeit' THEN -1 ELSE reverses_seq END)"
)
"""``POSTED_ONCE`` before recoveries (migration f2a4c6e8b0d3 goes from it and back to it)."""
POSTED_ONCE_BEFORE_TRANSFERS = "(CASE kind WHEN 'commitment' THEN 0 WHEN 'reversal' THEN reverses_seq ELSE -1 END)"
"""``POSTED_ONCE`` before bank transfers (migration d9f1b3c5e7a2 goes from it and back to it)."""


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


class _Names(NamedTuple):
    """How the entries of one kind (a reversal: reversing one kind) are named: the template of the key and of
    each account, and every column they read."""

    key: str
    debit: str
    credit: str
    needed: tuple[str, ...]


@cache
def _names(kind: str, reversed_kind: str | None) -> _Names | None:
    if kind not in KEYS or (kind == REVERSAL) != (reversed_kind is not None) or (reversed_kind or kind) not in MOVES:
        return None
    debit, credit = MOVES[reversed_kind or kind]
    if reversed_kind:
        debit, credit = credit, debit
    templates = (KEYS[kind], ACCOUNTS[debit], ACCOUNTS[credit])
    needed = tuple(sorted({f for template in templates for f in _fields(template)}))
    return _Names(*templates, needed=needed)


def _rendered(template: str, picked: Mapping[str, Sequence[Any]], shared: bool) -> list[str]:
    """``template`` filled in from the ``picked`` columns; ``shared``: entries naming the same account share one
    text."""
    names = _fields(template)
    positional = template.format(**{name: f"{{{i}}}" for i, name in enumerate(names)}).format
    if len(names) == 1:
        column = picked[names[0]]
        if not shared:
            return list(map(positional, column))
        made = {v: positional(v) for v in set(column)}
        return list(map(made.__getitem__, column))
    if not shared:
        return list(map(positional, *(picked[name] for name in names)))
    made = {v: positional(*v) for v in set(zip(*(picked[name] for name in names), strict=True))}
    return list(map(made.__getitem__, zip(*(picked[name] for name in names), strict=True)))


def described(
    columns: Mapping[str, Sequence[Any]], reversed_kinds: Mapping[int, str] | None = None
) -> tuple[list[str], list[str], list[str]]:
    """The business key, debit account and credit account of each entry given column by column (``kind``,
    ``application_id``, ``installment``, ``clause``, ``fiscal_year``, ``recipient_uscc``, ``reverses_seq``);
    ``reversed_kinds`` gives the kind of each entry a reversal reverses. An entry lacking what its names need is
    refused. Computed a kind at a time; entries naming the same account share its text."""
    reversed_kinds = reversed_kinds or {}
    kinds, reverses = columns["kind"], columns["reverses_seq"]
    n = len(kinds)
    groups: dict[tuple[str, str | None], Sequence[int]] = {}
    if n and reverses.count(None) == n and kinds.count(kinds[0]) == n:  # one kind, no reversal: the usual run
        groups[(kinds[0], None)] = range(n)
    else:
        rows_of: dict[tuple[str, str | None], list[int]] = {}
        for i, (kind, seq) in enumerate(zip(kinds, reverses, strict=True)):
            rows_of.setdefault((kind, reversed_kinds.get(seq) if kind == REVERSAL else None), []).append(i)
        groups.update(rows_of)
    found: list[list[str]] = [[""] * n for _ in range(3)]
    for (kind, of), rows in groups.items():
        plan = _names(kind, of)
        if plan is None:
            raise LedgerError(f"ledger: a {kind!r} entry (reversing #{reverses[rows[0]]}) moves no known accounts")
        whole = len(rows) == n
        picked = {name: columns[name] if whole else [columns[name][i] for i in rows] for name in plan.needed}
        for name, column in picked.items():
            if None in column or "" in column:
                raise LedgerError(f"ledger: a {kind} entry needs {name}: it names no accounts without")
        for j, (template, shared) in enumerate(zip(plan[:3], (False, True, True), strict=True)):
            texts = _rendered(template, picked, shared)
            if whole:
                found[j] = texts
            else:
                for i, text in zip(rows, texts, strict=True):
                    found[j][i] = text
    return found[0], found[1], found[2]


def _sql(template: str, columns: Any) -> ColumnElement[str]:
    """``template`` as a SQL text expression over ``columns`` (numbers written as Python writes them)."""
    parts: list[ColumnElement[Any]] = []
    for text, name, _, _ in string.Formatter().parse(template):
        if text:
            parts.append(literal(text, String))
        if name:
            column = columns[name]
            parts.append(column if isinstance(column.type, String) else cast(column, String))
    expression = parts[0]
    for part in parts[1:]:
        expression = expression + part
    return expression


def key_sql(columns: Any) -> ColumnElement[str]:
    """An entry's business key, as SQL over its table's ``columns``."""
    return case({kind: _sql(template, columns) for kind, template in KEYS.items()}, value=columns["kind"])


def account_sql(columns: Any, reversed_kind: ColumnElement[str], side: int) -> ColumnElement[str]:
    """An entry's debit (``side`` 0) or credit (1) account, as SQL over its table's ``columns``; ``reversed_kind``
    is the kind of the entry a reversal reverses."""
    reversal = case(
        {kind: _sql(ACCOUNTS[moves[1 - side]], columns) for kind, moves in MOVES.items()}, value=reversed_kind
    )
    return case(
        {**{kind: _sql(ACCOUNTS[moves[side]], columns) for kind, moves in MOVES.items()}, REVERSAL: reversal},
        value=columns["kind"],
    )
