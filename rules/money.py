"""Exact money: Decimal in rules, integer fen in the ledger, half-up rounding once per installment (I-9)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
YUAN = Decimal("1")
ZERO = Decimal("0.00")


def round_installment(amount: Decimal, reading: str = "half_up_to_fen_per_installment") -> Decimal:
    """Round one installment half-up (I-9): to the fen by default, to the yuan under the alternative."""
    step = YUAN if reading == "half_up_to_yuan_per_installment" else FEN
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


def fill_in_order(amounts: Iterable[Decimal], limit: Decimal) -> list[Decimal]:
    """Pay ``amounts`` in order until ``limit`` is used up: the later ones are the ones cut (caps, X-HIGHEST)."""
    remaining = max(limit, ZERO)
    out: list[Decimal] = []
    for amount in amounts:
        paid = min(amount, remaining)
        remaining -= paid
        out.append(paid)
    return out


def cny(amount: Decimal) -> str:
    """Two-decimal text of an amount, as exported."""
    return f"{amount.quantize(FEN):.2f}"
