"""The chain state of a pool at a point in the log: what a seal records and verify recomputes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from .. import aggregates  # its classes when the first event is added: log_index needs only fold_digest
from ..aggregates.chain import GENESIS


def fold_digest(digest: str, aggregate_id: UUID, version: int, event_hash: str) -> str:
    """The log digest after one more event of the pool (in notification order)."""
    return hashlib.sha256(f"{digest}:{aggregate_id}:{version}:{event_hash}".encode()).hexdigest()


@dataclass
class PoolChainState:
    """Heads of the pool's own and decision streams, and a digest of all its events in log
    order (which also covers the one-event invoice and command registries)."""

    events: int = 0
    log_digest: str = GENESIS
    heads: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, event: Any) -> None:
        self.events += 1
        self.log_digest = fold_digest(self.log_digest, event.originator_id,
                                      event.originator_version, event.hash)
        if isinstance(event, (aggregates.Pool.Event, aggregates.Decision.Event)):
            self.heads[str(event.originator_id)] = [event.originator_version, event.hash]
