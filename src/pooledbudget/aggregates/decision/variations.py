"""Varying or ending an approved decision (R12): the new terms, who must approve them, that they still
cover what has been spent (R14), and applying them once approved.

A variation names only what changes; the rest of each named element is kept.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from ...errors import LimitError
from ...money import Money, PenceTally, exact
from ..outcomes import outcome_terms, outcome_variation_error
from ..register import Entry
from ..signing import Signature
from ..terms import Actor, ElementTerms, VariedElementTerms, year_bounds
from .approval import ApprovalRules, check_split_partners
from .state import ElementState, PendingVariation, cost_pence, new_element, state_error


class VariationRules(ApprovalRules):
    def _check_variation(self, variation_id: str, effective_from: date | None,
                         planned_end: date | None, elements: list[VariedElementTerms] | None,
                         members: list[str]) -> tuple[date, list[ElementTerms], list[str]]:
        """R12: one pending variation; approval from partners whose share or money rises.
        Returns the day it takes effect, the whole new element list and who must approve."""
        self._ensure_live("R12")
        if self.pending is not None:
            raise state_error(f"variation {self.pending.variation_id} is still pending (R12)",
                              "variation_id", "variation_pending", "R12")
        if variation_id in self.variation_ids:
            raise state_error(f"variation {variation_id} already exists (R12)", "variation_id",
                              "variation_exists", "R12")
        first, last = year_bounds(self.year)
        effective = effective_from or self.start
        if not first <= effective <= last:
            raise state_error(f"effective_from {effective} is outside {self.year} (R12)",
                              "effective_from", "effective_outside_year", "R12")
        if planned_end is not None and not self.start <= planned_end <= last:
            raise state_error(f"planned_end {planned_end} is outside the decision's year or "
                              "before its start (R9)", "planned_end", "period_outside_year", "R9")
        new_terms = self._new_terms(elements, members)
        self._ensure_terms_cover_spend(new_terms)
        return effective, new_terms, self._variation_approvers(new_terms, members)

    def _hold_pending(self, pending: PendingVariation) -> None:
        self.variation_ids.append(pending.variation_id)
        self.pending = pending

    def _check_end(self, ended_on: date) -> None:
        """R12: a live decision ends early inside its service period, after no recorded service."""
        self._ensure_live("R12")
        if not self.start <= ended_on <= self.planned_end:
            raise state_error(f"ended_on {ended_on} is outside the service period "
                              f"{self.start}..{self.planned_end} (R12)", "ended_on",
                              "end_outside_period", "R12")
        late = [ref for ref, s in self.spends.items()
                if not s.reversed and s.service_date > ended_on]
        if late:
            raise state_error(f"spend {late[0]} has a service date after {ended_on} (R12)",
                              "ended_on", "end_before_recorded_service", "R12")

    def _ensure_terms_cover_spend(self, new_terms: list[ElementTerms]) -> None:
        """No element with spend is removed (R12) and no cost falls below its spend (R14)."""
        for name, element in self.elements.items():
            if name not in {t.name for t in new_terms} and element.spent != 0:
                raise state_error(f"element {name} has spend recorded and cannot be removed "
                                  "(R12)", "elements", "element_has_spend", "R12")
        for terms in new_terms:
            current = self.elements.get(terms.name)
            if current is not None and current.outcome is not None \
                    and terms.outcome is not None and terms.outcome.max_count < current.count_paid:
                raise LimitError(f"element {terms.name}'s max_count {terms.outcome.max_count} "
                                 f"would fall below the {current.count_paid} outcomes already "
                                 "paid (R14)", field="elements", code="max_count_below_paid",
                                 rule="R14")
            if current is not None and exact(terms.cost) < current.spent:
                raise LimitError(f"element {terms.name}'s cost would fall below what has been "
                                 "spent on it (R14)", field="elements",
                                 code="cost_below_spend", rule="R14")

    def _new_terms(
        self, varied: list[VariedElementTerms] | None, members: list[str]
    ) -> list[ElementTerms]:
        """The whole new element list: named elements keep what the variation leaves out."""
        if varied is None:
            varied = [VariedElementTerms(name=name) for name in self.elements]
        terms = []
        for i, item in enumerate(varied):
            current = self.elements.get(item.name)
            where = f"elements.{i}"
            for split, label in ((item.funding, "funding"),
                                 (item.responsibility, "responsibility")):
                if split is not None:
                    check_split_partners(split, members, f"{where}.{label}")
            error = outcome_variation_error(item, current, where)
            if error is not None:
                raise error
            if current is None and item.max_count is not None:
                terms.append(outcome_terms(item, where))
            elif current is None:
                if item.cost is None or item.funding is None:
                    raise state_error(f"new element {item.name} needs a cost and a funding "
                                      "split (R12)", where, "new_element_incomplete", "R12")
                terms.append(ElementTerms(item.name, item.cost, item.cost_basis or {},
                                          item.funding, item.responsibility))
            elif current.outcome is not None:
                outcome = replace(current.outcome, max_count=item.max_count
                                  or current.outcome.max_count)
                terms.append(ElementTerms(
                    name=item.name, cost=outcome.cost, cost_basis=current.cost_basis,
                    funding=current.funding.latest if item.funding is None else item.funding,
                    responsibility=item.responsibility, outcome=outcome))
            else:
                terms.append(ElementTerms(
                    name=item.name,
                    cost=current.cost if item.cost is None else item.cost,
                    cost_basis=current.cost_basis if item.cost_basis is None
                    else item.cost_basis,
                    funding=current.funding.latest if item.funding is None else item.funding,
                    responsibility=item.responsibility,
                ))
        return terms

    def _variation_approvers(self, new: list[ElementTerms], members: list[str]) -> list[str]:
        """Partners whose percentage rises in any element, or whose money amount rises (R12)."""
        def money_of(code: str, elements: list[tuple[str, Money, dict[str, Decimal]]]
                     ) -> Fraction:
            """Σ element cost x the partner's percentage, exactly."""
            return sum((exact(cost) * Fraction(split.get(code, Decimal(0)))
                        for _, cost, split in elements), Fraction(0))

        old = [(name, e.cost, e.funding.latest) for name, e in self.elements.items()]
        new_ = [(t.name, t.cost, t.funding) for t in new]
        old_by_name = {name: split for name, _, split in old}
        required = []
        for code in members:
            pct_rises = any(
                split.get(code, Decimal(0)) > old_by_name.get(name, {}).get(code, Decimal(0))
                for name, _, split in new_
            )
            if pct_rises or money_of(code, new_) > money_of(code, old):
                required.append(code)
        return required

    def _variation_signature(self, variation_id: str, partner: str, actor: Actor,
                             order: list[str] | None, signer: Entry | None,
                             threshold: Money | None) -> Signature:
        """R12, signed for under the varied terms (R29, R30); the limits in the order the
        rules list them: R14, then R29."""
        pending = self._ensure_pending(variation_id)
        self._ensure_required(partner, pending.required, pending.approvals, "R12")
        terms = [ElementTerms.decode(e) for e in pending.elements]
        signature = Signature.check(
            partner, actor, self._signs_for([(t.cost, t.funding) for t in terms], partner, order),
            signer, threshold, pending.first_signatures.get(partner))
        if not signature.first and [code for code in self.waiting_on if code != partner] == []:
            # The last approval applies the variation: spend recorded under the old terms
            # while it waited must still fit the new ones (R14).
            self._ensure_terms_cover_spend(terms)
        return signature.check_limit()

    def _variation_decline_signature(self, variation_id: str, partner: str,
                                     order: list[str] | None, signer: Entry | None) -> Signature:
        pending = self._ensure_pending(variation_id)
        self._ensure_required(partner, pending.required, pending.approvals, "R12")
        terms = [ElementTerms.decode(e) for e in pending.elements]
        return Signature(
            self._signs_for([(t.cost, t.funding) for t in terms], partner, order), signer)

    def _ensure_pending(self, variation_id: str) -> PendingVariation:
        if self.pending is None or self.pending.variation_id != variation_id:
            raise state_error(f"variation {variation_id} is not pending on decision "
                              f"{self.decision_id} (R12)", "variation_id",
                              "variation_not_pending", "R12")
        return self.pending

    def _apply_variation(self, pending: PendingVariation) -> None:
        if pending.planned_end is not None:
            self.planned_end = pending.planned_end
        elements: dict[str, ElementState] = {}
        for data in pending.elements:
            terms = ElementTerms.decode(data)
            current = self.elements.get(terms.name)
            if current is None:
                elements[terms.name] = new_element(terms)
                continue
            current.cost = terms.cost
            current.cost_basis = terms.cost_basis
            current.outcome = terms.outcome
            if terms.funding != current.funding.latest:
                current.funding.entries.append((pending.effective_from, terms.funding))
            if terms.responsibility is not None:
                current.responsibility.entries.append((pending.effective_from,
                                                       terms.responsibility))
            elements[terms.name] = current
        self.elements = elements
        self._cost_pence = cost_pence(elements)
        self.has_had_outcomes = self.has_had_outcomes or any(
            e.outcome is not None for e in elements.values())
        self._spent = PenceTally(sum((e.spent for e in elements.values()), Fraction(0)))
