"""Invoice references (R13): a reference unused in its pool, compared by key; the pool's old
claims made by raw text before R13 was amended listed once (decision 0024)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from .. import aggregates
from ..aggregates.terms import Actor
from ..errors import StateError
from ..references import reference_key
from .loading import Loading

LEGACY_CLAIM_TOPIC = "pooledbudget:InvoiceRegistered"


class InvoiceClaims(Loading):
    def _unused_invoice(self, pool_id: str, invoice_ref: str, actor: Actor,
                        at: datetime) -> tuple[str, list[Aggregate]]:
        """The reference's key if no reference the same under R13 was recorded in the pool
        (a key claim, or an old raw-text one: decision 0024), with the pool's new listing of
        old claims if this is the first time; else `invoice_ref_reused` naming the earlier."""
        key = reference_key(invoice_ref)
        legacy, index = self._legacy(pool_id, actor, at)
        claim = self._find(aggregates.InvoiceRef, aggregates.invoice_key_uuid(pool_id, key),
                           read_only=True)
        earlier = claim.invoice_ref if claim is not None else next(iter(legacy.get(key, {})), None)
        if earlier is not None:
            same = ("has already been used" if earlier == invoice_ref else
                    f"is the same reference as {earlier}, already used")
            raise StateError(f"invoice_ref {invoice_ref} {same} in this pool (R13: "
                             "references are compared in capitals, letters and digits only, "
                             "without leading zeros)", field="invoice_ref",
                             code="invoice_ref_reused", rule="R13")
        return key, index

    def _legacy(self, pool_id: str, actor: Actor,
                at: datetime) -> tuple[dict[str, dict[str, str]], list[Aggregate]]:
        """The pool's invoice claims made by raw text before R13 was amended, by key; and, the
        first time, the new `LegacyInvoiceRefs` that lists them, to be saved with the command.
        Once stored the list never changes, so it is read once per process."""
        known = self._legacy_claims.get(pool_id)
        if known is not None:
            return known, []
        from ..aggregates.registry import LegacyInvoiceRefs, legacy_invoices_uuid

        index = self._find(LegacyInvoiceRefs, legacy_invoices_uuid(pool_id), read_only=True)
        if index is not None:
            if not index.pending_events:
                self._legacy_claims[pool_id] = index.claims
            return index.claims, []
        claims = self._scan_legacy_claims(pool_id)
        return claims, [LegacyInvoiceRefs.index(pool_id, claims, actor, at)]

    def _scan_legacy_claims(self, pool_id: str) -> dict[str, dict[str, str]]:
        """The pool's raw-text claims, from the log: once per pool, ever (decision 0024)."""
        claims: dict[str, dict[str, str]] = {}
        start = 0
        while True:
            found = self.recorder.select_notifications(
                start=start, limit=1000, topics=[LEGACY_CLAIM_TOPIC], inclusive_of_start=False)
            if not found:
                return claims
            for notification in found:
                event: Any = self.mapper.to_domain_event(notification)
                if event.pool_id == pool_id and event.key is None:
                    same = claims.setdefault(reference_key(event.invoice_ref), {})
                    same[event.invoice_ref] = event.decision_id
            start = found[-1].id
