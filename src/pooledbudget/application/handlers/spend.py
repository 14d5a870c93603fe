"""Handlers: spend (R13), outcome payments (R33) and reversals (R16)."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from ... import aggregates
from ... import commands as c
from ...aggregates.terms import Actor
from ...errors import StateError
from ...references import reference_key
from ..authority import Authority
from ..dispatch import handles
from ..invoice_refs import InvoiceClaims


class SpendHandlers(Authority, InvoiceClaims):
    @handles("RecordSpend")
    def _record_spend(self, cmd: c.RecordSpend, actor: Actor, at: datetime) -> list[Aggregate]:
        pool, decision = self._open_decision(
            cmd.pool_id, cmd.decision_id, "R13", actor)
        key, index = self._unused_invoice(cmd.pool_id, cmd.invoice_ref, actor, at)
        decision.record_spend(
            invoice_ref=cmd.invoice_ref, amount=cmd.amount, service_date=cmd.service_date,
            element=cmd.element, supplier=cmd.supplier, order=pool.partner_order, actor=actor,
            at=at, supplier_is_individual=cmd.supplier_is_individual)
        invoice = aggregates.InvoiceRef.claim(cmd.pool_id, cmd.invoice_ref, key, cmd.decision_id,
                                              actor, at)
        return [decision, invoice, *index]

    @handles("RecordOutcome")
    def _record_outcome(self, cmd: c.RecordOutcome, actor: Actor,
                        at: datetime) -> list[Aggregate]:
        """R33: an outcome payment is spend; its invoice reference is claimed as a spend's is
        (R13) and its evidence reference once in the pool, never freed (R33)."""
        from ...aggregates import EvidenceRef, InvoiceRef
        from ...aggregates.registry import evidence_uuid

        pool, decision = self._open_decision(
            cmd.pool_id, cmd.decision_id, "R33", actor)
        key, index = self._unused_invoice(cmd.pool_id, cmd.invoice_ref, actor, at)
        if self._find(EvidenceRef, evidence_uuid(cmd.pool_id, cmd.evidence_ref),
                      read_only=True) is not None:
            raise StateError(f"evidence_ref {cmd.evidence_ref} has already been paid on in this "
                             "pool, and is never used again, even after a reversal (R33)",
                             field="evidence_ref", code="evidence_ref_reused", rule="R33")
        decision.record_outcome(
            invoice_ref=cmd.invoice_ref, evidence_ref=cmd.evidence_ref, element=cmd.element,
            count=cmd.count, achieved_on=cmd.achieved_on, supplier=cmd.supplier,
            supplier_is_individual=cmd.supplier_is_individual, order=pool.partner_order,
            actor=actor, at=at)
        invoice = InvoiceRef.claim(cmd.pool_id, cmd.invoice_ref, key, cmd.decision_id, actor, at)
        evidence = EvidenceRef.register(cmd.pool_id, cmd.evidence_ref, cmd.decision_id,
                                        cmd.invoice_ref, actor, at)
        return [decision, invoice, evidence, *index]

    @handles("ReverseSpend")
    def _reverse_spend(self, cmd: c.ReverseSpend, actor: Actor, at: datetime) -> list[Aggregate]:
        from ...aggregates import InvoiceRef
        from ...aggregates.registry import invoice_key_uuid

        pool = self._managed_pool(cmd.pool_id, actor, read_only=True)
        key = reference_key(cmd.invoice_ref)
        legacy, index = self._legacy(cmd.pool_id, actor, at)
        claim = self._find(InvoiceRef, invoice_key_uuid(cmd.pool_id, key), read_only=True)
        if claim is not None:
            recorded, decision_id = claim.invoice_ref, claim.decision_id
        elif key in legacy:  # the exact spelling, else the first recorded (decision 0024)
            same = legacy[key]
            recorded = cmd.invoice_ref if cmd.invoice_ref in same else next(iter(same))
            decision_id = same[recorded]
        else:
            raise StateError(f"no spend with invoice_ref {cmd.invoice_ref} in this pool (R16)",
                             field="invoice_ref", code="spend_not_found", rule="R16")
        decision = self._decision(cmd.pool_id, decision_id, "R16")
        pool.ensure_open(decision.year)
        decision.reverse_spend(recorded, cmd.reason, actor, at,
                               four_eyes=pool.register is not None)
        return [decision, *index]
