"""Plain values the aggregates work with, and their event encoding.

Events store only JSON primitives (amounts and percentages as decimal strings, dates as ISO
strings, exact fractions as "n/d") so that the stored form is canonical and independent of
Python types; these helpers turn them back into values. Amounts are `Money` here, written as
events have always stored them (`str(money)`, "2450.00") and read back with `Money.of`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..errors import StateError
from ..money import Money

Actor = dict[str, str]
"""Who issued a command: {"id", "partner", "role"} (R23)."""


def year_bounds(year: str) -> tuple[date, date]:
    """A financial year runs 1 April to 31 March."""
    first = int(year[:4])
    return date(first, 4, 1), date(first + 1, 3, 31)


def year_of(day: date) -> str:
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def encode_split(split: dict[str, Decimal]) -> dict[str, str]:
    return {code: format(pct, "f") for code, pct in split.items()}


def decode_split(data: dict[str, str]) -> dict[str, Decimal]:
    return {code: Decimal(pct) for code, pct in data.items()}


@dataclass(frozen=True)
class Outcome:
    """What an outcome element pays for (R32): a measure, a price per outcome, and the most
    outcomes the pool will pay for. Measure and price never change; `max_count` may be varied."""

    measure: str
    price: Money
    max_count: int

    @property
    def cost(self) -> Money:
        """The most the pool can pay for it: price x max_count (R32)."""
        return self.price.times(self.max_count)

    def encode(self) -> dict[str, Any]:
        return {"measure": self.measure, "price": str(self.price),
                "max_count": self.max_count}

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Outcome:
        return cls(data["measure"], Money.of(data["price"]), int(data["max_count"]))


@dataclass(frozen=True)
class ElementTerms:
    """An element of a decision as proposed or varied: cost, funding and responsibility; an
    outcome element (R32) has an `outcome` too, and its cost is price x max_count."""

    name: str
    cost: Money
    cost_basis: dict[str, str]
    funding: dict[str, Decimal]
    responsibility: dict[str, Decimal] | None = None
    outcome: Outcome | None = None

    def encode(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "cost": str(self.cost),
            "cost_basis": dict(self.cost_basis),
            "funding": encode_split(self.funding),
            "responsibility": None if self.responsibility is None
            else encode_split(self.responsibility),
        }
        if self.outcome is not None:  # cost elements keep the stored form they always had
            data["outcome"] = self.outcome.encode()
        return data

    @classmethod
    def decode(cls, data: dict[str, Any]) -> ElementTerms:
        outcome = data.get("outcome")
        return cls(
            name=data["name"],
            cost=Money.of(data["cost"]),
            cost_basis=dict(data["cost_basis"]),
            funding=decode_split(data["funding"]),
            responsibility=None if data["responsibility"] is None
            else decode_split(data["responsibility"]),
            outcome=None if outcome is None else Outcome.decode(outcome),
        )


@dataclass(frozen=True)
class VariedElementTerms:
    """An element in a variation's new list; None keeps the current term."""

    name: str
    cost: Money | None = None
    cost_basis: dict[str, str] | None = None
    funding: dict[str, Decimal] | None = None
    responsibility: dict[str, Decimal] | None = None
    # An outcome element's new maximum count (R32); measure and price, given only to add a new
    # outcome element or to repeat the current ones, since they never change.
    max_count: int | None = None
    measure: str | None = None
    price: Money | None = None


@dataclass
class SplitHistory:
    """Splits in order of approval, each from an effective date (None: from the start)."""

    entries: list[tuple[date | None, dict[str, Decimal]]] = field(default_factory=list)

    def in_force(self, on: date) -> dict[str, Decimal]:
        """The last approved split whose effective date is on or before `on` (R12, R15)."""
        for effective, split in reversed(self.entries):
            if effective is None or effective <= on:
                return split
        return self.entries[0][1]

    @property
    def latest(self) -> dict[str, Decimal]:
        return self.entries[-1][1]


def check_partners(
    split: dict[str, Decimal], members: list[str], field_name: str
) -> None:
    """A split names only partners of the pool (R3)."""
    unknown = [code for code in split if code not in members]
    if unknown:
        raise StateError(
            f"{field_name} names {', '.join(unknown)}, not a partner of the pool in that year (R3)",
            field=field_name, code="split_names_non_partner", rule="R3",
        )
