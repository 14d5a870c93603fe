"""One pool as it stood at T, from that pool's own events (R22 in a database of many funds).

Replaying the whole log up to T costs every fund's history; a national programme keeps about
150 funds in one database, and a board or an auditor asks about one. Only a pool's own
aggregate and its decisions change its read models, so those are read — each by its primary
key, in order of version — and merged back into notification order: the projection receives
the same events in the same order, with the same notification ids, as the whole log would give
it for that pool (decision 0014; tests compare the two).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Notification

from ..application import LedgerApplication
from ..collection import collection_paused
from .projector import BATCH_SIZE, LedgerProjection

STREAM_CHUNK = 1000  # events of one aggregate read at a time


class StreamRecorder(Protocol):
    def select_stream(self, aggregate_id: UUID, after: int, limit: int,
                      stop: int) -> list[Notification]:
        ...

    def existing(self, ids: Sequence[UUID], stop: int | None = None) -> set[UUID]:
        ...


def can_replay_streams(ledger: LedgerApplication) -> bool:
    """Whether the ledger's recorder reads one aggregate's events with their notification ids
    (the ledger's own recorders do; a stock one falls back to the whole log)."""
    return callable(getattr(ledger.recorder, "select_stream", None))


def last_id_at(ledger: LedgerApplication, until: datetime) -> int:
    """The notification id of the last event recorded at or before `until` (0: none), found by
    halving the log: recording time never goes backwards in notification order (0002), so
    about 20 look-ups find it in a million events."""
    low, high = 0, ledger.recorder.max_notification_id() or 0
    # Every id up to `low` was recorded at or before `until`; every id above `high` after it.
    while low < high:
        middle = (low + high + 1) // 2
        found = ledger.recorder.select_notifications(start=middle, limit=1, stop=high)
        event: Any = ledger.mapper.to_domain_event(found[0]) if found else None
        if event is not None and event.timestamp <= until:
            low = found[0].id
        else:  # nothing from `middle` on (ids can have gaps) was recorded by then
            high = middle - 1
    return low


def _stream(recorder: StreamRecorder, aggregate_id: UUID, stop: int) -> Iterator[Notification]:
    after = 0
    while True:
        chunk = recorder.select_stream(aggregate_id, after, STREAM_CHUNK, stop)
        yield from chunk
        if len(chunk) < STREAM_CHUNK:
            return
        after = chunk[-1].originator_version


def in_log_order(recorder: StreamRecorder, aggregate_ids: Sequence[UUID],
                 stop: int) -> Iterator[Notification]:
    """The events of these aggregates up to notification id `stop`, in notification order (a
    merge of their streams, each read lazily, a chunk at a time). Aggregates created after
    `stop` are left out first, in one query: a fund's thousands of decisions are not each
    asked for nothing when T is early in its history."""
    unique = list(dict.fromkeys(aggregate_ids))
    created = recorder.existing(unique, stop)
    streams = [_stream(recorder, aggregate_id, stop)
               for aggregate_id in unique if aggregate_id in created]
    return heapq.merge(*streams, key=attrgetter("id"))


def replay_streams(ledger: LedgerApplication, projection: LedgerProjection,
                   aggregate_ids: Sequence[UUID], until: datetime,
                   batch_size: int = BATCH_SIZE, stop: int | None = None) -> int:
    """Applies the events of these aggregates recorded at or before `until` to a private
    projection, stopping at the first recorded after it (as the whole log's replay does);
    returns how many were applied. Nothing after `until` is read. `stop`: the last id
    recorded by `until` (`last_id_at`), if the caller has found it."""
    recorder: Any = ledger.recorder
    stop = last_id_at(ledger, until) if stop is None else stop
    events = in_log_order(recorder, aggregate_ids, stop)
    return apply_in_order(ledger, projection, events, until, batch_size)


def apply_in_order(ledger: LedgerApplication, projection: LedgerProjection,
                   events: Iterator[Notification], until: datetime,
                   batch_size: int = BATCH_SIZE) -> int:
    """Applies `events` (in notification order) to a private projection, in batches, stopping
    at the first recorded after `until`; returns how many were applied."""
    store = projection.view
    applied, done = 0, False
    while not done:
        with collection_paused(), store.transaction() as conn:  # the batch lives until written
            projection.begin()
            in_batch = 0
            for notification in events:
                event: Any = ledger.mapper.to_domain_event(notification)
                if event.timestamp > until:
                    done = True
                    break
                projection.apply(conn, event, notification.id)
                applied, in_batch = applied + 1, in_batch + 1
                if in_batch == batch_size:
                    break
            else:
                done = True  # every stream read to its end
            projection.flush(conn)
    if applied:
        store.refresh_statistics()  # as a catch-up into empty read models does (0009)
    return applied
