"""Read models from the pool's stream: pools, contributions by partner and year, closed years.

Pledges, variations and receipts are the pool events a feed has most of: a batch keeps their
changes per partner and year and writes them with three executemanys when it ends
(`ContributionWriter`), not a statement (a round trip on PostgreSQL) each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from ..aggregates import Pool
from ..money import stored_pence
from .partner_totals import lapse_commitments
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


_Key = tuple[str, str, str]  # pool, year, partner


class ContributionWriter:
    """A batch's contribution changes: rows pledged in it, with what later events of the batch
    did to them, and for rows written before it, the last agreed total and the receipts."""

    def __init__(self) -> None:
        self._new: dict[_Key, list[int]] = {}  # [agreed, received]
        self._agreed: dict[_Key, int] = {}
        self._received: dict[_Key, int] = {}

    def pledge(self, conn: Connection, key: _Key, pence: int) -> None:
        if key in self._new or key in self._agreed or key in self._received:
            self.flush(conn)  # (R6 allows one pledge) written in order, as statement by statement
        self._new[key] = [pence, 0]

    def vary(self, key: _Key, pence: int) -> None:
        if key in self._new:
            self._new[key][0] = pence
        else:
            self._agreed[key] = pence

    def receive(self, key: _Key, pence: int) -> None:
        if key in self._new:
            self._new[key][1] += pence
        else:
            self._received[key] = self._received.get(key, 0) + pence

    def flush(self, conn: Connection) -> None:
        if self._new:
            conn.execute(_PLEDGE, [
                {"pool_id": pool, "year": year, "partner": partner, "agreed_pence": agreed,
                 "received_pence": received}
                for (pool, year, partner), (agreed, received) in self._new.items()])
        for statement, changes in ((_VARY, self._agreed), (_RECEIVE, self._received)):
            if changes:
                conn.execute(statement, [
                    {"k_pool": pool, "k_year": year, "k_partner": partner, "pence": pence}
                    for (pool, year, partner), pence in changes.items()])
        self.discard()

    def discard(self) -> None:
        self._new = {}
        self._agreed = {}
        self._received = {}


def apply_pool_event(conn: Connection, event: Any, pool_id: str, keep_text: bool,
                     contributions: ContributionWriter) -> None:
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
        contributions.pledge(conn, (pool_id, event.year, event.partner),
                            stored_pence(event.amount))
    elif isinstance(event, Pool.ContributionVaried):
        contributions.vary((pool_id, event.year, event.partner), stored_pence(event.amount))
    elif isinstance(event, Pool.ContributionReceived):
        contributions.receive((pool_id, event.year, event.partner), stored_pence(event.amount))
    elif isinstance(event, Pool.YearClosed):
        conn.execute(insert(closed_years).values(pool_id=pool_id, year=event.year,
                                                 closed_at=event.timestamp))
        # Open commitments, contingent ones (R34) and pending proposals of the year lapse (R17).
        for table in (commitments, contingent, approvals_pending):
            conn.execute(delete(table).where(table.c.pool_id == pool_id,
                                             table.c.year == event.year))
        lapse_commitments(conn, pool_id, event.year)
        conn.execute(update(outcome_elements).where(
            outcome_elements.c.pool_id == pool_id, outcome_elements.c.year == event.year
        ).values(remaining_pence=0))

