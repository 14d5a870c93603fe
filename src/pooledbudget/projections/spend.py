"""Read models of spend: every invoice with its per-partner funded and responsible amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, update

from ..aggregates import Decision
from ..money import to_pence
from .tables import spend_allocations, spends


def apply_spend_event(conn: Connection, event: Any, decision: Decision, sequence: int) -> None:
    if isinstance(event, Decision.SpendRecorded):
        conn.execute(insert(spends).values(
            pool_id=decision.pool_id, invoice_ref=event.invoice_ref,
            decision_id=decision.decision_id, year=decision.year,
            amount_pence=to_pence(Decimal(event.amount)),
            service_date=date.fromisoformat(event.service_date), recorded_at=event.timestamp,
            element=event.element, supplier=event.supplier, sequence=sequence, reversed=False))
        partners = list(dict.fromkeys([*event.funding, *event.responsibility]))
        conn.execute(insert(spend_allocations), [
            {"pool_id": decision.pool_id, "invoice_ref": event.invoice_ref, "partner": code,
             "year": decision.year,
             "funded_pence": to_pence(Decimal(event.funding.get(code, "0"))),
             "responsible_pence": to_pence(Decimal(event.responsibility.get(code, "0")))}
            for code in partners
        ])
    elif isinstance(event, Decision.SpendReversed):
        conn.execute(update(spends).where(spends.c.pool_id == decision.pool_id,
                                          spends.c.invoice_ref == event.invoice_ref)
                     .values(reversed=True, reversal_reason=event.reason))
