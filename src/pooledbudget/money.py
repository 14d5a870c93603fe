"""Exact money and the one way money is divided among partners (rules R1-R4).

`Money` is the one money value: whole pence inside, immutable, added and compared exactly, and
written as events store it ("2450.00"). It is never multiplied or divided by an operator: a whole
count goes through `Money.times`, and the places where a rule divides money exactly name their
rule by going through the functions below (`allocate` for R4; `ratio` and `exact` for the exact
fractions of R8, R11, R15, R18, R20 and R34; `from_exact` and `round_half_even` to come back to
pence). Aggregates and read models that keep integer pence or `Decimal`s for speed convert with
these functions only. Every figure that splits money among partners goes through `allocate`, so
rounding happens in one place only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from math import lcm
from typing import Any, overload

PENNY = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000")
AMOUNT_PATTERN = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?")
PERCENT_PATTERN = re.compile(r"[0-9]{1,3}(\.[0-9]{1,4})?")
HUNDRED = Decimal(100)

Split = Mapping[str, Decimal]
"""Percentages by partner code, summing to exactly 100 (R3)."""


class AmountError(ValueError):
    """An amount that is not money as the wire format writes it (R1): the command boundary
    turns it into an `InvalidCommandError` naming the field."""


class Money:
    """An exact amount of pounds: whole pence, immutable.

    Invariants: `pence` is an int; `Money.parse(str(m)) == m` for every amount within
    `MAX_AMOUNT`; `+`, `-` and negation are exact; equal values hash alike and order by pence;
    nothing but another `Money` is ever equal to, added to or ordered against a `Money` (a
    Decimal must be converted, so a stray float or Decimal cannot slip into a sum).
    """

    __slots__ = ("_pence",)
    _pence: int

    def __init__(self, pence: int = 0) -> None:
        if type(pence) is not int:
            raise TypeError(f"Money holds whole pence as an int, not {type(pence).__name__}")
        object.__setattr__(self, "_pence", pence)

    # -- making one ------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Money:
        """An amount as the wire format writes it (R1): digits, optionally a sign and one or
        two places after the point, at most `MAX_AMOUNT` either way. Positivity (R2) is the
        command's rule, not money's."""
        if not isinstance(text, str) or not AMOUNT_PATTERN.fullmatch(text):
            raise AmountError(f"{text!r} is not an amount with at most 2 decimal places (R1)")
        whole, _, part = text.partition(".")
        negative = whole.startswith("-")
        pence = int(whole.removeprefix("-")) * 100 + int(part.ljust(2, "0") or "0")
        if pence > MAX_PENCE:
            raise AmountError("an amount may not exceed £1,000,000,000 (R1)")
        return cls(-pence if negative else pence)

    @classmethod
    def of(cls, value: Decimal | int | str) -> Money:
        """Exactly `value` pounds (a Decimal, an int or a stored amount string); anything with
        more than two places, or not finite, is refused."""
        if isinstance(value, Money):
            return value
        if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
            raise TypeError(f"money is made from a Decimal, int or string, not {value!r}")
        if isinstance(value, str):
            return cls(stored_pence(value))
        if isinstance(value, int):
            return cls(value * 100)
        if not value.is_finite():
            raise AmountError(f"{value!r} is not an amount (R1)")
        return cls(to_pence(value))

    @classmethod
    def from_pence(cls, pence: int) -> Money:
        return cls(pence)

    # -- reading it ------------------------------------------------------------------------

    @property
    def pence(self) -> int:
        return self._pence

    @property
    def decimal(self) -> Decimal:
        """Pounds as a two-place Decimal (`Decimal("2450.00")`)."""
        return Decimal(self._pence).scaleb(-2)

    def __str__(self) -> str:
        """The stored form: "2450.00", "-12.50", "0.00"."""
        return pence_text(self._pence)

    def __repr__(self) -> str:
        return f"Money('{self}')"

    def __format__(self, spec: str) -> str:
        """As the Decimal formats: `format(m, "f")` is `str(m)`; `f"{m:,.2f}"` groups."""
        return format(self.decimal, spec) if spec else str(self)

    # -- exact arithmetic ------------------------------------------------------------------

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self._pence + other._pence)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self._pence - other._pence)

    def __neg__(self) -> Money:
        return Money(-self._pence)

    def __abs__(self) -> Money:
        return Money(abs(self._pence))

    def __bool__(self) -> bool:
        return self._pence != 0

    def times(self, count: int) -> Money:
        """This amount `count` times over (weekly rate x weeks, price x outcomes): exact, since a
        whole number of pence times a whole number is one."""
        if type(count) is not int:
            raise TypeError(f"money is multiplied by a whole count only, not {count!r}")
        return Money(self._pence * count)

    # -- equality, order, hashing ----------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and self._pence == other._pence

    def __hash__(self) -> int:
        return hash((Money, self._pence))

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self._pence < other._pence

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self._pence <= other._pence

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self._pence > other._pence

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self._pence >= other._pence

    # -- immutability ----------------------------------------------------------------------

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Money is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Money is immutable")

    def __reduce__(self) -> tuple[type[Money], tuple[int]]:
        return (Money, (self._pence,))

    def __copy__(self) -> Money:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Money:
        return self


ZERO = Money(0)
MAX_PENCE = int(MAX_AMOUNT) * 100


def sum_of(amounts: Iterable[Money]) -> Money:
    """The exact sum of amounts (zero for none)."""
    return Money(sum(m.pence for m in amounts))


# -- where a rule divides money exactly ---------------------------------------------------------

def exact(amount: Money) -> Fraction:
    """The amount as an exact fraction of pounds, for the rules that multiply money by a split
    or a ratio and keep the result exact before R4 rounds it once: R11 (an element's remaining
    cost x its split), R15 (a spend apportioned by remaining cost), R18 (capped risk shares),
    R20 (cost-shift flows), R34 (contingent exposure)."""
    return Fraction(amount.pence, 100)


def ratio(part: Money, whole: Money) -> Fraction:
    """`part / whole` exactly: R8's contribution share (agreed / total agreed) and the share of
    spend of R19, and R15's apportioning by remaining cost. A zero whole is the caller's case."""
    if not whole:
        raise ZeroDivisionError("a ratio of money to no money")
    return Fraction(part.pence, whole.pence)


def from_exact(value: Fraction) -> Money:
    """An exact fraction of pounds that is a whole number of pence (the sum of exact parts that
    R11 or R18 made whole again); anything else is a bug, refused."""
    return Money(exact_pence(value))


def is_whole_pence(value: Fraction) -> bool:
    """Whether an exact fraction of pounds is a whole number of pence (R11 and R15 keep element
    parts as fractions; most are whole pence)."""
    return 100 % value.denominator == 0


def round_half_even(value: Fraction) -> Money:
    """An exact fraction of pounds rounded to the penny, half-even: only for figures shown, never
    for money that is then divided again (R20's cost-shift matrix)."""
    return Money(round(value * 100))  # Fraction.__round__ is half-even


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
