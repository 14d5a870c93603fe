"""Bare eventsourcing on the ledger's own backend: the baselines every figure is a ratio to.

A stock `Application` with a small stock aggregate whose events look like ledger events (a few
short fields), on a database of its own (SQLite file or PostgreSQL schema) configured exactly as
the ledger's, minus the ledger's own recorder class.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import JSONTranscoder, Mapper

from pooledbudget.persistence import database, prepare


class Counter(Aggregate):
    """A small aggregate whose events look like ledger events (a few short fields)."""

    @event("Created")
    def __init__(self, name: str) -> None:
        self.name = name
        self.total = 0

    @event("Added")
    def add(self, amount: str, note: str) -> None:
        self.total += 1


def bare_application(url: str, cache_size: int = 1000) -> Application[UUID]:
    """A stock application on `url` (a fresh SQLite file or PostgreSQL schema)."""
    db = database(url)
    prepare(db)
    env = {k: v for k, v in db.env.items() if k != "APPLICATION_RECORDER_TOPIC"}
    env["AGGREGATE_CACHE_MAXSIZE"] = str(cache_size)
    env["CREATE_TABLE"] = "y"
    return Application(env=env)


def batched_appends(app: Application[Any], events: int, per_save: int = 500) -> list[UUID]:
    """Records `events` events in saves of `per_save` (a new aggregate each); returns the ids."""
    ids = []
    while events > 0:
        n = min(per_save, events)
        counter = Counter(name=f"b{len(ids)}")
        for _ in range(n - 1):
            counter.add(amount="2450.00", note="weekly charge")
        app.save(counter)
        ids.append(counter.id)
        events -= n
    return ids


def get_mutate_save(app: Application[Any], aggregate_id: UUID) -> None:
    """The bare command path: load (cache or store), one new event, save."""
    counter: Counter = app.repository.get(aggregate_id)
    counter.add(amount="2450.00", note="weekly charge")
    app.save(counter)


def stock_mapper(app: Application[Any]) -> Mapper[Any]:
    """eventsourcing's own mapper for `app`'s stored events: its `JSONTranscoder` (not the
    ledger's faster one, recorders/stored_json.py) with the same transcodings, cipher and
    compressor, so a baseline decodes as bare eventsourcing does whatever the ledger does."""
    transcoder = JSONTranscoder()
    app.register_transcodings(transcoder)
    return Mapper(transcoder=transcoder, compressor=app.mapper.compressor,
                  cipher=app.mapper.cipher)


def bare_decode(app: Application[Any], batch: int = 500, stop: int | None = None) -> int:
    """Read the notification log in batches and decode every event (up to id `stop`), as bare
    eventsourcing does: its `select_notifications` and its own mapper (`stock_mapper`)."""
    recorder, mapper = app.recorder, stock_mapper(app)
    start, count = 1, 0
    while True:
        notifications = recorder.select_notifications(start=start, limit=batch, stop=stop)
        if not notifications:
            return count
        for notification in notifications:
            mapper.to_domain_event(notification)
        count += len(notifications)
        start = notifications[-1].id + 1
