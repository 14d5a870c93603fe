"""`Money`, the one money value (whole pence inside), its conversions, and the functions through
which a rule divides money exactly (R1, R8, R11, R15, R18, R20, R34)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import lru_cache

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
        digits = whole.removeprefix("-").lstrip("0")
        if len(digits) > MAX_DIGITS:  # before int(): a long line must not reach its digit limit
            raise AmountError("an amount may not exceed £1,000,000,000 (R1)")
        pence = int(digits or "0") * 100 + int(part.ljust(2, "0") or "0")
        if pence > MAX_PENCE:
            raise AmountError("an amount may not exceed £1,000,000,000 (R1)")
        return cls(-pence if negative else pence)

    @classmethod
    def of(cls, value: Money | Decimal | int | str) -> Money:
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
MAX_DIGITS = len(str(int(MAX_AMOUNT)))  # whole pounds of the largest amount


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


def percentage(part: Money, whole: Money, places: int) -> Decimal:
    """`part / whole` as a percentage, exact until rounded once, half-even, to `places`: what
    the board pack shows of R8's ratios (received of agreed, a variance of its budget)."""
    return Decimal(round(ratio(part, whole) * 100 * 10**places)).scaleb(-places)


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


_STORED = re.compile(r"-?[0-9]+\.[0-9][0-9]").fullmatch  # ASCII digits only, unlike \d


def stored_pence(text: str) -> int:
    """Whole pence of an amount as events store it ("2450.00"): read models convert every one.
    Two places after the point are read as digits; anything else goes through `to_pence`."""
    if _STORED(text) is not None:
        return int(text.replace(".", ""))
    return to_pence(Decimal(text))


repeated_pence = lru_cache(maxsize=4096)(stored_pence)
"""`stored_pence` for amounts that repeat (a weekly charge, the same shares of it week after
week): the latest 4,096 spellings are kept, and so are their ints, shared by whatever holds
them."""


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


def sum_money(values: Iterable[Decimal]) -> Decimal:
    return money(sum(values, Decimal("0")))
