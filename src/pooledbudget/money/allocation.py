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
    broken by `order` (R4). (Fewer pence are left over than there are partners with a
    remainder, so only those are ranked.)"""
    parts = dict.fromkeys(order, 0)
    remainders = []
    for code, value in exact.items():
        if code in parts:
            parts[code], remainder = divmod(value, common)
            if remainder:
                remainders.append((-remainder, order.index(code), code))
    leftover = total - sum(parts.values())
    if leftover:
        remainders.sort()  # the largest remainder first, then the earliest in `order`
        for _, _, code in remainders[:leftover]:
            parts[code] += 1
    return parts


_SPLITS_KEPT = 4096  # splits prepared (a pool has a few dozen)
_prepared: dict[tuple[tuple[str, Decimal], ...], tuple[int, tuple[tuple[str, int], ...], bool]] = {}


def _prepared_split(split: Split) -> tuple[int, tuple[tuple[str, int], ...], bool]:
    """A percentage split as its common denominator, each partner's multiple of it (a share
    of p pence is `p * multiple / common`), and whether the multiples sum to it (the split to
    100). Every spend and every commitment divides by one of a few splits; each is worked out
    once."""
    key = tuple(split.items())
    found = _prepared.get(key)
    if found is None:
        ratios = [(code, *pct.as_integer_ratio()) for code, pct in key]
        common = lcm(*(100 * d for _, _, d in ratios))
        multiples = tuple((code, n * (common // (100 * d))) for code, n, d in ratios)
        found = (common, multiples, sum(multiple for _, multiple in multiples) == common)
        if len(_prepared) >= _SPLITS_KEPT:
            _prepared.clear()
        _prepared[key] = found
    return found


def allocate_by_splits(
    parts: Sequence[tuple[int, Split]], order: Sequence[str]
) -> dict[str, int] | None:
    """Pence amounts each divided by its own percentage split, summed by partner and rounded
    to whole pence once (R4): what `allocate(sum of parts, exact per-partner sums / sum,
    order)` gives, in integers. Commitments take this path for every decision a batch of
    events touches. None when it doesn't apply (a negative part, a partner outside `order`):
    the caller divides with Fractions instead."""
    if len(parts) == 1:  # what nearly every spend and commitment divides
        return _by_one_split(parts[0][0], parts[0][1], order)
    if any(pence < 0 for pence, _ in parts):
        return None
    total = sum(pence for pence, _ in parts)
    if total == 0:
        return dict.fromkeys(order, 0)
    prepared = [(pence, _prepared_split(split)) for pence, split in parts]
    # Each share is pence * multiple / its split's common denominator: all over one.
    common = lcm(*(split_common for _, (split_common, _, _) in prepared))
    scaled = dict.fromkeys(order, 0)
    for pence, (split_common, multiples, _) in prepared:
        factor = pence * (common // split_common)
        for code, multiple in multiples:
            if code not in scaled:
                return None
            scaled[code] += factor * multiple
    if sum(scaled.values()) != total * common:
        raise ValueError("each split must sum to exactly 100")
    return _largest_remainders(scaled, common, total, order)


def _by_one_split(pence: int, split: Split, order: Sequence[str]) -> dict[str, int] | None:
    """`allocate_by_splits` of one part."""
    if pence <= 0:
        return None if pence < 0 else dict.fromkeys(order, 0)
    common, multiples, whole = _prepared_split(split)
    exact = {}
    for code, multiple in multiples:
        if code not in order:
            return None
        exact[code] = pence * multiple
    if not whole:
        raise ValueError("each split must sum to exactly 100")
    return _largest_remainders(exact, common, pence, order)


def split_pence(pence: int, split: Split, order: Sequence[str]) -> dict[str, int] | None:
    """`allocate_by_splits([(pence, split)], order)` without the partners given nothing: what
    a decision's commitment moved by, event by event, is worked out from. None when integers
    don't apply, as there."""
    if pence <= 0:
        return None if pence < 0 else {}
    common, multiples, whole = _prepared_split(split)
    parts: dict[str, int] = {}
    remainders = []
    given = 0
    for code, multiple in multiples:
        if code not in order:
            return None
        part, remainder = divmod(pence * multiple, common)
        parts[code] = part
        given += part
        if remainder:
            remainders.append((-remainder, order.index(code), code))
    if not whole:
        raise ValueError("each split must sum to exactly 100")
    if given < pence:
        remainders.sort()  # the largest remainder first, then the earliest in `order` (R4)
        for _, _, code in remainders[:pence - given]:
            parts[code] += 1
    if 0 in parts.values():
        return {code: part for code, part in parts.items() if part}
    return parts


def weights_from_amounts(amounts: Mapping[str, Fraction]) -> dict[str, Fraction]:
    """Exact per-partner amounts as weights summing to 1 (zero total gives no weights)."""
    total = sum(amounts.values(), Fraction(0))
    if total == 0:
        return {}
    return {code: value / total for code, value in amounts.items() if value}
