"""Read models from the pool's stream: pools, contributions by partner and year, closed years."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from ..aggregates import Pool
from ..money import stored_pence
from .tables import (
    approvals_pending,
    closed_years,
    commitments,
    contingent,
    contributions,
    outcome_elements,
    pools,
)

_KEY = (contributions.c.pool_id == bindparam("k_pool"),
        contributions.c.year == bindparam("k_year"),
        contributions.c.partner == bindparam("k_partner"))
_PLEDGE = insert(contributions)
_VARY = update(contributions).where(*_KEY).values(agreed_pence=bindparam("pence"))
_RECEIVE = update(contributions).where(*_KEY).values(
    received_pence=contributions.c.received_pence + bindparam("pence"))


def apply_pool_event(conn: Connection, event: Any, pool_id: str, keep_text: bool = True) -> None:
    """Without text (`keep_text` False: a cipher key is set) the pool's and its partners'
    names are left out; partners keep their codes and first years."""
    if isinstance(event, Pool.Established):
        partners = event.partners if keep_text else [{**p, "name": ""} for p in event.partners]
        conn.execute(insert(pools).values(
            pool_id=event.pool_id, aggregate_id=str(event.originator_id),
            name=event.name if keep_text else "", host=event.host,
            first_year=event.first_year, partners=partners, risk_share=event.risk_share))
    elif isinstance(event, Pool.PartnerJoined):
        partners = conn.execute(select(pools.c.partners).where(pools.c.pool_id == pool_id)
                                ).scalar_one()
        joined = {"code": event.partner, "name": event.name if keep_text else "",
                  "from_year": event.from_year}
        conn.execute(update(pools).where(pools.c.pool_id == pool_id)
                     .values(partners=[*partners, joined]))
    elif isinstance(event, Pool.ContributionPledged):
        conn.execute(_PLEDGE, {"pool_id": pool_id, "year": event.year, "partner": event.partner,
                               "agreed_pence": stored_pence(event.amount),
                               "received_pence": 0})
    elif isinstance(event, (Pool.ContributionVaried, Pool.ContributionReceived)):
        statement = _VARY if isinstance(event, Pool.ContributionVaried) else _RECEIVE
        conn.execute(statement, {"k_pool": pool_id, "k_year": event.year,
                                 "k_partner": event.partner,
                                 "pence": stored_pence(event.amount)})
    elif isinstance(event, Pool.YearClosed):
        conn.execute(insert(closed_years).values(pool_id=pool_id, year=event.year,
                                                 closed_at=event.timestamp))
        # Open commitments, contingent ones (R34) and pending proposals of the year lapse (R17).
        for table in (commitments, contingent, approvals_pending):
            conn.execute(delete(table).where(table.c.pool_id == pool_id,
                                             table.c.year == event.year))
        conn.execute(update(outcome_elements).where(
            outcome_elements.c.pool_id == pool_id, outcome_elements.c.year == event.year
        ).values(remaining_pence=0))

