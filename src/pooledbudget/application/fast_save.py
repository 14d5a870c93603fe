"""Speed: eventsourcing's `save`, collecting the ledger's aggregates and events by their classes,
each event sent to the recorder with its pool for the pool's links (log_index.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording

from ..log_index import LOG_INDEX, entry_for
from .base import LedgerBase


class FastSave(LedgerBase):
    def save(self, *objs: Any, pools: Mapping[UUID, str | None] | None = None,
             **kwargs: Any) -> list[Recording[UUID]]:
        """eventsourcing's `save` (collect, record, snapshot, notify), collecting the ledger's
        aggregates and events by their classes instead of by eventsourcing's runtime Protocol
        checks: those cost 16 us an aggregate and 10 an event, a tenth of a spend command's own
        work. Anything else is collected as eventsourcing collects it. Each event goes to the
        recorder with its pool and hash, for the pool's links (`log_index`); `pools` names the
        pool of the aggregates of events saved without their aggregate."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        pool_of: dict[UUID, str | None] = dict(pools or {})
        for obj in objs:
            if isinstance(obj, Aggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
                pool_of[obj.id] = getattr(obj, "pool_id", None)
            elif isinstance(obj, Aggregate.Event):
                processing_event.events.append(obj)
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        processing_event.saved_kwargs[LOG_INDEX] = [
            entry_for(event, _pool_of(event, pool_of)) for event in processing_event.events]
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # deprecated in eventsourcing, still called
        return recordings


def _pool_of(event: Any, pools: Mapping[UUID, str | None]) -> str | None:
    aggregate_id = event.originator_id
    if aggregate_id in pools:
        return pools[aggregate_id]
    if event.originator_version == 1:
        return getattr(event, "pool_id", None)
    raise ValueError(f"event {aggregate_id} v{event.originator_version} saved without its "
                     "aggregate or its pool: its pool's link cannot be written")
