"""Exact money: Decimal for single values, integer fen columns for whole tables; half-up rounding once per
installment (I-9); never float.

A column of given amounts is kept as integers over a power of ten (``AmountColumn``): 1234.5 is 12345 over 10¹.
Arithmetic on such columns is done in int64 where the result provably fits and in Python integers otherwise,
so every amount the contract allows (0 … 1,000,000,000,000, any number of decimals) times any parameter an
amendment may set is exact, and a result that would not fit a fen column is refused, never wrapped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from core.errors import ParameterError

FEN = Decimal("0.01")
YUAN = Decimal("1")
ZERO = Decimal("0.00")
INT64_MAX = 2**63 - 1
TO_YUAN = "half_up_to_yuan_per_installment"


def round_installment(amount: Decimal, reading: str = "half_up_to_fen_per_installment") -> Decimal:
    """Round one installment half-up (I-9): to the fen by default, to the yuan under the alternative."""
    step = YUAN if reading == TO_YUAN else FEN
    return amount.quantize(step, rounding=ROUND_HALF_UP).quantize(FEN)


def round_given_amount(amount: Decimal, reading: str = "half_up") -> Decimal:
    """An amount given outside the rules (a case decision, another policy's award) to the fen as it enters the
    system (I-15): half-up like every installment (100000.005 → 100000.01), or half-even under the alternative."""
    return amount.quantize(FEN, rounding=ROUND_HALF_EVEN if reading == "half_even" else ROUND_HALF_UP)


def to_fen(amount: Decimal) -> int:
    """CNY with at most two decimals to integer fen; refuses anything finer so nothing is silently lost."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} CNY is not a whole number of fen")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


def cny(amount: Decimal) -> str:
    """Two-decimal text of an amount, as exported."""
    return f"{amount.quantize(FEN):.2f}"


def cny_of_fen(fen: int) -> str:
    """Two-decimal text of a fen amount (for traces)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


# ---------------------------------------------------------------- columns


def _times(values: np.ndarray, factor: int) -> np.ndarray:
    """values × factor exactly: in int64 when the result fits, in Python integers otherwise."""
    if factor == 1:
        return values
    if values.dtype != object and abs(factor) <= INT64_MAX:
        top = int(np.abs(values).max()) if len(values) else 0
        if top * abs(factor) <= INT64_MAX:
            return values * np.int64(factor)
    return values.astype(object) * factor


def _plus(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype != object and b.dtype != object:
        top = (int(np.abs(a).max()) if len(a) else 0) + (int(np.abs(b).max()) if len(b) else 0)
        if top <= INT64_MAX:
            return a + b
    return a.astype(object) + b.astype(object)


def fen_column(values: np.ndarray) -> np.ndarray:
    """Whole fen as int64; a value beyond int64 is a parameter no payment can carry: refused, never wrapped."""
    if values.dtype != object:
        return values.astype(np.int64, copy=False)
    if len(values) and (max(values) > INT64_MAX or min(values) < -INT64_MAX):
        raise ParameterError("an amount computed from the parameters exceeds what a fen column can hold")
    return values.astype(np.int64)


def _half_up(numerator: np.ndarray, denominator: int, to_yuan: bool) -> np.ndarray:
    """numerator / denominator fen (non-negative) rounded half-up to the fen, or to the yuan (I-9)."""
    if to_yuan:
        halves = _plus(_times(numerator, 2), _const(numerator, 100 * denominator))
        return fen_column(_times(_floor_divide(halves, 200 * denominator), 100))
    return fen_column(_floor_divide(_plus(_times(numerator, 2), _const(numerator, denominator)), 2 * denominator))


def _floor_divide(values: np.ndarray, divisor: int) -> np.ndarray:
    if values.dtype != object and divisor > INT64_MAX:
        values = values.astype(object)
    return values // divisor


def _const(like: np.ndarray, value: int) -> np.ndarray:
    if like.dtype != object and value <= INT64_MAX:
        return np.full(len(like), value, dtype=np.int64)
    return np.full(len(like), value, dtype=object)


@dataclass(frozen=True)
class AmountColumn:
    """Amounts exactly: ``units / 10**places`` CNY per row (0 where not given)."""

    units: np.ndarray
    places: int
    given: np.ndarray

    def take(self, rows: np.ndarray) -> AmountColumn:
        return AmountColumn(self.units[rows], self.places, self.given[rows])

    def at_places(self, places: int) -> np.ndarray:
        return _times(self.units, 10 ** (places - self.places))

    def at_least(self, minimum: Decimal) -> np.ndarray:
        """Given and ≥ ``minimum`` (以上 includes the number itself), compared exactly."""
        threshold = minimum.scaleb(self.places)
        bound = int(threshold.to_integral_value(rounding="ROUND_CEILING"))
        if self.units.dtype == object or abs(bound) > INT64_MAX:
            return self.given & np.array([u >= bound for u in self.units.tolist()], dtype=bool)
        return self.given & (self.units >= bound)

    def plus(self, other: AmountColumn) -> AmountColumn:
        places = max(self.places, other.places)
        return AmountColumn(_plus(self.at_places(places), other.at_places(places)), places, self.given | other.given)

    def share_in_fen(self, rate: Decimal, rounding: str) -> np.ndarray:
        """rate × amount in fen, rounded half-up once (I-9)."""
        numerator, denominator = rate.as_integer_ratio()
        scaled = _times(self.units, numerator)  # units × p / (10^places × q) CNY = units × p × 100 / (…) fen
        denominator *= 10**self.places
        if self.places >= 2:
            denominator //= 100
        else:
            scaled = _times(scaled, 10 ** (2 - self.places))
        return _half_up(scaled, denominator, rounding == TO_YUAN)


def amount_column(values: Sequence[Any]) -> AmountColumn:
    """The exact column of a list of Decimal amounts (None: not given)."""
    n = len(values)
    given = np.fromiter((v is not None for v in values), dtype=bool, count=n)
    present = np.flatnonzero(given).tolist()
    places = 2
    for i in present:
        exponent = values[i].as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            places = -exponent
    units: list[int] = [0] * n
    for i in present:
        units[i] = int(values[i].scaleb(places))
    try:
        array = np.array(units, dtype=np.int64)
    except OverflowError:
        array = np.array(units, dtype=object)
    return AmountColumn(array, places, given)


def award_in_fen(amount: Decimal, rounding: str) -> int:
    """A fixed award given by a parameter, in fen, rounded half-up once (I-9)."""
    return to_fen(round_installment(amount, rounding))


def cap_in_fen(cap: Decimal) -> int:
    """An inclusive ceiling in whole fen: the most a rounded installment may be (caps apply after rounding)."""
    return int((cap * 100).to_integral_value(rounding="ROUND_FLOOR"))


def per_unit_in_fen(counts: np.ndarray, per: Decimal, rounding: str) -> np.ndarray:
    """count × a per-unit amount, in fen, rounded half-up once (A5)."""
    return AmountColumn(counts.astype(np.int64), 0, np.ones(len(counts), dtype=bool)).share_in_fen(per, rounding)


def fill_in_order(amounts: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Per row, pay the installments in order until ``limit`` is used up: the later ones are cut (caps, X-HIGHEST)."""
    out = np.zeros_like(amounts)
    remaining = np.maximum(limit, 0)
    for k in range(amounts.shape[1]):
        paid = np.minimum(amounts[:, k], remaining)
        out[:, k] = paid
        remaining = remaining - paid
    return out
