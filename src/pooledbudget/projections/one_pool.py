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
from itertools import islice
from operator import attrgetter
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Notification

from ..application import LedgerApplication
from ..collection import collection_paused
from .projector import BATCH_SIZE, LedgerProjection

STREAM_CHUNK = 1000  # events of one aggregate read at a time


class StreamRecorder(Protocol):
    def select_stream(self, aggregate_id: UUID, after: int, limit: int) -> list[Notification]:
        ...


def can_replay_streams(ledger: LedgerApplication) -> bool:
    """Whether the ledger's recorder reads one aggregate's events with their notification ids
    (the ledger's own recorders do; a stock one falls back to the whole log)."""
    return callable(getattr(ledger.recorder, "select_stream", None))


def _stream(recorder: StreamRecorder, aggregate_id: UUID) -> Iterator[Notification]:
    after = 0
    while True:
        chunk = recorder.select_stream(aggregate_id, after, STREAM_CHUNK)
        yield from chunk
        if len(chunk) < STREAM_CHUNK:
            return
        after = chunk[-1].originator_version


def in_log_order(recorder: StreamRecorder, aggregate_ids: Sequence[UUID]) -> Iterator[Notification]:
    """The events of these aggregates in notification order (a merge of their streams, each
    read lazily: one chunk per aggregate at a time)."""
    streams = [_stream(recorder, aggregate_id) for aggregate_id in dict.fromkeys(aggregate_ids)]
    return heapq.merge(*streams, key=attrgetter("id"))


def replay_streams(ledger: LedgerApplication, projection: LedgerProjection,
                   aggregate_ids: Sequence[UUID], until: datetime,
                   batch_size: int = BATCH_SIZE) -> int:
    """Applies the events of these aggregates recorded at or before `until` to a private
    projection, stopping at the first recorded after it (as the whole log's replay does);
    returns how many were applied."""
    recorder: Any = ledger.recorder
    events = in_log_order(recorder, aggregate_ids)
    store = projection.view
    applied, reached_until = 0, False
    while not reached_until:
        batch = list(islice(events, batch_size))
        if not batch:
            break
        with collection_paused(), store.transaction() as conn:  # the batch lives until written
            projection.begin()
            for notification in batch:
                event: Any = ledger.mapper.to_domain_event(notification)
                if event.timestamp > until:
                    reached_until = True
                    break
                projection.apply(conn, event, notification.id)
                applied += 1
            projection.flush(conn)
    if applied:
        store.refresh_statistics()  # as a catch-up into empty read models does (0009)
    return applied
