"""Computing what a seal records: one pass over the log up to its current end."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application

from .chain_state import PoolChainState
from .log_scan import scan_log


def chain_state(app: Application[Any], pool_id: str) -> tuple[int, PoolChainState]:
    """The log position now, and the pool's chain state at it.

    Costs one decoding pass over the log (tens of thousands of events a second); seals are made
    at year close and on request, not per command.
    """
    up_to = app.recorder.max_notification_id() or 0
    state = PoolChainState()
    for logged in scan_log(app, up_to=up_to):
        if logged.pool_id == pool_id and logged.event is not None:
            state.add(logged.event)
    return up_to, state
