"""Computing what a seal records, carrying on from the pool's previous seal.

Only the log written since the last seal is read, and only events of streams known to belong to
the pool (or that start a stream, to learn its pool) are decoded, so sealing costs what was
recorded since, not the whole history of every pool.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from .chain_state import PoolChainState

BATCH = 1000


def chain_state(app: Application[Any], pool_id: str, since: dict[str, Any] | None = None
                ) -> tuple[int, PoolChainState]:
    """The log position now, and the pool's chain state at it (from the seal `since`, if any)."""
    state = PoolChainState()
    start = 1
    if since is not None:
        state = PoolChainState(events=since["events"], log_digest=since["log_digest"],
                               heads={k: list(v) for k, v in since["heads"].items()})
        start = since["up_to"] + 1
    members = {UUID(aggregate_id) for aggregate_id in state.heads}
    up_to = app.recorder.max_notification_id() or 0
    while start <= up_to:
        notifications = app.recorder.select_notifications(
            start=start, limit=min(BATCH, up_to - start + 1))
        if not notifications:
            break
        for n in notifications:
            aggregate_id = UUID(str(n.originator_id))
            if aggregate_id not in members and n.originator_version != 1:
                continue  # a later event of a stream of another pool
            event: Any = app.mapper.to_domain_event(n)
            if aggregate_id not in members:
                if getattr(event, "pool_id", None) != pool_id:
                    continue
                members.add(aggregate_id)
            state.add(event)
        start = notifications[-1].id + 1
    return up_to, state
