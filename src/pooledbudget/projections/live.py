"""Getting read models that are current, followed, rebuilt, or as the ledger stood at T.

As-at (R22) replays the log up to T into a private in-memory store, so the live read models are
never touched; when T is at or after the last recorded event the live store already says it.
"""

from __future__ import annotations

import threading
from datetime import datetime
from weakref import WeakKeyDictionary

from ..application import LedgerApplication
from .projector import LedgerProjection, Progress, catch_up
from .store import ReadModelStore

_LIVE: WeakKeyDictionary[LedgerApplication, LedgerProjection] = WeakKeyDictionary()


def _live_projection(ledger: LedgerApplication) -> LedgerProjection:
    projection = _LIVE.get(ledger)
    if projection is None:
        if ledger.database is None:
            raise ValueError("this ledger was not opened with open_ledger(url): no read-model database")
        store = ReadModelStore.for_database(ledger.database)
        projection = LedgerProjection(store, ledger)
        _LIVE[ledger] = projection
    return projection


def live_store(ledger: LedgerApplication, *, follow: bool = True) -> ReadModelStore:
    """The live read models, caught up with every recorded event unless `follow` is False."""
    projection = _live_projection(ledger)
    if follow:
        catch_up(ledger, projection)
    return projection.view


def read_models_as_at(ledger: LedgerApplication, as_at: datetime | None) -> ReadModelStore:
    """Read models of every event recorded at or before `as_at` (None: now)."""
    last = ledger.last_recorded_time()
    if as_at is None or last is None or as_at >= last:
        return live_store(ledger)
    projection = LedgerProjection(ReadModelStore.in_memory(), ledger)
    catch_up(ledger, projection, until=as_at)
    return projection.view


def rebuild(ledger: LedgerApplication, progress: Progress | None = None) -> int:
    """Drops every read model and applies the whole history again; returns events applied."""
    projection = _live_projection(ledger)
    projection.view.drop_read_models()
    fresh = LedgerProjection(projection.view, ledger)
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
