"""What a decision holds: its elements, spends and pending variation, and what is read off them.

`DecisionData` declares the aggregate's attributes and the queries on them; the rule mixins
(approval, variations, spend, commitment) build on it and the aggregate sets it up.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast

from ...errors import StateError
from ...money import Money, PenceTally, exact, repeated_pence, sum_of
from ..ids import decision_uuid as decision_uuid  # re-exported: the ids moved to ids.py
from ..terms import ElementTerms, Outcome, SplitHistory


@dataclass(slots=True)
class ElementState:
    cost: Money
    cost_basis: dict[str, str]
    funding: SplitHistory
    responsibility: SplitHistory
    tally: PenceTally = field(default_factory=PenceTally)
    outcome: Outcome | None = None  # an outcome element (R32): its cost is price x max_count

    @property
    def spent(self) -> Fraction:
        return self.tally.value

    @property
    def count_paid(self) -> int:
        """Outcomes paid, net of reversals (R33): an outcome element is only ever paid whole
        outcomes at its price."""
        assert self.outcome is not None
        return int(self.spent / exact(self.outcome.price))

    def __deepcopy__(self, memo: dict[int, Any]) -> ElementState:
        """A copy for one command: new split histories and tally, sharing the splits and the
        cost basis, which are replaced when terms change and never changed in place."""
        return ElementState(self.cost, self.cost_basis, SplitHistory(list(self.funding.entries)),
                            SplitHistory(list(self.responsibility.entries)),
                            deepcopy(self.tally, memo), self.outcome)

    @property
    def remaining(self) -> Fraction:
        return exact(self.cost) - self.spent


_pence = repeated_pence  # its ints shared by the spends that spell them alike
_intern = sys.intern  # a partner's code, once in memory however many spends name it


def partner_parts(funding: dict[str, str], responsibility: dict[str, str]) -> tuple[str | int, ...]:
    """A spend's allocation (R15) as (partner, funded pence, responsible pence) for each
    partner with a part, in one flat tuple: a decision keeps one per spend, so it is kept
    small (the event's two dictionaries cost about 1 KiB a spend; this about 200 bytes)."""
    parts: list[str | int] = []
    if responsibility == funding:  # the usual case: one look-up a partner
        for code, amount in funding.items():
            if pence := _pence(amount):
                parts += (_intern(code), pence, pence)
        return tuple(parts)
    for code in dict.fromkeys([*funding, *responsibility]):
        funded, responsible = _pence(funding.get(code, "0")), _pence(responsibility.get(code, "0"))
        if funded or responsible:
            parts += (_intern(code), funded, responsible)
    return tuple(parts)


def each_part(parts: tuple[str | int, ...]) -> Iterator[tuple[str, int, int]]:
    """The (partner, funded pence, responsible pence) of `partner_parts`' flat tuple."""
    flat = iter(parts)
    return cast("Iterator[tuple[str, int, int]]", zip(flat, flat, flat, strict=True))


@dataclass(frozen=True, slots=True)
class SpendState:
    """Never changed in place (a reversal replaces it), so copies of a decision share them."""

    amount: Decimal
    service_date: date
    element_parts: dict[str, str]  # as the event stores them ("n/d" by element)
    reversed: bool = False
    evidence_ref: str | None = None  # an outcome payment's evidence (R33)
    count: int = 0  # an outcome payment's count of outcomes (R33)
    recorded_by: str | None = None  # the actor id, for four eyes on its reversal (R31)
    # (partner, funded pence, responsible pence) for each partner with a part, flat: what a
    # reversal takes off each partner's spend (`partner_parts`)
    parts: tuple[str | int, ...] = ()


@dataclass
class PendingVariation:
    variation_id: str
    effective_from: date
    planned_end: date | None
    elements: list[dict[str, Any]]
    required: list[str]
    proposed_at: datetime
    approvals: list[str] = field(default_factory=list)
    first_signatures: dict[str, str] = field(default_factory=dict)  # partner -> signer (R30)


def state_error(message: str, field: str, code: str, rule: str) -> StateError:
    return StateError(message, field=field, code=code, rule=rule)


def new_element(terms: ElementTerms) -> ElementState:
    return ElementState(
        cost=terms.cost, cost_basis=terms.cost_basis,
        funding=SplitHistory([(None, terms.funding)]),
        responsibility=SplitHistory([(None, terms.responsibility or terms.funding)]),
        outcome=terms.outcome,
    )


def cost_pence(elements: dict[str, ElementState]) -> int:
    return sum(e.cost.pence for e in elements.values())


class DecisionData:
    """The attributes the aggregate sets in `__init__`, and the queries read off them."""

    pool_id: str
    decision_id: str
    year: str
    case_ref: str
    category: str
    start: date
    planned_end: date
    actual_end: date | None
    status: str
    required: list[str]
    approvals: list[str]
    first_signatures: dict[str, str]  # partner -> the first signer (R30)
    pending: PendingVariation | None
    variation_ids: list[str]
    spends: dict[str, SpendState]
    elements: dict[str, ElementState]
    _spent: PenceTally  # the sum of the elements' spent, kept as they change
    _cost_pence: int
    # Whether it has ever had an outcome element (R32): read models of outcomes look only at
    # such decisions.
    has_had_outcomes: bool

    def _set_up(self, pool_id: str, decision_id: str, year: str, case_ref: str, category: str,
                start: str, planned_end: str, elements: list[dict[str, Any]],
                required: list[str]) -> None:
        """The decision as its `Proposed` event leaves it (called by the aggregate's `__init__`)."""
        self.pool_id = pool_id
        self.decision_id = decision_id
        self.year = year
        self.case_ref = case_ref
        self.category = category
        self.start = date.fromisoformat(start)
        self.planned_end = date.fromisoformat(planned_end)
        self.actual_end = None
        self.status = "proposed"
        self.required = list(required)
        self.approvals = []
        self.first_signatures = {}
        self.pending = None
        self.variation_ids = []
        self.spends = {}
        self._spent = PenceTally()
        self.elements = {}
        for data in elements:
            terms = ElementTerms.decode(data)
            self.elements[terms.name] = new_element(terms)
        self._cost_pence = cost_pence(self.elements)
        self.has_had_outcomes = any(e.outcome is not None for e in self.elements.values())

    @property
    def cost(self) -> Money:
        return sum_of(e.cost for e in self.elements.values())

    @property
    def cost_pence(self) -> int:
        """The approved cost in pence: kept, as it changes only when the terms do, and every
        spend and every projected event asks for it."""
        return self._cost_pence

    @property
    def spent(self) -> Fraction:
        """Net spend: the sum of the elements' spent (kept, since elements' running totals
        can carry large denominators from spend apportioned by remaining cost)."""
        return self._spent.value

    @property
    def spent_pence(self) -> int:
        """Net spend in whole pence (every amount is whole pence, R1)."""
        return self._spent.whole_pence()

    @property
    def outcome_cost_pence(self) -> int:
        """The outcome elements' cost (price x max_count) in pence: exposure, not firm (R34)."""
        return sum(e.cost.pence for e in self.elements.values() if e.outcome is not None)

    @property
    def outcome_spent_pence(self) -> int:
        """Net outcome payments in pence (always whole pence: whole outcomes at their price)."""
        return sum(e.tally.whole_pence() for e in self.elements.values()
                   if e.outcome is not None)

    @property
    def firm_remaining_pence(self) -> int:
        """What the cost elements have left: the decision's firm commitment before it is
        divided among partners (R11, R34), or 0 if it commits nothing."""
        if self.status != "approved" or self.actual_end is not None:
            return 0
        return (self.cost_pence - self.outcome_cost_pence
                - (self.spent_pence - self.outcome_spent_pence))

    @property
    def end(self) -> date:
        return self.actual_end or self.planned_end

    @property
    def waiting_on(self) -> list[str]:
        """Partners still to approve the decision, or its pending variation (R21)."""
        if self.status == "proposed":
            return [code for code in self.required if code not in self.approvals]
        if self.pending is not None:
            return [c for c in self.pending.required if c not in self.pending.approvals]
        return []

    @property
    def first_signed(self) -> list[str]:
        """Partners with one of their two signatures, still waiting (R30), in required order."""
        if self.status == "proposed":
            return [c for c in self.waiting_on if c in self.first_signatures]
        if self.pending is not None:
            return [c for c in self.waiting_on if c in self.pending.first_signatures]
        return []

    def _cost_elements(self) -> dict[str, ElementState]:
        """The elements that are not outcome elements (R33: the ones a spend may fall on)."""
        return {name: e for name, e in self.elements.items() if e.outcome is None}

    def _order(self, order: list[str] | None) -> list[str]:
        """The pool's partner order (R4's ties); without it, the order the splits name them."""
        if order is not None:
            return order
        codes: dict[str, None] = dict.fromkeys(self.required)
        for element in self.elements.values():
            codes.update(dict.fromkeys(element.funding.latest))
        if self.pending is not None:
            for data in self.pending.elements:
                codes.update(dict.fromkeys(data["funding"]))
        return list(codes)

    def _ensure_live(self, rule: str) -> None:
        if self.status != "approved":
            raise state_error(f"decision {self.decision_id} is {self.status}, not approved "
                              f"({rule})", "decision_id", "decision_not_approved", rule)
        if self.actual_end is not None:
            raise state_error(f"decision {self.decision_id} ended on {self.actual_end} "
                              f"({rule})", "decision_id", "decision_ended", rule)
