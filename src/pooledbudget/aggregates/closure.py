"""`YearClosure`: a one-event aggregate that exists exactly when a pool's year has been closed.

`CloseYear` creates it (deterministic id from pool and year) in the same atomic save as the
pool's `YearClosed` event. Every command that writes a decision saves on the condition that the
closure of the decision's year does not exist (`pooledbudget.recorders.guard`), checked inside
the very transaction that appends its events — so a spend and a close that race cannot both be
recorded (R17), and no stream grows with spend (the closure has one event, for ever). See
docs/decisions/0006-postgresql-store.md ("Closing a year").
"""

from __future__ import annotations

import functools
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from .chain import ChainedAggregate
from .pool import NAMESPACE
from .terms import Actor


@functools.lru_cache(maxsize=4096)  # a command derives each id several times
def closure_uuid(pool_id: str, year: str) -> UUID:
    return uuid5(NAMESPACE, f"closure:{pool_id}:{year}")


class YearClosure(ChainedAggregate):
    """Marks (pool, year) closed, for the storage-level guard of writes into that year."""

    TOPIC = "pooledbudget:YearClosure"

    class Event(ChainedAggregate.Event):
        TOPIC = "pooledbudget:YearClosure.Event"

    class Closed(Event, Aggregate.Created):
        TOPIC = "pooledbudget:YearClosureRecorded"
        pool_id: str
        year: str
        actor: Actor

    def __init__(self, pool_id: str, year: str, actor: Actor) -> None:
        self.pool_id = pool_id
        self.year = year

    @classmethod
    def close(cls, pool_id: str, year: str, actor: Actor, at: datetime) -> YearClosure:
        return cls._create(cls.Closed, id=closure_uuid(pool_id, year), timestamp=at,
                           pool_id=pool_id, year=year, actor=actor)
