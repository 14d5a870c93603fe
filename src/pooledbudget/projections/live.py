"""Getting read models that are current, followed, rebuilt, or as the ledger stood at T.

As-at (R22) replays the log up to T into a private in-memory store, so the live read models are
never changed; when T is at or after the last recorded event the live store already says it.
Asked about one pool, it replays only that pool's events (`one_pool`, decision 0014), from its
last checkpoint at or before T when it has one (`from_checkpoint`, decision 0030).

Under a cipher key the live read models keep no free text (decision 0029): whatever shows
names, categories, suppliers, reasons or measures asks for `text=True`, and gets the pool's
events replayed (decrypted) into a private in-memory store, as an as-at report does.
"""

from __future__ import annotations

import threading
import weakref
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from ..aggregates.ids import pool_uuid
from ..log_index import backfill_streams, first_stream_at, has_index, pool_streams, streams_ready
from .store import ReadModelStore

if TYPE_CHECKING:
    from collections.abc import Collection

    from ..application import LedgerApplication
    from .figures_as_at import PoolFigures
    from .projector import LedgerProjection, Progress

# The projector (and the aggregates its event classes come from) is imported when there are
# events to apply: a report on current read models needs only their store.
_LIVE: weakref.WeakKeyDictionary[LedgerApplication, LedgerProjection] = \
    weakref.WeakKeyDictionary()
_VIEWS: weakref.WeakKeyDictionary[LedgerApplication, ReadModelStore] = \
    weakref.WeakKeyDictionary()


def _live_view(ledger: LedgerApplication) -> ReadModelStore:
    """The ledger's live store, opened once (and closed with the ledger)."""
    view = _VIEWS.get(ledger)
    if view is None:
        if ledger.database is None:
            raise ValueError("this ledger was not opened with open_ledger(url): no read-model database")
        view = ReadModelStore.for_database(ledger.database, keeps_text=keeps_text(ledger))
        weakref.finalize(ledger, view.close)
        _VIEWS[ledger] = view
    return view


def _live_projection(ledger: LedgerApplication) -> LedgerProjection:
    from .projector import LedgerProjection

    projection = _LIVE.get(ledger)
    if projection is None:
        # Held weakly: a projection that held its ledger would keep the key of `_LIVE` alive,
        # and every ledger a process ever opened, with its store, would stay in memory.
        projection = LedgerProjection(_live_view(ledger), weakref.proxy(ledger))
        _LIVE[ledger] = projection
    return projection


def keeps_text(ledger: LedgerApplication) -> bool:
    """Whether the ledger's stored read models may hold free text: only if its events are not
    encrypted (what the events hide, the tables beside them must not show)."""
    return getattr(ledger.mapper, "cipher", None) is None


def live_store(ledger: LedgerApplication, *, follow: bool = True) -> ReadModelStore:
    """The live read models, caught up with every recorded event unless `follow` is False or
    the database is read-only (then as they stand: see `opening.read_only_note`)."""
    view = _live_view(ledger)
    if follow and not (ledger.database is not None and ledger.database.read_only) and \
            (view.max_tracking_id(ledger.name) or 0) < (ledger.recorder.max_notification_id() or 0):
        from .projector import catch_up

        catch_up(ledger, _live_projection(ledger))
    return view


def read_models_as_at(ledger: LedgerApplication, as_at: datetime | None,
                      pool: str | None = None, year: str | None = None, *,
                      text: bool = False,
                      reads: Collection[str] | None = None) -> ReadModelStore:
    """Read models of every event recorded at or before `as_at` (None: now). Given a `pool`,
    only that pool's rows are sure to be there, and given a `year` too, only the pool's rows
    and its rows of that year: the others' events may not be replayed. With `text`, their
    free text is there too: under a cipher key the events are replayed for it, as for a
    past `as_at` (give a `pool`: that replays only its events). `reads`: the tables of rows
    only ever added, and of a row per decision (`over_live.PARTIAL`), that the caller will
    read, if it knows; an as-at over the live rows then checks those added only, restores the
    others' rows for the decisions after its checkpoint only, and refuses to show the tables
    it did not check or restore whole (`over_live.AddedReads`)."""
    last = ledger.last_recorded_time()
    if as_at is None or last is None or as_at >= last:
        live = live_store(ledger)
        if not text or live.keeps_text or last is None:
            return live
        as_at = last
    from .one_pool import last_id_at, replay_streams
    from .projector import LedgerProjection, catch_up

    if pool is None or not _streams_usable(ledger):
        projection = LedgerProjection(ReadModelStore.in_memory(), ledger, checkpoints=0)
        catch_up(ledger, projection, until=as_at)
        return projection.view
    stop = last_id_at(ledger, as_at)  # found once: a look-up per halving of the log
    if ledger.database is not None:
        restored = _from_checkpoint(ledger, as_at, stop, pool, year, text, reads)
        if restored is not None:
            return restored
    aggregate_ids = _pool_ids(ledger, pool, year)
    projection = LedgerProjection(ReadModelStore.in_memory(), ledger, checkpoints=0)
    replay_streams(ledger, projection, aggregate_ids, until=as_at, stop=stop)
    return projection.view


def pool_figures_as_at(ledger: LedgerApplication, as_at: datetime | None,
                       pool: str) -> PoolFigures | None:
    """The figures the shares and risk-share reports read of one pool (its row, closed years,
    and contributions, running totals and contingent exposure by year and partner) as they
    stood at `as_at`, from the figures part of its first checkpoint recorded after it, without
    replaying an event (decision 0048). None when it cannot give them: now (the live read
    models say it), no checkpoint after it yet, a partner joined or a year closed since the one
    before, or a part fails its check; then `read_models_as_at` serves."""
    if as_at is None or ledger.database is None:
        return None
    last = ledger.last_recorded_time()
    if last is None or as_at >= last:
        return None
    from .figures_as_at import figures_between

    return figures_between(ledger, _live_view(ledger), pool, as_at)


def _from_checkpoint(ledger: LedgerApplication, as_at: datetime, stop: int, pool: str,
                     year: str | None, text: bool,
                     reads: Collection[str] | None) -> ReadModelStore | None:
    """From the pool's last checkpoint (0030). Checkpoints copy the live rows, which keep no
    free text under a cipher key (0029): then only an as-at that needs none starts from one,
    into a store that keeps none either, so its rows are those a replay without text gives."""
    from .checkpoints import checkpoint_every
    from .from_checkpoint import as_at_from_checkpoint

    live = _live_view(ledger)
    if text and not live.keeps_text:
        return None
    # A checkpoint saves replaying the as-at's decisions from where the first of them began;
    # when that is under N positions of the log before T, their replay is as short as what a
    # checkpoint leaves to apply, without its restore (which costs more, on PostgreSQL, than
    # replaying a small year: 220 against 86 ms, measured).
    first = first_stream_at(ledger.recorder, pool, "decision", year)
    if first is None or stop - first < checkpoint_every():
        return None
    return as_at_from_checkpoint(ledger, live, pool, None, as_at, year,
                                 keeps_text=live.keeps_text, stop=stop, reads=reads)


def can_replay_streams(ledger: LedgerApplication) -> bool:
    """`one_pool.can_replay_streams`, importing it (and the projector) only when asked."""
    from .one_pool import can_replay_streams as replayable

    return replayable(ledger)


def pool_aggregate_ids(ledger: LedgerApplication, pool: str,
                       year: str | None = None) -> list[UUID] | None:
    """The pool's aggregate and every decision ever proposed in it (for `year`, if given: a
    decision belongs to one financial year), from the stream index the appends write beside
    the log (`log_index`, checked against the log by `verify`), never from the read models,
    which anyone can edit; filled from the log once on a ledger written before it. None when
    the recorder has no such index or cannot read one stream (a stock recorder), so the whole
    log is read."""
    return _pool_ids(ledger, pool, year) if _streams_usable(ledger) else None


def _streams_usable(ledger: LedgerApplication) -> bool:
    """Whether one pool's streams can be found from the stream index and read alone (the
    index filled from the log first, once, on a ledger written before it)."""
    recorder = ledger.recorder
    if not can_replay_streams(ledger) or not has_index(recorder):
        return False
    if not streams_ready(recorder):
        try:
            backfill_streams(ledger)
        except PersistenceError:  # cannot write it (a read-only copy): the whole log
            return False
    return True


def _pool_ids(ledger: LedgerApplication, pool: str, year: str | None) -> list[UUID]:
    ids = [aggregate_id for aggregate_id, decision_year
           in pool_streams(ledger.recorder, pool, "decision")
           if year is None or decision_year == year]
    return [pool_uuid(pool), *ids]


def rebuild(ledger: LedgerApplication, progress: Progress | None = None) -> int:
    """Empties every read model and applies the whole history again; returns events applied.
    (Their tables are kept unless one has a trigger: `emptying`.)"""
    from .emptying import empty_read_models
    from .projector import LedgerProjection, catch_up

    projection = _live_projection(ledger)
    empty_read_models(projection.view)
    fresh = LedgerProjection(projection.view, projection.ledger)  # the weak reference
    _LIVE[ledger] = fresh
    return catch_up(ledger, fresh, progress=progress)


def follow(
    ledger: LedgerApplication,
    *,
    interval: float = 1.0,
    stop_when_idle: bool = False,
    stop: threading.Event | None = None,
) -> int:
    """Keeps the live read models caught up until `stop` is set (or, if asked, the log is drained).

    For deployments that run projections apart from command handling: SQLite has no
    subscriptions, so this polls the notification log; the tracking position makes it safe to
    run beside `apply` processes, or to kill and restart at any moment.
    """
    from .projector import catch_up

    stop = stop or threading.Event()
    projection = _live_projection(ledger)
    total = 0
    while not stop.is_set():
        applied = catch_up(ledger, projection)
        total += applied
        if stop_when_idle and applied == 0:
            break
        if applied == 0:
            stop.wait(interval)
    return total
