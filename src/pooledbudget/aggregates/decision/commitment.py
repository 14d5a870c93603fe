"""What a decision still holds of each partner's money: firm commitment of its cost elements
(R11) and contingent exposure of its outcome elements (R34).

Both are by each element's latest approved split, summed exactly, then rounded once (R4);
an ended or unapproved decision, or one in a closed year, holds nothing.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from ...money import from_exact, split_pence, split_weights, to_pence
from .speed import held_in_pence, pence_held
from .spend import allocation
from .state import DecisionData, ElementState


class CommitmentRules(DecisionData):
    def commitment_by_partner(self, order: list[str], year_closed: bool) -> dict[str, Decimal]:
        """Cost elements' remaining cost by each element's latest approved split, then R4 once
        (R11); outcome elements commit nothing firm (R34)."""
        return self._held_by_partner(self._cost_elements(), order, year_closed)

    def contingent_by_partner(self, order: list[str], year_closed: bool) -> dict[str, Decimal]:
        """R34: outcome elements' remaining exposure, price x (max_count - count paid), by each
        element's latest approved split, exactly, then R4 once."""
        outcome_elements = {name: e for name, e in self.elements.items()
                            if e.outcome is not None}
        return self._held_by_partner(outcome_elements, order, year_closed)

    def commitment_pence(self, order: list[str], year_closed: bool) -> dict[str, int]:
        """`commitment_by_partner` in pence, the partners holding nothing left out: what the
        projection records, event by event, of how each partner's commitment moved."""
        if self.status != "approved" or self.actual_end is not None or year_closed:
            return {}
        return self._held_pence(self._cost_elements(), order, year_closed)

    def contingent_pence(self, order: list[str], year_closed: bool) -> dict[str, int]:
        """`contingent_by_partner` in pence, the partners holding nothing left out."""
        if self.status != "approved" or self.actual_end is not None or year_closed or \
                all(e.outcome is None for e in self.elements.values()):
            return {}
        return self._held_pence({name: e for name, e in self.elements.items()
                                 if e.outcome is not None}, order, year_closed)

    def standing(self, order: list[str], year_closed: bool
                 ) -> tuple[int, int, dict[str, int], dict[str, int]]:
        """(`spent_pence`, `firm_remaining_pence`, `commitment_pence`, `contingent_pence`):
        what a projection records after every decision event, asked at once, so that the
        usual decision (one cost element, no outcome element) is looked at in one pass."""
        spent = self.spent_pence
        if self.status != "approved" or self.actual_end is not None:
            return spent, 0, {}, {}
        if len(self.elements) == 1 and next(iter(self.elements.values())).outcome is None:
            # one cost element: no outcome element's cost, payments or exposure to set apart
            return (spent, self.cost_pence - spent,
                    self._held_pence(self.elements, order, year_closed), {})
        return (spent, self.firm_remaining_pence, self.commitment_pence(order, year_closed),
                self.contingent_pence(order, year_closed))

    def _held_pence(self, elements: dict[str, ElementState], order: list[str],
                    year_closed: bool) -> dict[str, int]:
        if self.status != "approved" or self.actual_end is not None or year_closed \
                or not elements:
            return {}
        if len(elements) == 1:  # what nearly every decision has: one split, no sum
            [element] = elements.values()
            if not element.tally.odd:
                found = split_pence(element.cost.pence - element.tally.pence,
                                    element.funding.latest, order)
                if found is not None:
                    return found
        in_pence = pence_held(elements, order)
        if in_pence is None:
            in_pence = {code: to_pence(amount) for code, amount
                        in self._held_by_partner(elements, order, year_closed).items()}
        return {code: pence for code, pence in in_pence.items() if pence}

    def _held_by_partner(self, elements: dict[str, ElementState], order: list[str],
                         year_closed: bool) -> dict[str, Decimal]:
        zero = {code: Decimal("0.00") for code in order}
        if self.status != "approved" or self.actual_end is not None or year_closed \
                or not elements:
            return zero
        in_pence = held_in_pence(elements, order)
        if in_pence is not None:
            return in_pence
        exact: dict[str, Fraction] = {}
        for element in elements.values():
            for code, weight in split_weights(element.funding.latest).items():
                exact[code] = exact.get(code, Fraction(0)) + element.remaining * weight
        remaining = sum(exact.values(), Fraction(0))
        if remaining == 0:
            return zero
        amount = from_exact(remaining)
        return {code: Decimal(v) for code, v in allocation(amount, exact, remaining, order).items()}
