"""A running exact sum of money for the decision aggregate's spend (R11, R15)."""

from __future__ import annotations

from fractions import Fraction


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
