"""Reading the whole notification log in order, each event decoded and placed in its pool.

Verification, seals and history all walk the log; this is the one walk. An event that cannot be
decoded (its stored bytes were altered) is still yielded, with the error, so it can be reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

BATCH = 1000


@dataclass(frozen=True)
class LoggedEvent:
    notification_id: int
    aggregate_id: UUID
    version: int
    topic: str
    pool_id: str | None
    event: Any | None  # None when it could not be decoded
    error: str | None = None


def scan_log(app: Application[Any], *, up_to: int | None = None, batch: int = BATCH,
             start: int = 1, pools: dict[UUID, str | None] | None = None
             ) -> Iterator[LoggedEvent]:
    """Every stored event, oldest first, with the pool its aggregate belongs to (if known);
    from `start`, the aggregates begun before it placed by `pools`."""
    pools = {} if pools is None else pools
    to_domain_event = app.mapper.to_domain_event
    while True:
        limit = batch if up_to is None else min(batch, up_to - start + 1)
        if limit <= 0:
            return
        notifications = app.recorder.select_notifications(start=start, limit=limit)
        if not notifications:
            return
        for n in notifications:
            try:
                event: Any = to_domain_event(n)
            except Exception as error:  # noqa: BLE001 - tampered bytes fail in many ways
                aggregate_id = UUID(str(n.originator_id))
                yield LoggedEvent(n.id, aggregate_id, n.originator_version, n.topic,
                                  pools.get(aggregate_id), None, f"{type(error).__name__}: {error}")
                continue
            aggregate_id = event.originator_id  # the mapper made it a UUID: not made twice
            if type(aggregate_id) is not UUID:
                aggregate_id = UUID(str(n.originator_id))
            if n.originator_version == 1 or aggregate_id not in pools:
                pools.setdefault(aggregate_id, getattr(event, "pool_id", None))
            yield LoggedEvent(n.id, aggregate_id, n.originator_version, n.topic,
                              pools.get(aggregate_id), event)
        start = notifications[-1].id + 1
