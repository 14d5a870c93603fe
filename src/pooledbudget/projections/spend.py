"""Read models of spend: every invoice with its per-partner funded and responsible amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update

from ..aggregates import Decision
from ..money import to_pence
from .tables import spend_allocations, spends

_INSERT_SPEND = insert(spends)
_INSERT_ALLOCATION = insert(spend_allocations)
_REVERSE = update(spends).where(
    spends.c.pool_id == bindparam("k_pool"), spends.c.invoice_ref == bindparam("k_invoice")
).values(reversed=True, reversal_reason=bindparam("reason"))


class SpendWriter:
    """Buffers a batch's new spend rows and reversals and writes them together (one
    executemany per statement); a reversal of a spend still buffered is applied to its row."""

    def __init__(self) -> None:
        self._spends: dict[tuple[str, str], dict[str, Any]] = {}
        self._allocations: list[dict[str, Any]] = []
        self._reversals: list[dict[str, Any]] = []

    def apply(self, conn: Connection, event: Any, decision: Decision, sequence: int) -> None:
        if isinstance(event, Decision.SpendRecorded):
            self._record(event, decision, sequence)
        elif isinstance(event, Decision.SpendReversed):
            buffered = self._spends.get((decision.pool_id, event.invoice_ref))
            if buffered is not None:
                buffered.update(reversed=True, reversal_reason=event.reason)
            else:
                self._reversals.append({"k_pool": decision.pool_id,
                                        "k_invoice": event.invoice_ref, "reason": event.reason})

    def _record(self, event: Any, decision: Decision, sequence: int) -> None:
        self._spends[(decision.pool_id, event.invoice_ref)] = {
            "pool_id": decision.pool_id, "invoice_ref": event.invoice_ref,
            "decision_id": decision.decision_id, "year": decision.year,
            "amount_pence": to_pence(Decimal(event.amount)),
            "service_date": date.fromisoformat(event.service_date), "recorded_at": event.timestamp,
            "element": event.element, "supplier": event.supplier, "sequence": sequence,
            "reversed": False, "reversal_reason": None}
        for code in dict.fromkeys([*event.funding, *event.responsibility]):
            self._allocations.append({
                "pool_id": decision.pool_id, "invoice_ref": event.invoice_ref, "partner": code,
                "year": decision.year,
                "funded_pence": to_pence(Decimal(event.funding.get(code, "0"))),
                "responsible_pence": to_pence(Decimal(event.responsibility.get(code, "0")))})

    def flush(self, conn: Connection) -> None:
        if self._spends:
            conn.execute(_INSERT_SPEND, list(self._spends.values()))
        if self._allocations:
            conn.execute(_INSERT_ALLOCATION, self._allocations)
        if self._reversals:
            conn.execute(_REVERSE, self._reversals)
        self.discard()

    def discard(self) -> None:
        self._spends = {}
        self._allocations = []
        self._reversals = []
