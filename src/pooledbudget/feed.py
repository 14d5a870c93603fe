"""The change feed: every stored event after a position, for systems that follow the ledger.

A consumer stores the `position` of the last change it handled and asks again with
`after=position`: it gets every later event once, oldest first. Positions are the event store's
notification ids: they strictly increase and never repeat; they may skip numbers (an id taken
by a save that was rolled back is never used). Invoice claims, command receipts and year
closures are in the feed too, so it is the whole log, not only the events reports use.

What makes "every later event once" hold under concurrent writers: a reader never sees an event
while an earlier position is still to commit. On PostgreSQL every append takes the events
table's lock before it is given ids and holds it until it commits, so ids commit in order
(eventsourcing's `_lock_table`; the ledger refuses `POSTGRES_ENABLE_DB_FUNCTIONS`, which would
not); on SQLite one writer at a time is given the next rowids. See docs/developers/integration.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from .aggregates import CommandReceipt, Decision, InvoiceRef, Pool
from .aggregates.closure import YearClosure
from .aggregates.registry import EvidenceRef
from .errors import LedgerError

BATCH = 500
ORIGINS_KEPT = 20000  # streams whose pool and subject are remembered between pages
# Recorded on every event, so not among its fields (as in the audit history's `facts`).
BOOKKEEPING = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp",
                         "prev_hash", "hash", "actor", "reason"})


class FeedError(LedgerError):
    """A position that is not a whole number ≥ 0, or a stored event that cannot be read."""

    code = "invalid_feed_request"


class UnreadableEventError(FeedError):
    """A stored event's bytes cannot be decoded (altered, or a key that does not match)."""

    code = "unreadable_event"


@dataclass(frozen=True)
class Change:
    """One stored event as the feed gives it.

    `position`: its notification id (strictly increasing; store it to resume); `recorded_at`:
    when it was recorded (UTC); `pool`: the pool its stream belongs to (None only for a command
    receipt of a command that names no pool); `stream`: the id of its aggregate's stream, with
    `subject` (`pool`, `decision`, `invoice`, `command`, `closure` or `evidence`) and
    `subject_id` (the pool, decision, invoice reference, command id, year or evidence reference
    it is about); `version`: its place in that stream (1 = created); `event`: the stable event
    name (docs/reference/events.md); `actor`: {id, partner, role} of who recorded it; `reason`:
    for corrections, variations and declines; `fields`: everything else the event records, as
    the audit history shows it; `hash`: its link in the stream's hash chain.
    """

    position: int
    recorded_at: datetime
    pool: str | None
    stream: str
    subject: str
    subject_id: str
    version: int
    event: str
    actor: dict[str, str] | None
    reason: str | None
    fields: dict[str, Any]
    hash: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: `recorded_at` as ISO-8601 text; the rest as recorded."""
        return {"position": self.position, "recorded_at": self.recorded_at.isoformat(),
                "pool": self.pool, "stream": self.stream, "subject": self.subject,
                "subject_id": self.subject_id, "version": self.version, "event": self.event,
                "actor": self.actor, "reason": self.reason, "fields": self.fields,
                "hash": self.hash}


@dataclass(frozen=True)
class _Origin:
    pool: str | None
    subject: str
    subject_id: str


# Each kind of stream: the subject it is about, and the field of its first event naming it.
_SUBJECTS: list[tuple[type[Any], str, str]] = [
    (Pool.Event, "pool", "pool_id"), (Decision.Event, "decision", "decision_id"),
    (InvoiceRef.Event, "invoice", "invoice_ref"), (CommandReceipt.Event, "command", "command_id"),
    (YearClosure.Event, "closure", "year"), (EvidenceRef.Event, "evidence", "evidence_ref")]


_KINDS: dict[type[Any], tuple[str, str | None]] = {}  # event class -> (subject, naming field)


def _origin_of(created: Any) -> _Origin:
    """A stream's pool and subject, from its first event."""
    kind = _KINDS.get(type(created))
    if kind is None:
        kind = next(((subject, name) for event_class, subject, name in _SUBJECTS
                     if isinstance(created, event_class)),
                    (type(created).__qualname__.split(".")[0].lower(), None))
        _KINDS[type(created)] = kind
    subject, name = kind
    return _Origin(getattr(created, "pool_id", None), subject,
                   "" if name is None else str(getattr(created, name)))


class StreamOrigins:
    """Each stream's origin, read from its first event once (a page may start mid-stream)."""

    def __init__(self, app: Application[Any]) -> None:
        self.app = app
        self.known: dict[UUID, _Origin] = {}

    def of(self, aggregate_id: UUID, version: int, event: Any) -> _Origin:
        origin = self.known.get(aggregate_id)
        if origin is None:
            created = event if version == 1 else self._first(aggregate_id)
            if len(self.known) >= ORIGINS_KEPT:
                self.known.clear()
            origin = self.known[aggregate_id] = _origin_of(created)
        return origin

    def _first(self, aggregate_id: UUID) -> Any:
        stored = self.app.recorder.select_events(aggregate_id, lte=1, limit=1)
        return self.app.mapper.to_domain_event(stored[0])


def changes(app: Application[Any], after: int = 0, limit: int | None = None,
            pool: str | None = None, *, batch: int = BATCH) -> Iterator[Change]:
    """Every stored event with a position above `after` (of one pool, if given), oldest first,
    at most `limit` of them. Lazy: it reads the log a page of `batch` events at a time."""
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise FeedError(f"after must be a whole number of 0 or more, not {after!r}",
                        field="after")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or limit < 1):
        raise FeedError(f"limit must be a whole number of 1 or more, not {limit!r}",
                        field="limit")
    origins = StreamOrigins(app)
    given = 0
    start = after
    while True:
        page = batch if limit is None or pool is not None else min(batch, limit - given)
        notifications = app.recorder.select_notifications(start=start, limit=page,
                                                          inclusive_of_start=False)
        if not notifications:
            return
        for n in notifications:
            change = change_from(app, origins, n)
            if pool is not None and change.pool != pool:
                continue
            yield change
            given += 1
            if limit is not None and given >= limit:
                return
        start = notifications[-1].id


def change_from(app: Application[Any], origins: StreamOrigins, n: Any) -> Change:
    aggregate_id = UUID(str(n.originator_id))
    try:
        event: Any = app.mapper.to_domain_event(n)
    except Exception as error:  # noqa: BLE001 - altered bytes fail in many ways
        raise UnreadableEventError(f"the event at position {n.id} cannot be read "
                                   f"({type(error).__name__}); run `pooledbudget verify`",
                                   field="position") from error
    origin = origins.of(aggregate_id, n.originator_version, event)
    actor = getattr(event, "actor", None)
    return Change(
        position=n.id, recorded_at=event.timestamp, pool=origin.pool, stream=str(aggregate_id),
        subject=origin.subject, subject_id=origin.subject_id, version=n.originator_version,
        event=n.topic.rpartition(":")[2], actor=None if actor is None else dict(actor),
        reason=getattr(event, "reason", None),
        fields={k: v for k, v in event.__dict__.items() if k not in BOOKKEEPING},
        hash=event.hash)
