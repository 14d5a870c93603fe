"""What every part of the service shares: the eventsourcing application beneath it, the clock,
the state of the command or group a thread is deciding, and the database's write lock."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Transcoder

from ..persistence import Database
from ..recorders.stored_json import StoredJSONTranscoder
from .results import Clock, utc_now


@dataclass
class Group:
    """What the commands of one group have loaded, created and decided, saved together."""

    aggregates: dict[UUID, Aggregate] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)  # in command order, for the log
    guards: list[UUID] = field(default_factory=list)
    last_at: datetime | None = None
    absent: set[UUID] = field(default_factory=set)  # looked up in one query before the group
    current: dict[UUID, Any] = field(default_factory=dict)  # cached ones, brought up to date
    # How many pending events each aggregate the current command found already held.
    marks: dict[UUID, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Decided:
    """A command's new events, the aggregates that hold them, and the closures that must not
    exist when they are saved (R17)."""

    aggregates: list[Aggregate]
    events: list[Any]
    guard: list[UUID]
    at: datetime


class LedgerBase(Application[UUID]):
    """The state the service's parts share; `LedgerApplication` (service.py) puts them together."""

    def __init__(self, env: Mapping[str, str] | None = None, clock: Clock = utc_now,
                 database: Database | None = None, lock_timeout: float | None = None) -> None:
        super().__init__(env=env)
        self.clock = clock
        if lock_timeout is not None and hasattr(self.recorder, "lock_timeout"):
            self.recorder.lock_timeout = lock_timeout
        self.database = database  # where read models go beside the events; see open_ledger
        self._local = threading.local()  # the group `execute_many` is deciding, per thread
        # Each pool's raw-text invoice claims, once read (they never change: see `_legacy`).
        self._legacy_claims: dict[str, dict[str, dict[str, str]]] = {}

    def construct_transcoder(self) -> Transcoder:
        """eventsourcing's JSON transcoder, encoding faster to the same bytes
        (recorders/stored_json.py), unless the environment names another."""
        if self.env.get(self.factory.TRANSCODER_TOPIC):
            return super().construct_transcoder()
        transcoder = StoredJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def _group(self) -> Group | None:
        """The group `execute_many` is deciding on this thread, if any."""
        group: Group | None = getattr(self._local, "group", None)
        return group

    def _writing(self) -> AbstractContextManager[None]:
        """The database's write lock, taken before the clock is read and the command decided,
        and held until its save commits: writers wait their turn instead of racing, and
        recording time follows log order (writelock.py). Raises `WriteLockTimeoutError`."""
        write_scope = getattr(self.recorder, "write_scope", None)
        return nullcontext() if write_scope is None else write_scope()
