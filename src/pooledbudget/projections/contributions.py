"""Read models from the pool's stream: pools, contributions by partner and year, closed years."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from ..aggregates import Pool
from ..money import to_pence
from .tables import approvals_pending, closed_years, commitments, contributions, pools


def apply_pool_event(conn: Connection, event: Any, pool_id: str) -> None:
    if isinstance(event, Pool.Established):
        conn.execute(insert(pools).values(
            pool_id=event.pool_id, aggregate_id=str(event.originator_id), name=event.name, host=event.host,
            first_year=event.first_year, partners=event.partners, risk_share=event.risk_share))
    elif isinstance(event, Pool.PartnerJoined):
        partners = conn.execute(select(pools.c.partners).where(pools.c.pool_id == pool_id)
                                ).scalar_one()
        joined = {"code": event.partner, "name": event.name, "from_year": event.from_year}
        conn.execute(update(pools).where(pools.c.pool_id == pool_id)
                     .values(partners=[*partners, joined]))
    elif isinstance(event, Pool.ContributionPledged):
        conn.execute(insert(contributions).values(
            pool_id=pool_id, year=event.year, partner=event.partner,
            agreed_pence=to_pence(Decimal(event.amount)), received_pence=0))
    elif isinstance(event, Pool.ContributionVaried):
        conn.execute(update(contributions).where(*_key(pool_id, event))
                     .values(agreed_pence=to_pence(Decimal(event.amount))))
    elif isinstance(event, Pool.ContributionReceived):
        conn.execute(update(contributions).where(*_key(pool_id, event)).values(
            received_pence=contributions.c.received_pence + to_pence(Decimal(event.amount))))
    elif isinstance(event, Pool.YearClosed):
        conn.execute(insert(closed_years).values(pool_id=pool_id, year=event.year,
                                                 closed_at=event.timestamp))
        # Open commitments and pending proposals of the year lapse (R17).
        for table in (commitments, approvals_pending):
            conn.execute(delete(table).where(table.c.pool_id == pool_id,
                                             table.c.year == event.year))


def _key(pool_id: str, event: Any) -> tuple[Any, ...]:
    return (contributions.c.pool_id == pool_id, contributions.c.year == event.year,
            contributions.c.partner == event.partner)
