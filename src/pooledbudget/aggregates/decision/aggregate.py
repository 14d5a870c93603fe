"""A joint funding decision: each command beside the events it records.

One stream per decision. A decision lives inside one financial year, so its stream is bounded by
that year's invoices against it; the pool's stream never grows with spend. The rules each command
checks are in the mixins named for them (approval, variations, spend, commitment); what the
decision holds is in `state`. Every event keeps its stored `TOPIC` wherever its class is.
"""

from __future__ import annotations

from dataclasses import field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate

from ...money import Money, stored_pence
from ..chain import ChainedAggregate
from ..outcomes import check_outcome
from ..register import Entry
from ..signing import Signature
from ..terms import Actor, ElementTerms, VariedElementTerms
from .approval import check_period, required_approvers
from .commitment import CommitmentRules
from .spend import SpendRules
from .state import PendingVariation, SpendState, decision_uuid, partner_parts
from .variations import VariationRules


class Decision(VariationRules, SpendRules, CommitmentRules, ChainedAggregate):
    """A joint funding decision of a pool (R9): its elements and their funding and
    responsibility splits, its approvals (R10), variations (R12), end and spend (R13-R16)."""

    TOPIC = "pooledbudget:Decision"

    class Event(ChainedAggregate.Event):
        TOPIC = "pooledbudget:Decision.Event"

    # -- proposal (R9) ------------------------------------------------------------------------

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

    def __init__(self, pool_id: str, decision_id: str, year: str, case_ref: str, category: str,
                 start: str, planned_end: str, elements: list[dict[str, Any]], required: list[str],
                 actor: Actor) -> None:
        self._set_up(pool_id, decision_id, year, case_ref, category, start, planned_end,
                     elements, required)

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
        check_period(year, start, planned_end)
        required = required_approvers(elements, members)
        return cls._create(
            cls.Proposed, id=decision_uuid(pool_id, decision_id), timestamp=at,
            pool_id=pool_id, decision_id=decision_id, year=year, case_ref=case_ref,
            category=category, start=start.isoformat(), planned_end=planned_end.isoformat(),
            elements=[e.encode() for e in elements], required=required, actor=actor,
        )

    # -- approval (R10, R29, R30) -------------------------------------------------------------

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

    def approve(self, partner: str, actor: Actor, at: datetime, order: list[str] | None = None,
                signer: Entry | None = None, threshold: Money | None = None) -> None:
        """R10; with a register, the signer's limit (R29) and two signatures above the
        threshold (R30). `signer`: the actor's register entry; None without a register."""
        signature = self._approval_signature(partner, actor, order, signer, threshold)
        self._signed(signature, self.ShareFirstSigned, self.ShareApproved, self.Approved,
                     partner=partner, actor=actor, at=at)

    def _signed(self, signature: Signature, first: type[Any], approved: type[Any],
                complete: type[Any], *, partner: str, actor: Actor, at: datetime,
                **ids: str) -> None:
        """A first of two signatures waits (R30); a partner's approval is recorded, and the
        last one required completes what it approves (R10, R12)."""
        if signature.first:
            self.trigger_event(first, timestamp=at, partner=partner, actor=actor, **ids,
                               **signature.fields())
            return
        self.trigger_event(approved, timestamp=at, partner=partner, actor=actor, **ids,
                           **signature.fields())
        if not self.waiting_on:
            self.trigger_event(complete, timestamp=at, actor=actor, **ids)

    class Declined(Event):
        TOPIC = "pooledbudget:DecisionDeclined"
        partner: str
        reason: str
        actor: Actor
        amount: str | None = None
        limit: str | None = None

        def apply(self, aggregate: Any) -> None:
            aggregate.status = "declined"

    def decline(self, partner: str, reason: str, actor: Actor, at: datetime,
                order: list[str] | None = None, signer: Entry | None = None) -> None:
        """One decline, by any budget holder of a required partner, declines (R10, R30)."""
        signature = self._decline_signature(partner, order, signer)
        self.trigger_event(self.Declined, timestamp=at, partner=partner, reason=reason,
                           actor=actor, **signature.fields())

    # -- variations (R12) ---------------------------------------------------------------------

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
            aggregate._hold_pending(PendingVariation(
                self.variation_id, date.fromisoformat(self.effective_from),
                None if self.planned_end is None else date.fromisoformat(self.planned_end),
                self.elements, list(self.required), self.timestamp))

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
        """R12: one pending variation; approval from partners whose share or money rises.
        With no one to approve it, it applies at once."""
        effective, new_terms, required = self._check_variation(
            variation_id, effective_from, planned_end, elements, members)
        self.trigger_event(
            self.VariationProposed, timestamp=at, variation_id=variation_id, reason=reason,
            effective_from=effective.isoformat(),
            planned_end=None if planned_end is None else planned_end.isoformat(),
            elements=[t.encode() for t in new_terms], required=required, actor=actor,
        )
        if not required:
            self.trigger_event(self.VariationApplied, timestamp=at, variation_id=variation_id,
                               actor=actor)

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

    def approve_variation(self, variation_id: str, partner: str, actor: Actor, at: datetime,
                          order: list[str] | None = None, signer: Entry | None = None,
                          threshold: Money | None = None) -> None:
        """R12, signed for under the varied terms (R29, R30); the last approval applies it."""
        signature = self._variation_signature(variation_id, partner, actor, order, signer,
                                              threshold)
        self._signed(signature, self.VariationFirstSigned, self.VariationShareApproved,
                     self.VariationApplied, partner=partner, actor=actor, at=at,
                     variation_id=variation_id)

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

    def decline_variation(self, variation_id: str, partner: str, reason: str, actor: Actor,
                          at: datetime, order: list[str] | None = None,
                          signer: Entry | None = None) -> None:
        """One decline keeps the old terms (R12)."""
        signature = self._variation_decline_signature(variation_id, partner, order, signer)
        self.trigger_event(self.VariationDeclined, timestamp=at, variation_id=variation_id,
                           partner=partner, reason=reason, actor=actor, **signature.fields())

    # -- end (R12) ----------------------------------------------------------------------------

    class Ended(Event):
        TOPIC = "pooledbudget:DecisionEnded"
        ended_on: str
        reason: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.actual_end = date.fromisoformat(self.ended_on)
            aggregate.pending = None

    def end_early(self, ended_on: date, reason: str, actor: Actor, at: datetime) -> None:
        """R12: inside the service period, and after no recorded service."""
        self._check_end(ended_on)
        self.trigger_event(self.Ended, timestamp=at, ended_on=ended_on.isoformat(),
                           reason=reason, actor=actor)

    # -- spend (R13-R16, R33) -----------------------------------------------------------------

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
            aggregate._book_spend(self.invoice_ref, stored_pence(self.amount), SpendState(
                amount=Decimal(self.amount), service_date=date.fromisoformat(self.service_date),
                element_parts=self.element_parts, recorded_by=self.actor.get("id"),
                parts=partner_parts(self.funding, self.responsibility)))

    def record_spend(
        self,
        *,
        invoice_ref: str,
        amount: Money,
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
        self.trigger_event(self.SpendRecorded, timestamp=at, **self._spend_fields(
            invoice_ref, amount, service_date, element, supplier, supplier_is_individual,
            order, actor))

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
        self.trigger_event(self.OutcomeRecorded, timestamp=at, evidence_ref=evidence_ref,
                           count=count, **self._spend_fields(
                               invoice_ref, price.times(count), achieved_on, element, supplier,
                               supplier_is_individual, order, actor))

    class SpendReversed(Event):
        TOPIC = "pooledbudget:SpendReversed"
        invoice_ref: str
        reason: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate._unbook_spend(self.invoice_ref)

    def reverse_spend(self, invoice_ref: str, reason: str, actor: Actor, at: datetime,
                      four_eyes: bool = False) -> None:
        """R16: a reversal names the spend; a reversed spend cannot be reversed again. With
        `four_eyes` (a pool with a register), never by whoever recorded it (R31)."""
        self._reversible(invoice_ref, actor, four_eyes)
        self.trigger_event(self.SpendReversed, timestamp=at, invoice_ref=invoice_ref,
                           reason=reason, actor=actor)
