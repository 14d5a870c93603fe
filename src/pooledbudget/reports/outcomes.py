"""Outcomes (R35): each outcome element of the year's approved decisions, what was paid for it
against its maximum, and by partner the outcome payments funded and those it was responsible for.

The board pack asks for the same figures through `pooledbudget.reports.outcomes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, func, select

from ..money import from_pence
from ..projections.tables import (
    decision_order,
    outcome_elements,
    outcome_payments,
    spend_allocations,
    spends,
)
from .pool_info import pool_info

if TYPE_CHECKING:
    from .models import OutcomesReport


def outcomes_report(conn: Connection, pool_id: str, year: str,
                    as_at: str | None) -> OutcomesReport:
    from .models import OutcomeLine, OutcomePartner, OutcomesReport

    members = pool_info(conn, pool_id).members(year)
    elements = conn.execute(
        select(outcome_elements)
        .outerjoin(decision_order,
                   (decision_order.c.pool_id == outcome_elements.c.pool_id)
                   & (decision_order.c.decision_id == outcome_elements.c.decision_id))
        .where(outcome_elements.c.pool_id == pool_id, outcome_elements.c.year == year)
        .order_by(func.coalesce(decision_order.c.sequence, 0), outcome_elements.c.decision_id,
                  outcome_elements.c.position))
    lines = [OutcomeLine(
        decision_id=row.decision_id, element=row.element, measure=row.measure,
        price=str(from_pence(row.price_pence)), max_count=row.max_count,
        count_paid=row.count_paid, paid=str(from_pence(row.paid_pence)),
        remaining=str(from_pence(row.remaining_pence))) for row in elements]
    funded = dict.fromkeys(members, 0)
    responsible = dict.fromkeys(members, 0)
    # The year's outcome payments first, then their allocations and spends by key: asked by
    # the allocations' year, SQLite read the pool-year's covering index and looked up a spend
    # for each allocation (4.7 s at a one-million-event year; decision 0042).
    paid_refs = select(outcome_payments.c.invoice_ref).where(
        outcome_payments.c.pool_id == pool_id, outcome_payments.c.year == year)
    paid = (
        select(spend_allocations.c.partner, func.sum(spend_allocations.c.funded_pence),
               func.sum(spend_allocations.c.responsible_pence))
        .join(spends, (spends.c.pool_id == spend_allocations.c.pool_id)
              & (spends.c.invoice_ref == spend_allocations.c.invoice_ref))
        .where(spend_allocations.c.pool_id == pool_id,
               spend_allocations.c.invoice_ref.in_(paid_refs),
               spends.c.year == year, spends.c.reversed.is_(False))
        .group_by(spend_allocations.c.partner)
    )
    for partner, funded_pence, responsible_pence in conn.execute(paid):
        funded[partner] = funded.get(partner, 0) + int(funded_pence)
        responsible[partner] = responsible.get(partner, 0) + int(responsible_pence)
    partners = [OutcomePartner(partner=code, funded=str(from_pence(funded[code])),
                               responsible=str(from_pence(responsible[code])))
                for code in funded]
    return OutcomesReport(pool=pool_id, year=year, as_at=as_at, outcomes=lines,
                          partners=partners)
