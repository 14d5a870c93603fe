"""One pool as at T from its last checkpoint at or before T, and its events after it.

As at T means every event recorded at or before T (R22; 0002): the log up to the last id `L`
recorded by then (`last_id_at`). A checkpoint is keyed by the log position of the pool event it
follows, so the one used is the pool's last at a position at or before `L` — never chosen by
time, so an event of another pool between the two, or several events recorded at the same
instant as T, change nothing. Its rows are restored — on a SQLite file or PostgreSQL into TEMP
tables beside the live ones, its added rows copied from the live tables (`over_live`, decision
0035); for an in-memory ledger into a private store, from every checkpoint's rows — and the
pool's events after its position, up to `L`, are applied as the replay from the start would
apply them, stopping at the first recorded after T. The answer is the same store that replay
gives (a property test compares them; decision 0030).

A checkpoint is derived data in a table anyone with the database can edit. Before use its rows
are checked against its digest and its position against the log (the event there is one of the
pool's, recorded at the checkpoint's time); one that fails is not used — the pool is replayed
from its start, and a warning is logged. An edit made with the digest recomputed is not caught
here: `verify --read-models` rebuilds every checkpoint and names the first that differs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from ..aggregates import Decision
from ..aggregates.pool import pool_uuid
from ..application import LedgerApplication
from ..log_index import stream_of, streams_of
from ..logs import ledger_logger
from .bulk import DIVERTED
from .checkpoint_restore import restore
from .checkpoints import (
    CheckedState,
    Checkpoint,
    CheckpointUnusableError,
    Tallies,
    latest_at,
    load_rows,
    load_state,
)
from .one_pool import apply_in_order, last_id_at
from .over_live import (
    PARTIAL,
    AddedReads,
    AddedTally,
    can_shadow,
    check_tallies,
    copy_added,
    open_shadowed,
    restore_state,
    views_serve,
)
from .projector import LedgerProjection, fold, wanted_topics
from .store import ReadModelStore

LOG_CHUNK = 1000  # events of the log read at a time after the checkpoint
_log = ledger_logger()


def as_at_from_checkpoint(ledger: LedgerApplication, live: ReadModelStore, pool: str,
                          aggregate_ids: Sequence[UUID] | None, until: datetime,
                          year: str | None = None, *, keeps_text: bool = True,
                          stop: int | None = None,
                          reads: Collection[str] | None = None) -> ReadModelStore | None:
    """The pool's read models as at `until` from its last usable checkpoint, or None when it
    has none by then (or the one found is unusable): the caller replays from the start.
    `stop`: the last id recorded by `until`, if the caller has found it. `aggregate_ids`: the
    pool's streams (of `year`), or None to ask the stream index about those the events after
    the checkpoint belong to. `reads`: the added tables the caller will read, when it knows
    (over the live rows only those, and those the replay reads, are checked; `AddedReads`)."""
    stop = last_id_at(ledger, until) if stop is None else stop
    over_live = can_shadow(live)
    try:
        with live.transaction() as conn:
            found = latest_at(conn, pool, stop)
            if found is None:
                return None
            check_position(ledger, found)
            if over_live:
                state, tallies = load_state(conn, found, year)
            else:
                rows = load_rows(conn, found, year)
    except CheckpointUnusableError as error:
        _log.warning("checkpoint_not_used", pool=pool, reason=str(error))
        return None
    except SQLAlchemyError:  # no checkpoint table (a read-only copy made before them)
        return None
    ours = (_PoolStreams(ledger.recorder, pool, year) if aggregate_ids is None
            else _Listed(aggregate_ids))
    notes = list(_after(ledger, ours, found.position, stop))
    if over_live:
        return _over_live(ledger, live, found, (state, tallies), notes, until, year, stop,
                          reads)
    store = ReadModelStore.in_memory(keeps_text=keeps_text)  # as the checkpoint's rows
    with store.transaction() as conn:
        restore(conn, rows)
    projection = LedgerProjection(store, ledger, checkpoints=0)
    apply_in_order(ledger, projection, iter(notes), until)
    return store


def _over_live(ledger: LedgerApplication, live: ReadModelStore, found: Checkpoint,
               state: tuple[CheckedState, Tallies], notes: list[Notification],
               until: datetime, year: str | None, stop: int,
               reads: Collection[str] | None = None) -> ReadModelStore | None:
    """The as-at over the live added rows (decision 0035): TEMP tables of the pool's state rows
    from the checkpoint, the events after it applied into them; the added rows are TEMP views
    of the live ones up to `stop` when the live read models have applied the log that far,
    else TEMP copies of them up to the checkpoint, the events after it adding to them. Either
    way the live rows are checked against the checkpoint's tallies (and the replay's): viewed,
    given `reads`, those of the tables read only."""
    views = views_serve(live) and (live.max_tracking_id(ledger.name) or 0) >= stop
    try:
        touched, complete = _touched(ledger, notes, found)
        partial = ([t for t in PARTIAL if t.name not in reads]
                   if views and reads is not None and complete else [])
        store = open_shadowed(live, (found.pool_id, year, stop) if views else None)
        watch = AddedReads(frozenset(t.name for t in partial)) \
            if views and reads is not None else None
        if watch is not None:
            event.listen(store.engine, "before_cursor_execute", watch)
        with store.transaction() as conn:
            restore_state(conn, state[0].tables(partial, [d.decision_id for d in touched]))
            if not views:
                copy_added(conn, found, year)
                check_tallies(conn, found, state[1], year)  # the copies: one read of the live rows
            tally: AddedTally | None = conn.info.get(DIVERTED)
        projection = LedgerProjection(store, ledger, checkpoints=0)
        projection.preload(touched)
        applied = apply_in_order(ledger, projection, iter(notes), until)
        if tally is not None:
            if applied < len(notes):  # recorded after `until` though logged before `stop`
                raise CheckpointUnusableError("events logged by the as-at were recorded after it")
            only = None
            if watch is not None and reads is not None:
                only = frozenset({*reads, *watch.named})
                watch.watching = False  # the check's own statements name the live tables
            with store.transaction() as conn:
                check_tallies(conn, found, tally.plus(state[1]), year, stop, only)
            if watch is not None:
                watch.checked, watch.watching = only, True
    except (SQLAlchemyError, CheckpointUnusableError) as error:  # from the start instead
        _log.warning("checkpoint_not_used", pool=found.pool_id, reason=str(error))
        return None
    return store


def _touched(ledger: LedgerApplication, notes: list[Notification],
             found: Checkpoint) -> tuple[list[Decision], bool]:
    """The decisions the events after the checkpoint go on with (not those they propose), as
    they stood at its position: their events up to it read in one query and folded; and
    whether every one of them was (else the projection reads the others one by one)."""
    first: dict[Any, int] = {}
    for note in notes:
        first.setdefault(note.originator_id, note.originator_version)
    pool = pool_uuid(found.pool_id)
    ids = [i for i, version in first.items() if version > 1 and i != pool]
    read = getattr(ledger.recorder, "select_streams_upto", None)
    if not ids:
        return [], True
    if read is None:
        return [], False
    streams: dict[Any, list[Any]] = {}
    for stored in read(ids, found.position):
        streams.setdefault(stored.originator_id, []).append(ledger.mapper.to_domain_event(stored))
    decisions = [fold(None, events) for i, events in streams.items()
                 if events[-1].originator_version == first[i] - 1]
    folded = [d for d in decisions if isinstance(d, Decision)]
    return folded, len(folded) == len(ids)


def check_position(ledger: LedgerApplication, found: Checkpoint) -> None:
    """The event at the checkpoint's position is the pool's and was recorded at its time."""
    notes = ledger.recorder.select_notifications(start=found.position, limit=1,
                                                 stop=found.position)
    if not notes:
        raise CheckpointUnusableError(f"no event at position {found.position}")
    event: Any = ledger.mapper.to_domain_event(notes[0])
    if event.timestamp != found.recorded_at:
        raise CheckpointUnusableError(
            f"the event at {found.position} was recorded at {event.timestamp.isoformat()}, "
            f"not {found.recorded_at.isoformat()}")
    if event.originator_id != pool_uuid(found.pool_id) and \
            stream_of(ledger.recorder, event.originator_id) != (found.pool_id, "decision"):
        raise CheckpointUnusableError(f"the event at {found.position} is not the pool's")


class _Listed:
    """The notes of the aggregates listed."""

    def __init__(self, aggregate_ids: Sequence[UUID]) -> None:
        self._ids = set(aggregate_ids)

    def __call__(self, chunk: Sequence[Notification]) -> list[Notification]:
        return [n for n in chunk if n.originator_id in self._ids]


class _PoolStreams:
    """The notes of the pool's aggregate and of its decisions (of `year`), each aggregate not
    seen before asked of the stream index, a query for a chunk's new ones. The list of every
    decision stream of the pool, which a replay from the start needs, grows with its history
    (6,000 streams, 77 ms on PostgreSQL at one million events); the events after a
    checkpoint are at most one interval's."""

    def __init__(self, recorder: Any, pool: str, year: str | None) -> None:
        self._recorder = recorder
        self._pool = pool
        self._year = year
        self._ours: dict[Any, bool] = {pool_uuid(pool): True}

    def __call__(self, chunk: Sequence[Notification]) -> list[Notification]:
        new: list[Any] = list({n.originator_id for n in chunk} - self._ours.keys())
        for at in range(0, len(new), LOG_CHUNK):
            batch = new[at:at + LOG_CHUNK]
            found = streams_of(self._recorder, batch)
            for aggregate_id in batch:
                pool, kind, year = found.get(aggregate_id, (None, None, None))
                self._ours[aggregate_id] = (pool == self._pool and kind == "decision"
                                            and self._year in (None, year))
        return [n for n in chunk if self._ours[n.originator_id]]


def _after(ledger: LedgerApplication, ours: Callable[[Sequence[Notification]], list[Notification]],
           start: int, stop: int) -> Iterator[Notification]:
    """The pool's events (`ours` chooses them) after position `start` up to `stop`, in log
    order: the log's range read in chunks, only the topics a read model needs."""
    topics = wanted_topics()
    while start < stop:
        chunk = ledger.recorder.select_notifications(start=start, limit=LOG_CHUNK, stop=stop,
                                                     topics=topics, inclusive_of_start=False)
        yield from ours(chunk)
        if len(chunk) < LOG_CHUNK:
            return
        start = chunk[-1].id
