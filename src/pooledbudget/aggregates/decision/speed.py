"""The decision's fast paths: integer arithmetic where the exact Fraction path is not needed,
and a copy that shares what is never changed in place.

Each gives what the slower way gives, only sooner; the exact paths are in `spend` and
`commitment`, and tests/property/test_whole_spend.py checks the two record the same event.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Self
from uuid import UUID

from ...money import Money, PenceTally, allocate_by_splits, from_pence, pence_text
from .state import DecisionData, ElementState

_IMMUTABLE = frozenset({str, int, bool, type(None), UUID, date, datetime, Decimal, Fraction})


class FastPaths(DecisionData):
    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """A copy for one command (the repository copies what it caches): everything deeply
        but the spends, whose entries are immutable, so a year of invoices is not copied one
        by one on every command."""
        copy = object.__new__(type(self))
        memo[id(self)] = copy
        for name, value in self.__dict__.items():
            if name == "spends":
                value = dict(value)
            elif type(value) is list and all(type(item) is str for item in value):
                value = list(value)  # partner codes, variation ids; no events pending
            elif type(value) not in _IMMUTABLE:
                value = deepcopy(value, memo)
            copy.__dict__[name] = value
        return copy

    def _whole_allocation(self, name: str, amount: Money, service_date: date,
                          order: list[str]) -> tuple[dict[str, str], dict[str, str]] | None:
        """Funded and responsible amounts for a spend falling wholly on one element (named,
        or the only one), in integers — what nearly every spend is — and once when
        responsibility follows funding. None when integers don't apply (`allocate_by_splits`
        declines)."""
        state = self.elements[name]
        pence = amount.pence
        funding_split = state.funding.in_force(service_date)
        responsibility_split = state.responsibility.in_force(service_date)
        funding = allocate_by_splits([(pence, funding_split)], order)
        if funding is None:
            return None
        funded = {code: pence_text(p) for code, p in funding.items()}
        if responsibility_split == funding_split:  # responsibility follows funding (R15)
            return funded, dict(funded)
        responsibility = allocate_by_splits([(pence, responsibility_split)], order)
        if responsibility is None:
            return None
        return funded, {code: pence_text(p) for code, p in responsibility.items()}


def exceeds(tally: PenceTally, pence: int, cost_pence: int) -> bool:
    """Whether adding `pence` to what `tally` holds goes above `cost_pence` (R14): in
    integers when the tally holds whole pence, as it nearly always does."""
    if not tally.odd:
        return tally.pence + pence > cost_pence
    return tally.value + Fraction(pence, 100) > Fraction(cost_pence, 100)


def held_in_pence(elements: dict[str, ElementState],
                  order: list[str]) -> dict[str, Decimal] | None:
    """What the elements have left, by their latest splits, in integers when every remaining
    is whole pence; None when it is not, or integers don't apply."""
    in_pence = pence_held(elements, order)
    if in_pence is None:
        return None
    return {code: from_pence(pence) for code, pence in in_pence.items()}


def pence_held(elements: dict[str, ElementState], order: list[str]) -> dict[str, int] | None:
    """`held_in_pence` as whole pence."""
    if any(e.tally.odd for e in elements.values()):
        return None
    return allocate_by_splits(
        [(e.cost.pence - e.tally.pence, e.funding.latest) for e in elements.values()], order)
