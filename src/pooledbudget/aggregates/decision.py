"""A joint funding decision: its elements and splits, approvals, variations, end, and spend.

One stream per decision. A decision lives inside one financial year, so its stream is bounded by
that year's invoices against it; the pool's stream never grows with spend.
"""

from __future__ import annotations

import functools
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ..errors import LimitError, StateError
from ..money import (
    PenceTally,
    allocate,
    allocate_by_splits,
    exact_money,
    fraction_to_str,
    from_pence,
    pence_text,
    split_weights,
    stored_pence,
    to_pence,
)
from .chain import ChainedAggregate
from .outcomes import check_outcome, outcome_terms, outcome_variation_error
from .pool import NAMESPACE
from .register import Entry
from .signing import Signature, amount_signed_for
from .terms import (
    Actor,
    ElementTerms,
    Outcome,
    SplitHistory,
    VariedElementTerms,
    year_bounds,
)

_IMMUTABLE = frozenset({str, int, bool, type(None), UUID, date, datetime, Decimal, Fraction})


@functools.lru_cache(maxsize=4096)  # a command derives each id several times
def decision_uuid(pool_id: str, decision_id: str) -> UUID:
    return uuid5(NAMESPACE, f"decision:{pool_id}:{decision_id}")


@dataclass(slots=True)
class ElementState:
    cost: Decimal
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
        return int(self.spent / Fraction(self.outcome.price))

    def __deepcopy__(self, memo: dict[int, Any]) -> ElementState:
        """A copy for one command: new split histories and tally, sharing the splits and the
        cost basis, which are replaced when terms change and never changed in place."""
        return ElementState(self.cost, self.cost_basis, SplitHistory(list(self.funding.entries)),
                            SplitHistory(list(self.responsibility.entries)),
                            deepcopy(self.tally, memo), self.outcome)

    @property
    def remaining(self) -> Fraction:
        return Fraction(self.cost) - self.spent


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


def _state_error(message: str, field: str, code: str, rule: str) -> StateError:
    return StateError(message, field=field, code=code, rule=rule)


class Decision(ChainedAggregate):
    TOPIC = "pooledbudget:Decision"

    class Event(ChainedAggregate.Event):
        TOPIC = "pooledbudget:Decision.Event"

    def __deepcopy__(self, memo: dict[int, Any]) -> Decision:
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

    class Proposed(Event, Aggregate.Created):
        TOPIC = "pooledbudget:DecisionProposed"
        pool_id: str
        decision_id: str
        year: str
        case_ref: str
        category: str
        start: str
        planned_end: str
        elements: list[dict[str, Any]]
        required: list[str]
        actor: Actor

    class ShareApproved(Event):
        """`amount`: what the partner signed for (R29), `limit`: the signer's limit then (None:
        unlimited). Both absent from approvals recorded before they were kept."""

        TOPIC = "pooledbudget:DecisionShareApproved"
        partner: str
        actor: Actor
        amount: str | None = None
        limit: str | None = None

        def apply(self, aggregate: Any) -> None:
            aggregate.approvals.append(self.partner)

    class ShareFirstSigned(Event):
        """One of two signatures a partner's approval needs (R30); the partner still waits."""

        TOPIC = "pooledbudget:DecisionFirstSignature"
        partner: str
        actor: Actor
        amount: str
        limit: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.first_signatures[self.partner] = self.actor["id"]

    class Approved(Event):
        """The last required approval arrived; `actor` is who gave it (R23)."""

        TOPIC = "pooledbudget:DecisionApproved"
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "approved"

    class Declined(Event):
        TOPIC = "pooledbudget:DecisionDeclined"
        partner: str
        reason: str
        actor: Actor
        amount: str | None = None
        limit: str | None = None

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "declined"

    class VariationProposed(Event):
        TOPIC = "pooledbudget:VariationProposed"
        variation_id: str
        reason: str
        effective_from: str
        planned_end: str | None
        elements: list[dict[str, Any]]
        required: list[str]
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.variation_ids.append(self.variation_id)
            aggregate.pending = PendingVariation(
                variation_id=self.variation_id,
                effective_from=date.fromisoformat(self.effective_from),
                planned_end=None if self.planned_end is None
                else date.fromisoformat(self.planned_end),
                elements=self.elements,
                required=list(self.required),
                proposed_at=self.timestamp,
            )

    class VariationShareApproved(Event):
        TOPIC = "pooledbudget:VariationShareApproved"
        variation_id: str
        partner: str
        actor: Actor
        amount: str | None = None
        limit: str | None = None

        def apply(self, aggregate: Any) -> None:
            aggregate.pending.approvals.append(self.partner)

    class VariationFirstSigned(Event):
        TOPIC = "pooledbudget:VariationFirstSignature"
        variation_id: str
        partner: str
        actor: Actor
        amount: str
        limit: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.pending.first_signatures[self.partner] = self.actor["id"]

    class VariationApplied(Event):
        """The variation's new terms took effect; `actor` is whose command applied it (R23)."""

        TOPIC = "pooledbudget:VariationApplied"
        variation_id: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate._apply_variation(aggregate.pending)
            aggregate.pending = None

    class VariationDeclined(Event):
        TOPIC = "pooledbudget:VariationDeclined"
        variation_id: str
        partner: str
        reason: str
        actor: Actor
        amount: str | None = None
        limit: str | None = None

        def apply(self, aggregate: Any) -> None:
            aggregate.pending = None

    class Ended(Event):
        TOPIC = "pooledbudget:DecisionEnded"
        ended_on: str
        reason: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.actual_end = date.fromisoformat(self.ended_on)
            aggregate.pending = None

    class SpendRecorded(Event):
        """A charge against the decision, with the allocation decided when it was recorded."""

        TOPIC = "pooledbudget:SpendRecorded"
        invoice_ref: str
        amount: str
        service_date: str
        element: str | None
        supplier: str | None
        element_parts: dict[str, str]
        funding: dict[str, str]
        responsibility: dict[str, str]
        actor: Actor
        # A private individual (R9), redacted in published exports. Events recorded before the
        # field existed lack it and read as False: a field with a default, no upcast.
        supplier_is_individual: bool = False

        def apply(self, aggregate: Any) -> None:
            for name, part in self.element_parts.items():
                aggregate.elements[name].tally.add_text(part)
            aggregate._spent.add_pence(stored_pence(self.amount))  # the parts' sum
            aggregate.spends[self.invoice_ref] = SpendState(
                amount=Decimal(self.amount),
                service_date=date.fromisoformat(self.service_date),
                element_parts=self.element_parts,
                recorded_by=self.actor.get("id"),
            )

    class OutcomeRecorded(SpendRecorded):
        """An outcome payment (R33): spend of price x `count` on an outcome element, its
        `service_date` the day the outcome was achieved, with the evidence it was paid on."""

        TOPIC = "pooledbudget:OutcomeRecorded"
        # Keyword-only: they follow SpendRecorded's fields, the last of which has a default.
        evidence_ref: str = field(kw_only=True)
        count: int = field(kw_only=True)

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            spend = aggregate.spends[self.invoice_ref]
            aggregate.spends[self.invoice_ref] = replace(spend, evidence_ref=self.evidence_ref,
                                                         count=self.count)

    class SpendReversed(Event):
        TOPIC = "pooledbudget:SpendReversed"
        invoice_ref: str
        reason: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            spend = aggregate.spends[self.invoice_ref]
            aggregate.spends[self.invoice_ref] = replace(spend, reversed=True)
            present = [(name, part) for name, part in spend.element_parts.items()
                       if name in aggregate.elements]
            for name, part in present:
                aggregate.elements[name].tally.add_text(part, -1)
            if len(present) == len(spend.element_parts):
                aggregate._spent.add_pence(-to_pence(spend.amount))
            else:  # only what is still on the decision's elements comes off its total
                for _, part in present:
                    aggregate._spent.add_text(part, -1)

    def __init__(
        self,
        pool_id: str,
        decision_id: str,
        year: str,
        case_ref: str,
        category: str,
        start: str,
        planned_end: str,
        elements: list[dict[str, Any]],
        required: list[str],
        actor: Actor,
    ) -> None:
        self.pool_id = pool_id
        self.decision_id = decision_id
        self.year = year
        self.case_ref = case_ref
        self.category = category
        self.start = date.fromisoformat(start)
        self.planned_end = date.fromisoformat(planned_end)
        self.actual_end: date | None = None
        self.status = "proposed"
        self.required = list(required)
        self.approvals: list[str] = []
        self.first_signatures: dict[str, str] = {}  # partner -> the first signer (R30)
        self.pending: PendingVariation | None = None
        self.variation_ids: list[str] = []
        self.spends: dict[str, SpendState] = {}
        self._spent = PenceTally()  # the sum of the elements' spent, kept as they change
        self.elements: dict[str, ElementState] = {}
        for data in elements:
            terms = ElementTerms.decode(data)
            self.elements[terms.name] = _new_element(terms)
        self._cost_pence = _cost_pence(self.elements)
        # Whether it has ever had an outcome element (R32): read models of outcomes look only
        # at such decisions.
        self.has_had_outcomes = any(e.outcome is not None for e in self.elements.values())

    # -- creation -----------------------------------------------------------------------------

    @classmethod
    def propose(
        cls,
        *,
        pool_id: str,
        decision_id: str,
        year: str,
        case_ref: str,
        category: str,
        start: date,
        planned_end: date,
        elements: list[ElementTerms],
        members: list[str],
        actor: Actor,
        at: datetime,
    ) -> Decision:
        """R9: a period inside the year, elements whose splits name only partners."""
        first, last = year_bounds(year)
        if not first <= start <= last:
            raise _state_error(f"start {start} is outside {year} (R9)", "start",
                               "period_outside_year", "R9")
        if not first <= planned_end <= last:
            raise _state_error(f"planned_end {planned_end} is outside {year} (R9)",
                               "planned_end", "period_outside_year", "R9")
        if planned_end < start:
            raise _state_error("planned_end is before start (R9)", "planned_end",
                               "period_reversed", "R9")
        for i, element in enumerate(elements):
            _check_split_partners(element.funding, members, f"elements.{i}.funding")
            if element.responsibility is not None:
                _check_split_partners(element.responsibility, members,
                                      f"elements.{i}.responsibility")
        required = [code for code in members
                    if any(e.funding.get(code, Decimal(0)) > 0 for e in elements)]
        return cls._create(
            cls.Proposed,
            id=decision_uuid(pool_id, decision_id),
            timestamp=at,
            pool_id=pool_id,
            decision_id=decision_id,
            year=year,
            case_ref=case_ref,
            category=category,
            start=start.isoformat(),
            planned_end=planned_end.isoformat(),
            elements=[e.encode() for e in elements],
            required=required,
            actor=actor,
        )

    # -- queries ------------------------------------------------------------------------------

    @property
    def cost(self) -> Decimal:
        return sum((e.cost for e in self.elements.values()), Decimal(0))

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
        return sum(to_pence(e.cost) for e in self.elements.values() if e.outcome is not None)

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

    # -- approval (R10) -----------------------------------------------------------------------

    def approve(self, partner: str, actor: Actor, at: datetime, order: list[str] | None = None,
                signer: Entry | None = None, threshold: Decimal | None = None) -> None:
        """R10; with a register, the signer's limit (R29) and two signatures above the
        threshold (R30). `signer`: the actor's register entry; None without a register."""
        self._ensure_proposed()
        self._ensure_required(partner, self.required, self.approvals, "R10")
        terms = [(e.cost, e.funding.latest) for e in self.elements.values()]
        signature = Signature.check(partner, actor, self._signs_for(terms, partner, order),
                                    signer, threshold, self.first_signatures.get(partner))
        signature.check_limit()
        if signature.first:
            self.trigger_event(self.ShareFirstSigned, timestamp=at, partner=partner, actor=actor,
                               **signature.fields())
            return
        self.trigger_event(self.ShareApproved, timestamp=at, partner=partner, actor=actor,
                           **signature.fields())
        if not self.waiting_on:
            self.trigger_event(self.Approved, timestamp=at, actor=actor)

    def decline(self, partner: str, reason: str, actor: Actor, at: datetime, order: list[str] | None = None,
                signer: Entry | None = None) -> None:
        """One decline, by any budget holder of a required partner, declines (R10, R30)."""
        self._ensure_proposed()
        self._ensure_required(partner, self.required, self.approvals, "R10")
        terms = [(e.cost, e.funding.latest) for e in self.elements.values()]
        signature = Signature(self._signs_for(terms, partner, order), signer)
        self.trigger_event(self.Declined, timestamp=at, partner=partner, reason=reason,
                           actor=actor, **signature.fields())

    def _signs_for(self, terms: list[tuple[Decimal, dict[str, Decimal]]], partner: str,
                   order: list[str] | None) -> Decimal:
        return amount_signed_for(terms, partner, self._order(order))

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

    @property
    def first_signed(self) -> list[str]:
        """Partners with one of their two signatures, still waiting (R30), in required order."""
        if self.status == "proposed":
            return [c for c in self.waiting_on if c in self.first_signatures]
        if self.pending is not None:
            return [c for c in self.waiting_on if c in self.pending.first_signatures]
        return []

    def ensure_other_actor(self, invoice_ref: str, actor: Actor) -> None:
        """R31: four eyes on corrections (in a pool with a register)."""
        spend = self.spends.get(invoice_ref)
        if spend is not None and spend.recorded_by == actor["id"]:
            raise _state_error(f"{actor['id']} recorded spend {invoice_ref}; another person "
                               "must reverse it (R31)", "actor.id", "same_actor_reversal", "R31")

    def _ensure_proposed(self) -> None:
        if self.status != "proposed":
            raise _state_error(f"decision {self.decision_id} is {self.status}, not awaiting "
                               "approval (R10)", "decision_id", "decision_not_pending", "R10")

    @staticmethod
    def _ensure_required(partner: str, required: list[str], approvals: list[str],
                         rule: str) -> None:
        if partner not in required:
            raise _state_error(f"{partner}'s approval is not required ({rule})", "partner",
                               "approval_not_required", rule)
        if partner in approvals:
            raise _state_error(f"{partner} has already approved ({rule})", "partner",
                               "already_approved", rule)

    # -- variations (R12) ---------------------------------------------------------------------

    def propose_variation(
        self,
        *,
        variation_id: str,
        reason: str,
        effective_from: date | None,
        planned_end: date | None,
        elements: list[VariedElementTerms] | None,
        members: list[str],
        actor: Actor,
        at: datetime,
    ) -> None:
        """R12: one pending variation; approval from partners whose share or money rises."""
        self._ensure_live("R12")
        if self.pending is not None:
            raise _state_error(f"variation {self.pending.variation_id} is still pending (R12)",
                               "variation_id", "variation_pending", "R12")
        if variation_id in self.variation_ids:
            raise _state_error(f"variation {variation_id} already exists (R12)", "variation_id",
                               "variation_exists", "R12")
        first, last = year_bounds(self.year)
        effective = effective_from or self.start
        if not first <= effective <= last:
            raise _state_error(f"effective_from {effective} is outside {self.year} (R12)",
                               "effective_from", "effective_outside_year", "R12")
        if planned_end is not None and not self.start <= planned_end <= last:
            raise _state_error(f"planned_end {planned_end} is outside the decision's year or "
                               "before its start (R9)", "planned_end", "period_outside_year", "R9")
        new_terms = self._new_terms(elements, members)
        self._ensure_terms_cover_spend(new_terms)
        required = self._variation_approvers(new_terms, members)
        self.trigger_event(
            self.VariationProposed, timestamp=at, variation_id=variation_id, reason=reason,
            effective_from=effective.isoformat(),
            planned_end=None if planned_end is None else planned_end.isoformat(),
            elements=[t.encode() for t in new_terms], required=required, actor=actor,
        )
        if not required:
            self.trigger_event(self.VariationApplied, timestamp=at, variation_id=variation_id,
                               actor=actor)

    def _ensure_terms_cover_spend(self, new_terms: list[ElementTerms]) -> None:
        """No element with spend is removed (R12) and no cost falls below its spend (R14)."""
        for name, element in self.elements.items():
            if name not in {t.name for t in new_terms} and element.spent != 0:
                raise _state_error(f"element {name} has spend recorded and cannot be removed "
                                   "(R12)", "elements", "element_has_spend", "R12")
        for terms in new_terms:
            current = self.elements.get(terms.name)
            if current is not None and current.outcome is not None \
                    and terms.outcome is not None and terms.outcome.max_count < current.count_paid:
                raise LimitError(f"element {terms.name}'s max_count {terms.outcome.max_count} "
                                 f"would fall below the {current.count_paid} outcomes already "
                                 "paid (R14)", field="elements", code="max_count_below_paid",
                                 rule="R14")
            if current is not None and Fraction(terms.cost) < current.spent:
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
                    _check_split_partners(split, members, f"{where}.{label}")
            error = outcome_variation_error(item, current, where)
            if error is not None:
                raise error
            if current is None and item.max_count is not None:
                terms.append(outcome_terms(item, where))
            elif current is None:
                if item.cost is None or item.funding is None:
                    raise _state_error(f"new element {item.name} needs a cost and a funding "
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
        def money_of(code: str, elements: list[tuple[str, Decimal, dict[str, Decimal]]]
                     ) -> Decimal:
            return sum((cost * split.get(code, Decimal(0)) for _, cost, split in elements),
                       Decimal(0))

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

    def approve_variation(self, variation_id: str, partner: str, actor: Actor, at: datetime,
                          order: list[str] | None = None, signer: Entry | None = None,
                          threshold: Decimal | None = None) -> None:
        """R12, signed for under the varied terms (R29, R30)."""
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
        signature.check_limit()  # the limits in the order the rules list them: R14, then R29
        if signature.first:
            self.trigger_event(self.VariationFirstSigned, timestamp=at,
                               variation_id=variation_id, partner=partner, actor=actor,
                               **signature.fields())
            return
        self.trigger_event(self.VariationShareApproved, timestamp=at, variation_id=variation_id,
                           partner=partner, actor=actor, **signature.fields())
        if not self.waiting_on:
            self.trigger_event(self.VariationApplied, timestamp=at, variation_id=variation_id,
                               actor=actor)

    def decline_variation(self, variation_id: str, partner: str, reason: str, actor: Actor,
                          at: datetime, order: list[str] | None = None, signer: Entry | None = None) -> None:
        pending = self._ensure_pending(variation_id)
        self._ensure_required(partner, pending.required, pending.approvals, "R12")
        terms = [ElementTerms.decode(e) for e in pending.elements]
        signature = Signature(
            self._signs_for([(t.cost, t.funding) for t in terms], partner, order), signer)
        self.trigger_event(self.VariationDeclined, timestamp=at, variation_id=variation_id,
                           partner=partner, reason=reason, actor=actor, **signature.fields())

    def _ensure_pending(self, variation_id: str) -> PendingVariation:
        if self.pending is None or self.pending.variation_id != variation_id:
            raise _state_error(f"variation {variation_id} is not pending on decision "
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
                elements[terms.name] = _new_element(terms)
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
        self._cost_pence = _cost_pence(elements)
        self.has_had_outcomes = self.has_had_outcomes or any(
            e.outcome is not None for e in elements.values())
        self._spent = PenceTally(sum((e.spent for e in elements.values()), Fraction(0)))

    # -- end (R12) ----------------------------------------------------------------------------

    def end_early(self, ended_on: date, reason: str, actor: Actor, at: datetime) -> None:
        self._ensure_live("R12")
        if not self.start <= ended_on <= self.planned_end:
            raise _state_error(f"ended_on {ended_on} is outside the service period "
                               f"{self.start}..{self.planned_end} (R12)", "ended_on",
                               "end_outside_period", "R12")
        late = [ref for ref, s in self.spends.items()
                if not s.reversed and s.service_date > ended_on]
        if late:
            raise _state_error(f"spend {late[0]} has a service date after {ended_on} (R12)",
                               "ended_on", "end_before_recorded_service", "R12")
        self.trigger_event(self.Ended, timestamp=at, ended_on=ended_on.isoformat(),
                           reason=reason, actor=actor)

    def _ensure_live(self, rule: str) -> None:
        if self.status != "approved":
            raise _state_error(f"decision {self.decision_id} is {self.status}, not approved "
                               f"({rule})", "decision_id", "decision_not_approved", rule)
        if self.actual_end is not None:
            raise _state_error(f"decision {self.decision_id} ended on {self.actual_end} "
                               f"({rule})", "decision_id", "decision_ended", rule)

    # -- spend (R13-R16) ----------------------------------------------------------------------

    def check_spend(self, amount: Decimal, service_date: date, element: str | None) -> None:
        """State rules of R13, then the limits of R14, without recording anything."""
        if self.status != "approved":
            raise _state_error(f"decision {self.decision_id} is {self.status}; spend needs an "
                               "approved decision (R13)", "decision_id",
                               "decision_not_approved", "R13")
        if element is not None and element not in self.elements:
            raise _state_error(f"decision {self.decision_id} has no element {element!r} (R13)",
                               "element", "element_not_found", "R13")
        if not self.start <= service_date <= self.end:
            raise _state_error(f"service_date {service_date} is outside the service period "
                               f"{self.start}..{self.end} (R13)", "service_date",
                               "service_date_outside_period", "R13")
        if element is not None and self.elements[element].outcome is not None:
            raise _state_error(f"element {element} is an outcome element: pay it with "
                               "RecordOutcome (R33)", "element", "outcome_element_needs_outcome",
                               "R33")
        cost_elements = self._cost_elements()
        if element is None and not cost_elements:
            raise _state_error(f"decision {self.decision_id} has only outcome elements: pay "
                               "them with RecordOutcome (R33)", "element",
                               "decision_has_only_outcomes", "R33")
        pence = to_pence(amount)
        if element is None and len(cost_elements) < len(self.elements) and sum(
                (e.remaining for e in cost_elements.values()), Fraction(0)) < Fraction(pence, 100):
            raise LimitError(f"spend naming no element falls on decision {self.decision_id}'s "
                             "cost elements, and would take them above their cost; vary the "
                             "decision first (R14)", field="amount",
                             code="spend_exceeds_cost_elements", rule="R14")
        if _exceeds(self._spent, pence, self.cost_pence):
            raise LimitError(f"spend would take decision {self.decision_id} above its approved "
                             f"cost {self.cost}; vary the decision first (R14)", field="amount",
                             code="spend_exceeds_approved_cost", rule="R14")
        if element is not None and _exceeds(self.elements[element].tally, pence,
                                            to_pence(self.elements[element].cost)):
            raise LimitError(f"spend would take element {element} above its cost "
                             f"{self.elements[element].cost} (R14)", field="amount",
                             code="spend_exceeds_element_cost", rule="R14")

    def record_spend(
        self,
        *,
        invoice_ref: str,
        amount: Decimal,
        service_date: date,
        element: str | None,
        supplier: str | None,
        order: list[str],
        actor: Actor,
        at: datetime,
        supplier_is_individual: bool = False,
    ) -> None:
        """R15: allocate by the split in force on the service date, apportioning by remaining cost."""
        self.check_spend(amount, service_date, element)
        parts = self._element_parts(amount, element)
        allocated = (self._whole_allocation(next(iter(parts)), amount, service_date, order)
                     if len(parts) == 1 else None)
        if allocated is None:
            allocated = self._exact_allocation(parts, amount, service_date, order)
        funded, responsible = allocated
        self.trigger_event(
            self.SpendRecorded, timestamp=at, invoice_ref=invoice_ref,
            amount=format(amount, "f"), service_date=service_date.isoformat(), element=element,
            supplier=supplier,
            element_parts={name: fraction_to_str(part) for name, part in parts.items()},
            funding=funded, responsibility=responsible, actor=actor,
            supplier_is_individual=supplier_is_individual,  # explicit, so that it is hashed
        )

    def _exact_allocation(self, parts: dict[str, Fraction], amount: Decimal, service_date: date,
                          order: list[str]) -> tuple[dict[str, str], dict[str, str]]:
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
        total = Fraction(amount)
        return (_allocation(amount, funding, total, order),
                _allocation(amount, responsibility, total, order))

    def _whole_allocation(self, name: str, amount: Decimal, service_date: date,
                          order: list[str]) -> tuple[dict[str, str], dict[str, str]] | None:
        """The same for a spend falling wholly on one element (named, or the only one), in
        integers — what nearly every spend is — and once when responsibility follows funding.
        None when integers don't apply (`allocate_by_splits` declines)."""
        state = self.elements[name]
        pence = to_pence(amount)
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

    def _cost_elements(self) -> dict[str, ElementState]:
        """The elements that are not outcome elements (R33: the ones a spend may fall on)."""
        return {name: e for name, e in self.elements.items() if e.outcome is None}

    def _element_parts(self, amount: Decimal, element: str | None) -> dict[str, Fraction]:
        """A spend naming no element is apportioned among the cost elements by remaining cost,
        exactly (R11, R15, R33)."""
        if element is not None:
            return {element: Fraction(amount)}
        cost_elements = self._cost_elements()
        if len(cost_elements) == 1:
            return {next(iter(cost_elements)): Fraction(amount)}
        remaining = {name: e.remaining for name, e in cost_elements.items() if e.remaining > 0}
        total = sum(remaining.values(), Fraction(0))
        return {name: Fraction(amount) * value / total for name, value in remaining.items()}

    def record_outcome(
        self,
        *,
        invoice_ref: str,
        evidence_ref: str,
        element: str,
        count: int,
        achieved_on: date,
        supplier: str | None,
        supplier_is_individual: bool,
        order: list[str],
        actor: Actor,
        at: datetime,
    ) -> None:
        """R33: price x count, allocated by the element's split in force on `achieved_on`."""
        price = check_outcome(self, element, count, achieved_on, at)
        amount = price * count
        parts = {element: Fraction(amount)}
        allocated = (self._whole_allocation(element, amount, achieved_on, order)
                     or self._exact_allocation(parts, amount, achieved_on, order))
        funded, responsible = allocated
        self.trigger_event(
            self.OutcomeRecorded, timestamp=at, invoice_ref=invoice_ref,
            amount=format(amount, "f"), service_date=achieved_on.isoformat(), element=element,
            supplier=supplier, element_parts={element: fraction_to_str(parts[element])},
            funding=funded, responsibility=responsible, actor=actor, evidence_ref=evidence_ref,
            count=count, supplier_is_individual=supplier_is_individual,
        )

    def reverse_spend(self, invoice_ref: str, reason: str, actor: Actor, at: datetime,
                      four_eyes: bool = False) -> None:
        """R16: a reversal names the spend; a reversed spend cannot be reversed again. With
        `four_eyes` (a pool with a register), never by whoever recorded it (R31)."""
        spend = self.spends.get(invoice_ref)
        if spend is None:
            raise _state_error(f"no spend {invoice_ref} on decision {self.decision_id} (R16)",
                               "invoice_ref", "spend_not_found", "R16")
        if spend.reversed:
            raise _state_error(f"spend {invoice_ref} has already been reversed (R16)",
                               "invoice_ref", "spend_already_reversed", "R16")
        if four_eyes:
            self.ensure_other_actor(invoice_ref, actor)
        self.trigger_event(self.SpendReversed, timestamp=at, invoice_ref=invoice_ref,
                           reason=reason, actor=actor)

    # -- commitment (R11) ---------------------------------------------------------------------

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

    def _held_by_partner(self, elements: dict[str, ElementState], order: list[str],
                         year_closed: bool) -> dict[str, Decimal]:
        zero = {code: Decimal("0.00") for code in order}
        if self.status != "approved" or self.actual_end is not None or year_closed \
                or not elements:
            return zero
        if all(not e.tally.odd for e in elements.values()):  # every remaining in pence
            in_pence = allocate_by_splits(
                [(to_pence(e.cost) - e.tally.pence, e.funding.latest)
                 for e in elements.values()], order)
            if in_pence is not None:
                return {code: from_pence(pence) for code, pence in in_pence.items()}
        exact: dict[str, Fraction] = {}
        for element in elements.values():
            for code, weight in split_weights(element.funding.latest).items():
                exact[code] = exact.get(code, Fraction(0)) + element.remaining * weight
        remaining = sum(exact.values(), Fraction(0))
        if remaining == 0:
            return zero
        amount = exact_money(remaining)
        return {code: Decimal(v) for code, v in _allocation(amount, exact, remaining, order).items()}


def _check_split_partners(split: dict[str, Decimal], members: list[str], where: str) -> None:
    unknown = [code for code in split if code not in members]
    if unknown:
        raise _state_error(f"{where} names {', '.join(unknown)}, not a partner of the pool in "
                           "the decision's year (R3)", where, "split_names_non_partner", "R3")


def _new_element(terms: ElementTerms) -> ElementState:
    return ElementState(
        cost=terms.cost, cost_basis=terms.cost_basis,
        funding=SplitHistory([(None, terms.funding)]),
        responsibility=SplitHistory([(None, terms.responsibility or terms.funding)]),
        outcome=terms.outcome,
    )


def _exceeds(tally: PenceTally, pence: int, cost_pence: int) -> bool:
    """Whether adding `pence` to what `tally` holds goes above `cost_pence` (R14): in
    integers when the tally holds whole pence, as it nearly always does."""
    if not tally.odd:
        return tally.pence + pence > cost_pence
    return tally.value + Fraction(pence, 100) > Fraction(cost_pence, 100)


def _cost_pence(elements: dict[str, ElementState]) -> int:
    return sum(to_pence(e.cost) for e in elements.values())


def _allocation(
    amount: Decimal, exact: dict[str, Fraction], total: Fraction, order: list[str]
) -> dict[str, str]:
    weights = {code: value / total for code, value in exact.items() if value}
    return {code: format(part, "f") for code, part in allocate(amount, weights, order).items()}

