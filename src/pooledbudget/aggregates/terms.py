"""Plain values the aggregates work with, and their event encoding.

Events store only JSON primitives (amounts and percentages as decimal strings, dates as ISO
strings, exact fractions as "n/d") so that the stored form is canonical and independent of
Python types; these helpers turn them back into values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..errors import StateError

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
class ElementTerms:
    """An element of a decision as proposed or varied: cost, funding and responsibility."""

    name: str
    cost: Decimal
    cost_basis: dict[str, str]
    funding: dict[str, Decimal]
    responsibility: dict[str, Decimal] | None = None

    def encode(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cost": format(self.cost, "f"),
            "cost_basis": dict(self.cost_basis),
            "funding": encode_split(self.funding),
            "responsibility": None if self.responsibility is None
            else encode_split(self.responsibility),
        }

    @classmethod
    def decode(cls, data: dict[str, Any]) -> ElementTerms:
        return cls(
            name=data["name"],
            cost=Decimal(data["cost"]),
            cost_basis=dict(data["cost_basis"]),
            funding=decode_split(data["funding"]),
            responsibility=None if data["responsibility"] is None
            else decode_split(data["responsibility"]),
        )


@dataclass(frozen=True)
class VariedElementTerms:
    """An element in a variation's new list; None keeps the current term."""

    name: str
    cost: Decimal | None = None
    cost_basis: dict[str, str] | None = None
    funding: dict[str, Decimal] | None = None
    responsibility: dict[str, Decimal] | None = None


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
