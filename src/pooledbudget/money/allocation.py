"""The one way money is divided among partners: the largest-remainder method in pence (R4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import Any, overload

from .value import Money, Split, from_pence, to_pence


def split_weights(split: Split) -> dict[str, Fraction]:
    """A percentage split as exact weights summing to 1."""
    return {code: Fraction(pct) / 100 for code, pct in split.items()}


@overload
def allocate(amount: Money, weights: Mapping[str, Fraction],
             order: Sequence[str]) -> dict[str, Money]: ...
@overload
def allocate(amount: Decimal, weights: Mapping[str, Fraction],
             order: Sequence[str]) -> dict[str, Decimal]: ...
def allocate(amount: Any, weights: Mapping[str, Fraction], order: Sequence[str]) -> Any:
    """Divide `amount` by exact `weights` (summing to 1) with the largest-remainder method (R4).

    Each partner gets the floor of its exact share in pence; leftover pence go one each to the
    largest fractional remainders, ties broken by `order` (the agreement's partner order). A
    negative amount is allocated as its absolute value and every part negated. The result has a
    key for every partner in `order` and sums exactly to `amount`. Parts are `Money` for a
    `Money` amount, two-place Decimals for a Decimal one (the aggregates' form).
    """
    if isinstance(amount, Money):
        return {code: Money(pence) for code, pence in
                allocate_pence(amount.pence, weights, order).items()}
    return {code: from_pence(pence) for code, pence in
            allocate_pence(to_pence(amount), weights, order).items()}


def allocate_pence(pence: int, weights: Mapping[str, Fraction],
                   order: Sequence[str]) -> dict[str, int]:
    """`allocate` in whole pence (R4)."""
    # In integers over the weights' common denominator: exact, and several times faster than
    # Fraction arithmetic on this path, which every spend takes.
    common = lcm(*(w.denominator for w in weights.values())) if weights else 1
    scaled = {code: w.numerator * (common // w.denominator) for code, w in weights.items()}
    if weights and sum(scaled.values()) != common:
        raise ValueError(f"weights must sum to 1, not {sum(weights.values(), Fraction(0))}")
    unknown = set(weights) - set(order)
    if unknown:
        raise ValueError(f"weights name partners outside the order: {sorted(unknown)}")
    sign = -1 if pence < 0 else 1
    pence = abs(pence)
    if not weights:
        if pence:
            raise ValueError("cannot allocate a non-zero amount with no weights")
        return dict.fromkeys(order, 0)
    # share = pence * weight = (pence * scaled) / common
    parts = _largest_remainders({code: pence * value for code, value in scaled.items()}, common,
                                pence, order)
    return {code: sign * parts[code] for code in order}


def _largest_remainders(exact: Mapping[str, int], common: int, total: int,
                        order: Sequence[str]) -> dict[str, int]:
    """Whole pence for each partner in `order` from exact shares `exact / common` summing to
    `total`: each its floor, then the pence left over one each to the largest remainders, ties
    broken by `order` (R4)."""
    floors_and_remainders = {code: divmod(exact.get(code, 0), common) for code in order}
    parts = {code: floor for code, (floor, _) in floors_and_remainders.items()}
    leftover = total - sum(parts.values())
    position = {code: i for i, code in enumerate(order)}
    by_remainder = sorted(order, key=lambda c: (-floors_and_remainders[c][1], position[c]))
    for code in by_remainder[:leftover]:
        parts[code] += 1
    return parts


def allocate_by_splits(
    parts: Sequence[tuple[int, Split]], order: Sequence[str]
) -> dict[str, int] | None:
    """Pence amounts each divided by its own percentage split, summed by partner and rounded
    to whole pence once (R4): what `allocate(sum of parts, exact per-partner sums / sum,
    order)` gives, in integers. Commitments take this path for every decision a batch of
    events touches. None when it doesn't apply (a negative part, a partner outside `order`):
    the caller divides with Fractions instead."""
    ratios: list[tuple[int, list[tuple[str, int, int]]]] = []
    for pence, split in parts:
        if pence < 0:
            return None
        pairs = [(code, pct.as_integer_ratio()) for code, pct in split.items()]
        ratios.append((pence, [(code, n, d) for code, (n, d) in pairs]))
    total = sum(pence for pence, _ in parts)
    if total == 0:
        return dict.fromkeys(order, 0)
    # Each share is pence * numerator / (100 * denominator): all over one common denominator.
    common = lcm(*(100 * d for _, shares in ratios for _, _, d in shares))
    scaled = dict.fromkeys(order, 0)
    for pence, shares in ratios:
        for code, numerator, denominator in shares:
            if code not in scaled:
                return None
            scaled[code] += pence * numerator * (common // (100 * denominator))
    if sum(scaled.values()) != total * common:
        raise ValueError("each split must sum to exactly 100")
    return _largest_remainders(scaled, common, total, order)


def weights_from_amounts(amounts: Mapping[str, Fraction]) -> dict[str, Fraction]:
    """Exact per-partner amounts as weights summing to 1 (zero total gives no weights)."""
    total = sum(amounts.values(), Fraction(0))
    if total == 0:
        return {}
    return {code: value / total for code, value in amounts.items() if value}
