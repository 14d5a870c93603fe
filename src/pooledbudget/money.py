"""Exact money and the one way money is divided among partners (rules R1-R4).

Amounts are `Decimal` pounds with pence; weights are exact `Fraction`s. Every figure that
splits money among partners goes through `allocate`, so rounding happens in one place only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from math import lcm

PENNY = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000")
AMOUNT_PATTERN = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?")
PERCENT_PATTERN = re.compile(r"[0-9]{1,3}(\.[0-9]{1,4})?")
HUNDRED = Decimal(100)

Split = Mapping[str, Decimal]
"""Percentages by partner code, summing to exactly 100 (R3)."""


def money(value: str | Decimal | int) -> Decimal:
    """Parses or normalises an amount to two places; refuses anything inexact."""
    amount = Decimal(value)
    if amount != amount.quantize(PENNY):
        raise ValueError(f"{value!r} has more than two decimal places")
    return amount.quantize(PENNY)


def to_pence(amount: Decimal) -> int:
    """Whole pence; an amount with more than two places is refused, as `money` refuses it."""
    pence = amount.scaleb(2)
    if pence != pence.to_integral_value():
        raise ValueError(f"{amount!r} has more than two decimal places")
    return int(pence)


def stored_pence(text: str) -> int:
    """Whole pence of an amount as events store it ("2450.00"): read models convert every one.
    Two places after the point are read as digits; anything else goes through `to_pence`."""
    whole = text[:-3].removeprefix("-")
    if text[-3:-2] == "." and text.isascii() and text[-2:].isdigit() and whole.isdigit():
        return int(text[:-3] + text[-2:])
    return to_pence(Decimal(text))


def from_pence(pence: int) -> Decimal:
    return Decimal(pence).scaleb(-2)


def pence_text(pence: int) -> str:
    """Pence as events store money (`format(from_pence(pence), "f")`), without a Decimal."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}{whole}.{part:02d}"


def exact_money(value: Fraction) -> Decimal:
    """A fraction that is a whole number of pence, as money; anything else is a bug."""
    return from_pence(exact_pence(value))


def exact_pence(value: Fraction) -> int:
    """A fraction that is a whole number of pence, in pence; anything else is a bug."""
    pence, rest = divmod(value.numerator * 100, value.denominator)
    if rest:
        raise ValueError(f"{value} is not a whole number of pence")
    return pence


def fmt_money(amount: Decimal) -> str:
    return str(money(amount))


def fmt_percent(value: Fraction | Decimal) -> str:
    """Four places, half-even, as reports show percentages (R8, R19)."""
    exact = Fraction(value)
    return str((Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_EVEN
    ))


def round_half_even_pence(value: Fraction) -> Decimal:
    """An exact value rounded to the penny, half-even (used only for display sums, R20)."""
    pence = round(value * 100)  # Fraction.__round__ is half-even
    return from_pence(pence)


def split_weights(split: Split) -> dict[str, Fraction]:
    """A percentage split as exact weights summing to 1."""
    return {code: Fraction(pct) / 100 for code, pct in split.items()}


def allocate(
    amount: Decimal, weights: Mapping[str, Fraction], order: Sequence[str]
) -> dict[str, Decimal]:
    """Divide `amount` by exact `weights` (summing to 1) with the largest-remainder method (R4).

    Each partner gets the floor of its exact share in pence; leftover pence go one each to the
    largest fractional remainders, ties broken by `order` (the agreement's partner order). A
    negative amount is allocated as its absolute value and every part negated. The result has a
    key for every partner in `order` and sums exactly to `amount`.
    """
    # In integers over the weights' common denominator: exact, and several times faster than
    # Fraction arithmetic on this path, which every spend takes.
    common = lcm(*(w.denominator for w in weights.values())) if weights else 1
    scaled = {code: w.numerator * (common // w.denominator) for code, w in weights.items()}
    if weights and sum(scaled.values()) != common:
        raise ValueError(f"weights must sum to 1, not {sum(weights.values(), Fraction(0))}")
    unknown = set(weights) - set(order)
    if unknown:
        raise ValueError(f"weights name partners outside the order: {sorted(unknown)}")
    sign = -1 if amount < 0 else 1
    pence = abs(to_pence(amount))
    if not weights:
        if pence:
            raise ValueError("cannot allocate a non-zero amount with no weights")
        return {code: from_pence(0) for code in order}
    # share = pence * weight = (pence * scaled) / common
    parts = _largest_remainders({code: pence * value for code, value in scaled.items()}, common,
                                pence, order)
    return {code: from_pence(sign * parts[code]) for code in order}


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


def sum_money(values: Iterable[Decimal]) -> Decimal:
    return money(sum(values, Decimal("0")))


class PenceTally:
    """A running exact sum of money: whole pence as an integer, and apart from them whatever is
    not a whole number of pence (parts of a spend apportioned by remaining cost). Adding a
    stored part ("263463/100") then costs integer arithmetic only; replaying a year of weekly
    spend adds thousands of them."""

    __slots__ = ("pence", "odd")

    def __init__(self, value: Fraction = Fraction(0)) -> None:
        self.pence = 0
        self.odd = Fraction(0)
        self.add_ratio(value.numerator, value.denominator)

    def add_ratio(self, numerator: int, denominator: int) -> None:
        if 100 % denominator == 0:
            self.pence += numerator * (100 // denominator)
            return
        self.odd += Fraction(numerator, denominator)
        if 100 % self.odd.denominator == 0:  # the odd parts made whole pence again
            self.pence += self.odd.numerator * (100 // self.odd.denominator)
            self.odd = Fraction(0)

    def add_pence(self, pence: int) -> None:
        self.pence += pence

    def add_text(self, text: str, sign: int = 1) -> None:
        """Adds (or with sign -1 takes away) a part as `fraction_to_str` wrote it."""
        numerator, _, denominator = text.partition("/")
        self.add_ratio(sign * int(numerator), int(denominator) if denominator else 1)

    @property
    def value(self) -> Fraction:
        whole = Fraction(self.pence, 100)
        return whole + self.odd if self.odd else whole

    def whole_pence(self) -> int:
        """The sum in pence, when it is a whole number of them (as `exact_pence`)."""
        if self.odd:
            raise ValueError(f"{self.value} is not a whole number of pence")
        return self.pence

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PenceTally) and self.value == other.value

    def __deepcopy__(self, memo: dict[int, object]) -> PenceTally:
        """A decision is copied for every command: copy the two numbers, nothing generic."""
        copy = PenceTally.__new__(PenceTally)
        copy.pence, copy.odd = self.pence, self.odd
        return copy

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"PenceTally({self.value!r})"


def fraction_to_str(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"
