"""Spend against a decision (R13-R16, R31, R33): whether it may be recorded, how it is divided
among the elements and partners, and whether it may be reversed.

Division is exact (Fractions) and rounded once per partner (R4); the integer way of a spend on
one element is in `speed`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction
from typing import Any

from ...errors import LimitError, StateError
from ...money import Money, allocate, exact, fraction_to_str, split_weights, to_pence
from ..terms import Actor
from .speed import FastPaths, exceeds
from .state import SpendState, state_error

Allocation = tuple[dict[str, str], dict[str, str]]  # funded and responsible, by partner

# An exact part's numerator or denominator above this many bits (about 3,000 digits) is refused:
# each spend naming no element on a decision of several elements can lengthen the elements'
# exact remaining costs, and past ~4,300 digits Python will not even write such a number out.
MAX_PART_BITS = 10_000


class SpendRules(FastPaths):
    def check_spend(self, amount: Money, service_date: date, element: str | None) -> None:
        """State rules of R13, then the limits of R14, without recording anything."""
        if self.status != "approved":
            raise state_error(f"decision {self.decision_id} is {self.status}; spend needs an "
                              "approved decision (R13)", "decision_id",
                              "decision_not_approved", "R13")
        if element is not None and element not in self.elements:
            raise state_error(f"decision {self.decision_id} has no element {element!r} (R13)",
                              "element", "element_not_found", "R13")
        if not self.start <= service_date <= self.end:
            raise state_error(f"service_date {service_date} is outside the service period "
                              f"{self.start}..{self.end} (R13)", "service_date",
                              "service_date_outside_period", "R13")
        if element is not None and self.elements[element].outcome is not None:
            raise state_error(f"element {element} is an outcome element: pay it with "
                              "RecordOutcome (R33)", "element", "outcome_element_needs_outcome",
                              "R33")
        cost_elements = self._cost_elements()
        if element is None and not cost_elements:
            raise state_error(f"decision {self.decision_id} has only outcome elements: pay "
                              "them with RecordOutcome (R33)", "element",
                              "decision_has_only_outcomes", "R33")
        pence = amount.pence
        if element is None and len(cost_elements) < len(self.elements) and sum(
                (e.remaining for e in cost_elements.values()), Fraction(0)) < Fraction(pence, 100):
            raise LimitError(f"spend naming no element falls on decision {self.decision_id}'s "
                             "cost elements, and would take them above their cost; vary the "
                             "decision first (R14)", field="amount",
                             code="spend_exceeds_cost_elements", rule="R14")
        if exceeds(self._spent, pence, self.cost_pence):
            raise LimitError(f"spend would take decision {self.decision_id} above its approved "
                             f"cost {self.cost}; vary the decision first (R14)", field="amount",
                             code="spend_exceeds_approved_cost", rule="R14")
        if element is not None and exceeds(self.elements[element].tally, pence,
                                           self.elements[element].cost.pence):
            raise LimitError(f"spend would take element {element} above its cost "
                             f"{self.elements[element].cost} (R14)", field="amount",
                             code="spend_exceeds_element_cost", rule="R14")

    def _spend_fields(self, invoice_ref: str, amount: Money, service_date: date,
                      element: str | None, supplier: str | None, supplier_is_individual: bool,
                      order: list[str], actor: Actor) -> dict[str, Any]:
        """What a spend (or an outcome payment) records: its parts by element and its
        allocation by partner, decided now (R15)."""
        parts = self._element_parts(amount, element)
        funded, responsible = self._allocate_spend(parts, amount, service_date, order)
        return dict(
            invoice_ref=invoice_ref, amount=str(amount),
            service_date=service_date.isoformat(), element=element, supplier=supplier,
            element_parts={name: fraction_to_str(part) for name, part in parts.items()},
            funding=funded, responsibility=responsible, actor=actor,
            supplier_is_individual=supplier_is_individual,  # explicit, so that it is hashed
        )

    def _allocate_spend(self, parts: dict[str, Fraction], amount: Money, service_date: date,
                        order: list[str]) -> Allocation:
        """R15: by the splits in force on the service date; in integers when the spend falls
        wholly on one element and they apply."""
        allocated = (self._whole_allocation(next(iter(parts)), amount, service_date, order)
                     if len(parts) == 1 else None)
        return allocated or self._exact_allocation(parts, amount, service_date, order)

    def _exact_allocation(self, parts: dict[str, Fraction], amount: Money, service_date: date,
                          order: list[str]) -> Allocation:
        """Funded and responsible amounts by partner: each element's part divided exactly by
        the splits in force, summed, then rounded once (R4, R15)."""
        funding: dict[str, Fraction] = {}
        responsibility: dict[str, Fraction] = {}
        for name, part in parts.items():
            state = self.elements[name]
            for target, history in ((funding, state.funding),
                                    (responsibility, state.responsibility)):
                for code, weight in split_weights(history.in_force(service_date)).items():
                    target[code] = target.get(code, Fraction(0)) + part * weight
        total = exact(amount)
        return (allocation(amount, funding, total, order),
                allocation(amount, responsibility, total, order))

    def _element_parts(self, amount: Money, element: str | None) -> dict[str, Fraction]:
        """A spend naming no element is apportioned among the cost elements by remaining cost,
        exactly (R11, R15, R33)."""
        if element is not None:
            return {element: exact(amount)}
        cost_elements = self._cost_elements()
        if len(cost_elements) == 1:
            return {next(iter(cost_elements)): exact(amount)}
        remaining = {name: e.remaining for name, e in cost_elements.items() if e.remaining > 0}
        total = sum(remaining.values(), Fraction(0))
        parts = {name: exact(amount) * value / total for name, value in remaining.items()}
        if any(max(p.numerator.bit_length(), p.denominator.bit_length()) > MAX_PART_BITS
               for p in parts.values()):
            raise StateError(
                "the elements' remaining costs have been shared out exactly so many times that "
                "this spend's exact parts would run to thousands of digits; name the element "
                "the spend is for (R15)", field="element", code="exact_part_too_long",
                rule="R15")
        return parts

    def _book_spend(self, invoice_ref: str, pence: int, spend: SpendState) -> None:
        for name, part in spend.element_parts.items():
            self.elements[name].tally.add_text(part)
        self._spent.add_pence(pence)  # the parts' sum
        self.spends[invoice_ref] = spend

    def _unbook_spend(self, invoice_ref: str) -> None:
        spend = self.spends[invoice_ref]
        self.spends[invoice_ref] = replace(spend, reversed=True)
        present = [(name, part) for name, part in spend.element_parts.items()
                   if name in self.elements]
        for name, part in present:
            self.elements[name].tally.add_text(part, -1)
        if len(present) == len(spend.element_parts):
            self._spent.add_pence(-to_pence(spend.amount))
        else:  # only what is still on the decision's elements comes off its total
            for _, part in present:
                self._spent.add_text(part, -1)

    def _reversible(self, invoice_ref: str, actor: Actor, four_eyes: bool) -> SpendState:
        """R16: a reversal names the spend; a reversed spend cannot be reversed again. With
        `four_eyes` (a pool with a register), never by whoever recorded it (R31)."""
        spend = self.spends.get(invoice_ref)
        if spend is None:
            raise state_error(f"no spend {invoice_ref} on decision {self.decision_id} (R16)",
                              "invoice_ref", "spend_not_found", "R16")
        if spend.reversed:
            raise state_error(f"spend {invoice_ref} has already been reversed (R16)",
                              "invoice_ref", "spend_already_reversed", "R16")
        if four_eyes:
            self.ensure_other_actor(invoice_ref, actor)
        return spend

    def ensure_other_actor(self, invoice_ref: str, actor: Actor) -> None:
        """R31: four eyes on corrections (in a pool with a register)."""
        spend = self.spends.get(invoice_ref)
        if spend is not None and spend.recorded_by == actor["id"]:
            raise state_error(f"{actor['id']} recorded spend {invoice_ref}; another person "
                              "must reverse it (R31)", "actor.id", "same_actor_reversal", "R31")


def allocation(
    amount: Money, shares: dict[str, Fraction], total: Fraction, order: list[str]
) -> dict[str, str]:
    """`amount` divided by the exact shares' weights, rounded once (R4), as events store it."""
    weights = {code: value / total for code, value in shares.items() if value}
    return {code: str(part) for code, part in allocate(amount, weights, order).items()}
