"""Checking the pool-wide links and the stream index against the log, in one walk with verify.

The links are read in notification order beside the log (a batch at a time), so the check
costs one more sequential read. For each event, in log order:
- a link whose event is no longer in the log: an event was removed (a whole stream, a stream's
  last events, a year close) while its link stayed;
- a pool's links skip a number, or an event's link does not recompute from the pool's previous
  link and the event's hash: events were removed with their links, or rewritten;
- an event written after the links began (`links_from`) has no link: inserted, or its links
  were removed;
- the first event of a pool or decision stream has no stream-index row, or a different one;
  a row names no stream of the log (as-at replays the streams this index lists).
"""

from __future__ import annotations

from collections import deque
from typing import Any, NamedTuple
from uuid import UUID

from ..aggregates import Decision, Pool
from ..aggregates.chain import GENESIS
from ..log_index import (
    LINKS_AFTER,
    LINKS_FROM,
    NO_POOL,
    STREAMS_READY,
    all_streams,
    entry_for,
    has_index,
    settings,
)
from .chain_state import fold_digest
from .log_scan import LoggedEvent

BATCH = 1000
STREAM_STARTS = (Pool.Established, Decision.Proposed)  # the events the stream index lists
Problem = tuple[str, dict[str, Any]]  # what, and where: the event checked unless it says


class _Link(NamedTuple):
    """A link row as stored: the aggregate id as the database gives it (SQLite: hex text),
    compared without making a UUID of each (a tenth of the walk's time, measured)."""

    pool: str
    seq: int
    notification_id: int
    stored_id: Any
    version: int
    link: str

    @property
    def aggregate_id(self) -> UUID:
        return self.stored_id if isinstance(self.stored_id, UUID) else UUID(str(self.stored_id))

    def names(self, aggregate_id: UUID) -> bool:
        if isinstance(self.stored_id, UUID) or self.stored_id != aggregate_id.hex:
            return self.aggregate_id == aggregate_id
        return True


def _links_after(recorder: Any, after: int, limit: int) -> list[_Link]:
    return [_Link(row["pool_id"], int(row["seq"]), int(row["notification_id"]),
                  row["originator_id"], int(row["originator_version"]), row["link"])
            for row in recorder.index_rows(LINKS_AFTER, (after, limit))]


class LinkChecker:
    def __init__(self, app: Any, pool: str | None, expect_head: str | None = None,
                 after: int = 0) -> None:
        """`after`: only the links and stream-index rows of events after this position."""
        self.recorder = app.recorder
        self.pool = pool
        self.expect_head = expect_head
        self.head_found: int | None = None  # the seq at which the expected head was found
        self.enabled = has_index(self.recorder)
        found = settings(self.recorder) if self.enabled else {}
        self.missing_settings = self.enabled and LINKS_FROM not in found
        self.links_from = found.get(LINKS_FROM, 0)
        self.streams_from = 0 if STREAMS_READY in found else self.links_from
        self.streams = all_streams(self.recorder, after) if self.enabled else {}
        self.pending: deque[_Link] = deque()
        self.read_to = after  # links read up to this notification id
        self.exhausted = not self.enabled
        self.last: dict[str, tuple[int, str, int]] = {}  # pool -> seq, link, notification id

    def _mine(self, pool: str) -> bool:
        return self.pool is None or pool == self.pool

    def _next(self) -> _Link | None:
        if not self.pending and not self.exhausted:
            batch = _links_after(self.recorder, self.read_to, BATCH)
            self.pending.extend(batch)
            if len(batch) < BATCH:
                self.exhausted = True
            if batch:
                self.read_to = batch[-1].notification_id
        return self.pending[0] if self.pending else None

    def start(self) -> Problem | None:
        if self.missing_settings:
            return ("the links' settings (links_from) are missing: removed", {})
        return None

    def orphans_before(self, notification_id: int) -> Problem | None:
        """A link of one of these pools whose event is not in the log before `notification_id`."""
        while (link := self._next()) is not None and link.notification_id < notification_id:
            self.pending.popleft()
            if self._mine(link.pool):
                return ("a linked event is no longer in the log: removed",
                        {"notification_id": link.notification_id, "pool": link.pool,
                         "aggregate_id": str(link.aggregate_id), "version": link.version,
                         "seq": link.seq, "elsewhere": True})
        return None

    def check(self, logged: LoggedEvent, event: Any) -> Problem | None:
        if not self.enabled:
            return None
        pool = NO_POOL if logged.pool_id is None else logged.pool_id
        problem = self.orphans_before(logged.notification_id) or self._stream(logged, event, pool)
        if problem is not None:
            return problem
        link = self._next()
        if link is None or link.notification_id != logged.notification_id:
            if logged.notification_id > self.links_from:
                return ("the event has no pool link: inserted, or its links were removed", {})
            return None
        self.pending.popleft()
        if (link.pool, link.version) != (pool, logged.version) or not link.names(
                logged.aggregate_id):
            return ("the pool link at this position names another event",
                    {"link_pool": link.pool, "link_aggregate_id": str(link.aggregate_id),
                     "link_version": link.version})
        seq, previous, _ = self.last.get(pool, (0, GENESIS, 0))
        if link.seq != seq + 1:
            return (f"link {seq + 1} of the pool is missing: events were removed with their "
                    "links", {"expected_seq": seq + 1, "found_seq": link.seq})
        recorded_hash = getattr(event, "hash", None)  # an altered key name drops the field
        if not isinstance(recorded_hash, str):
            return ("the event has no recorded hash: its stored content was altered", {})
        expected = fold_digest(previous, logged.aggregate_id, logged.version, recorded_hash)
        if link.link != expected:
            return ("the pool link does not recompute: the pool's history before it was "
                    "rewritten", {"recorded_link": link.link, "recomputed_link": expected})
        self.last[pool] = (link.seq, link.link, logged.notification_id)
        if self.expect_head is not None and pool == self.pool and link.link == self.expect_head:
            self.head_found = link.seq
        return None

    def _stream(self, logged: LoggedEvent, event: Any, pool: str) -> Problem | None:
        if logged.version != 1 or not isinstance(event, STREAM_STARTS):
            return None
        entry = entry_for(event, logged.pool_id)
        if entry.kind is None:
            return None
        row = self.streams.pop(logged.aggregate_id, None)
        expected = (pool, entry.kind, entry.year, logged.notification_id)
        if row is None and logged.notification_id <= self.streams_from:
            return None
        if row != expected:
            return ("the stream index does not list this stream as the log has it",
                    {"index_row": None if row is None else list(row),
                     "expected_row": list(expected)})
        return None

    def finish(self) -> Problem | None:
        if not self.enabled:
            return None
        if (problem := self.orphans_before(2**62)) is not None:
            return problem
        for aggregate_id, row in self.streams.items():
            if self._mine(row[0]):
                return ("the stream index lists a stream that is not in the log",
                        {"aggregate_id": str(aggregate_id), "index_row": list(row)})
        return None

    def heads(self) -> list[dict[str, Any]]:
        return [{"pool": pool, "head": link, "seq": seq, "notification_id": nid}
                for pool, (seq, link, nid) in sorted(self.last.items())
                if pool != NO_POOL and self._mine(pool)]
