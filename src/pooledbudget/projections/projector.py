"""Feeds the ledger's notification log into the read models, exactly once, in batches.

Pulling from the log works on every backend (SQLite has no subscriptions). Each batch of events
and the new tracking position commit in one transaction; a crash part-way loses the whole batch,
which is then applied again from the last committed position.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from sqlalchemy import Connection, select

from ..aggregates import Decision, Pool
from ..application import LedgerApplication
from ..collection import collection_paused
from .added_tee import AddedTee
from .checkpoints import PoolCounts, checkpoint_every, write_checkpoint
from .contributions import ContributionWriter, apply_pool_event
from .decisions import DecisionState, write_decision_states
from .history import HistoryWriter, Position
from .log_reader import LogReader
from .outcomes import OutcomeWriter, write_outcome_states
from .partner_moves import NOTHING, Held, moves_text, standing
from .partner_totals import Totals, add_partner_totals
from .sign_offs import SignOffWriter
from .spend import SpendWriter
from .store import ReadModelStore
from .tables import closed_years, pools

BATCH_SIZE = 10000
Progress = Callable[[int], None]
Terms = tuple[list[str], bool]  # the pool's partner order, and whether the year is closed


def decision_cache_size() -> int:
    """How many decisions a projection keeps between their events at least
    (`$POOLEDBUDGET_PROJECTION_CACHE`, default 500); it also keeps every decision of the batch
    under way and of the last one, which a batch holds in memory anyway. Memory grows with it
    (about 50 KiB per decision of a year's weekly spend); a decision evicted while it still
    receives events is reloaded from the store (benchmarks/README.md)."""
    raw = os.environ.get("POOLEDBUDGET_PROJECTION_CACHE", "500")
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size < 1:
        raise ValueError(f"POOLEDBUDGET_PROJECTION_CACHE={raw!r}: give a whole number of "
                         "decisions, 1 or more")
    return size


class LedgerProjection(Projection[ReadModelStore]):
    """Applies pool and decision events to every read model (one position for them all)."""

    name = "pooledbudget_read_models"
    topics = ()

    def __init__(self, view: ReadModelStore, ledger: LedgerApplication,
                 cache_size: int | None = None, checkpoints: int | None = None) -> None:
        """`checkpoints`: a checkpoint of a pool's rows every that many of its events (None:
        `checkpoint_every()`; 0: none, as a private as-at replay writes none)."""
        super().__init__(view)
        self._every = checkpoint_every() if checkpoints is None else checkpoints
        self._counts = PoolCounts()
        self._tee = AddedTee() if self._every else None  # checkpoints' added rows (0040)
        self.ledger = ledger
        # Decisions by their id's int, and each one's version, position and what it held of
        # each partner's money after its last event, with the terms it was held on (`_terms`).
        self._decisions: OrderedDict[int, Decision] = OrderedDict()
        self._positions: dict[int, tuple[int, Position, Held, Terms]] = {}
        self._terms: dict[tuple[str, str], Terms] = {}  # by pool and year, in the batch
        self._cache_size = cache_size or decision_cache_size()
        self._keep = self._cache_size
        self._pool_ids: dict[UUID, str] = {}
        self._orders: dict[str, list[str]] = {}
        # Decisions touched in the batch under way, written once when it ends (`flush`), and
        # the notification id at which a proposal or variation started waiting for approvals.
        self._text = view.keeps_text  # False under a cipher key: codes, amounts, dates only
        self._totals: Totals = {}  # each partner's spend and commitment moved in the batch
        self._spends = SpendWriter(self._text, self._totals)
        self._history = HistoryWriter(self._text)
        self._outcomes = OutcomeWriter(self._text)
        self._sign_offs = SignOffWriter()
        self._contributions = ContributionWriter()
        self._dirty: dict[int, Decision] = {}
        self._new: set[int] = set()
        self._pending_since: dict[int, int] = {}

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """One event in its own transaction (the batch loop below is the usual path)."""
        with self.view.transaction() as conn:
            start = self.view.position(conn, tracking.application_name)
            self.begin(conn, start or 0)
            self.apply(conn, domain_event, tracking.notification_id)
            self.flush(conn)
            self.view.advance(conn, tracking.application_name, start, tracking.notification_id)
        self.committed(tracking.notification_id)

    def apply(self, conn: Connection, event: Any, sequence: int) -> None:
        if isinstance(event, Decision.Event):  # most events: spend
            key = event.originator_id.int  # an int's hash is C's; a UUID's is Python's
            decision, before, after, was, now = self._advance(conn, event, key)
            self._spends.apply(conn, event, decision, sequence)
            self._history.apply_decision(event, decision, before, sequence, after,
                                         moves_text(event, decision, was, now))
            self._outcomes.apply(event, decision, sequence)
            self._sign_offs.apply(event, decision, sequence)
            self._dirty[key] = decision
            if isinstance(event, (Decision.Proposed, Decision.VariationProposed)):
                self._pending_since[key] = sequence
                if isinstance(event, Decision.Proposed):
                    self._new.add(key)
            pool_id = decision.pool_id
        elif isinstance(event, Pool.Event):
            pool_id = self._pool_id(conn, event)
            apply_pool_event(conn, event, pool_id, self._text, self._contributions)
            self._history.apply_pool(conn, event, pool_id, sequence)
            if isinstance(event, (Pool.Established, Pool.PartnerJoined)):
                self._orders.pop(pool_id, None)
            if isinstance(event, (Pool.Established, Pool.PartnerJoined, Pool.YearClosed)):
                self._terms.clear()  # a partner's order or a year's closing has changed
        else:
            return
        if not self._every:
            return
        events = self._counts.add(conn, pool_id)
        if events % self._every == 0:
            # The pool's N-th event: the rows up to it are written (as at a batch's end) and
            # copied, in this transaction, at a position a rebuild reaches alike (0030).
            self.flush(conn)
            write_checkpoint(conn, pool_id, sequence, event.timestamp, events)

    def preload(self, decisions: Iterable[Decision]) -> None:
        """Decisions as they stand before the events about to be applied (an as-at's, after a
        checkpoint), so that none is rebuilt from the store alone."""
        for decision in decisions:
            self._decisions[decision.id.int] = decision

    def begin(self, conn: Connection | None = None, start: int | None = None) -> None:
        """Starts a batch (on `conn`, after tracking position `start`, where known: the rows
        the batch writes are then kept for its checkpoints, `added_tee`). A cached decision
        that a rolled-back batch moved on is found to be ahead of the next event's version and
        reloaded (`_advance`)."""
        self._counts.discard()  # a rolled-back batch's counts are read again
        self._reset()
        if self._tee is not None and conn is not None:
            self._tee.begin(conn, start)

    def committed(self, end: int) -> None:
        """The batch begun last committed, up to position `end` (a batch that raised is not
        said to have: the next `begin` forgets what the tee kept of it)."""
        if self._tee is not None:
            self._tee.committed(end)

    def _reset(self) -> None:
        self._totals.clear()
        self._terms.clear()
        self._spends.discard()
        self._history.discard()
        self._outcomes.discard()
        self._sign_offs.discard()
        self._contributions.discard()
        self._dirty.clear()
        self._new.clear()
        self._pending_since.clear()

    def flush(self, conn: Connection) -> None:
        """Writes the batch's spend rows, and each decision it touched once, in its state at
        the batch's end."""
        self._spends.flush(conn)
        self._history.flush(conn)
        self._outcomes.flush(conn)
        self._sign_offs.flush(conn)
        self._contributions.flush(conn)
        self._counts.flush(conn)
        states = []
        for key, decision in self._dirty.items():
            order, closed = self._terms_of(conn, decision.pool_id, decision.year)
            states.append(DecisionState(decision, key in self._new, self._pending_since.get(key),
                                        order, closed))
        write_decision_states(conn, states, self._text, self._totals)
        add_partner_totals(conn, self._totals)
        write_outcome_states(conn, states, self._text)
        self._keep = max(self._cache_size, len(self._dirty))
        self._reset()

    @staticmethod
    def wants(topic: str) -> bool:
        """Whether events of this topic change a read model (pool and decision events do;
        invoice claims, receipts and closure markers don't, so they are not even read)."""
        return topic in wanted_topics()

    def _advance(self, conn: Connection, event: Any,
                 key: int) -> tuple[Decision, Position, Position, Held, Held]:
        """The decision's state after `event` (from the cache or the event store), its
        position (net spend, commitment) before and after it, and what it held of each
        partner's money before and after it (`partner_moves`). What it stood at after one event
        is kept for the next (a pure function of the decision at that version, and of the
        terms for what it held: half the sums)."""
        decision = self._decisions.get(key)
        if isinstance(event, Decision.Proposed):
            decision, before, was = event.mutate(None), (0, 0), NOTHING
            terms = self._terms_of(conn, decision.pool_id, decision.year)
        else:
            if decision is None or decision.version != event.originator_version - 1:
                decision = self.ledger.repository.get(
                    event.originator_id, version=event.originator_version - 1,
                    projector_func=fold)
            terms = self._terms_of(conn, decision.pool_id, decision.year)
            kept = self._positions.get(key)
            if kept is not None and kept[0] == decision.version:
                before = kept[1]
                was = kept[2] if kept[3] is terms else standing(decision, *terms)[1]
            else:
                before, was = standing(decision, *terms)
            event.mutate(decision)  # a decision's pool and year never change
        assert isinstance(decision, Decision)
        after, now = standing(decision, *terms)
        self._positions[key] = (decision.version, after, now, terms)
        self._decisions[key] = decision
        self._decisions.move_to_end(key)
        # A batch holds every decision it touches until it is written anyway, so the cache
        # keeps at least those of this batch and the last (the least recently used are never
        # among them): decisions receiving spend in turn, more of them than the cache size,
        # are not reloaded from the store event after event.
        while len(self._decisions) > max(self._keep, len(self._dirty) + 1):  # + this one
            self._positions.pop(self._decisions.popitem(last=False)[0], None)
        return decision, before, after, was, now

    def _terms_of(self, conn: Connection, pool_id: str, year: str) -> Terms:
        """The pool's partner order and whether the year is closed, as they stand: what a
        decision's commitment is worked out on (one look-up per pool and year a batch, and
        again after a partner joins or a year closes)."""
        found = self._terms.get((pool_id, year))
        if found is None:
            closed = conn.execute(select(closed_years.c.year).where(
                closed_years.c.pool_id == pool_id, closed_years.c.year == year)
            ).first() is not None
            found = self._terms[(pool_id, year)] = (self._order(conn, pool_id), closed)
        return found

    def _pool_id(self, conn: Connection, event: Any) -> str:
        if isinstance(event, Pool.Established):
            self._pool_ids[event.originator_id] = event.pool_id
        if event.originator_id not in self._pool_ids:
            self._pool_ids[event.originator_id] = conn.execute(
                select(pools.c.pool_id).where(pools.c.aggregate_id == str(event.originator_id))
            ).scalar_one()
        return self._pool_ids[event.originator_id]

    def _order(self, conn: Connection, pool_id: str) -> list[str]:
        if pool_id not in self._orders:
            partners = conn.execute(select(pools.c.partners).where(pools.c.pool_id == pool_id)
                                    ).scalar_one()
            self._orders[pool_id] = [p["code"] for p in partners]
        return self._orders[pool_id]


def catch_up(
    ledger: LedgerApplication,
    projection: LedgerProjection,
    *,
    until: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> int:
    """Applies every event not yet applied (recorded at or before `until`); returns how many.
    After a bulk load — into empty read models (a first build, a rebuild) or of a batch's worth
    of events or more — the store's planner statistics are refreshed, so that the reports that
    follow are planned for the tables as they now are (decision 0009)."""
    applied, began_empty = _catch_up(ledger, projection, until, batch_size, progress)
    if applied and (began_empty or applied >= BATCH_SIZE):
        projection.view.refresh_statistics()
    return applied


def _catch_up(ledger: LedgerApplication, projection: LedgerProjection, until: datetime | None,
              batch_size: int, progress: Progress | None) -> tuple[int, bool]:
    """Events applied, and whether the read models were empty when it began."""
    store = projection.view
    topics = wanted_topics()
    reader = LogReader(ledger)
    applied = 0
    began_empty: bool | None = None
    while True:
        start = store.max_tracking_id(ledger.name) or 0
        if began_empty is None:
            began_empty = start == 0
        # Only events that change a read model are read (about a third of a spend-heavy log:
        # invoice claims and receipts are not); up to `end`, so that a short read proves
        # everything in between was of no interest and the position may pass it.
        end = ledger.recorder.max_notification_id() or 0
        if end <= start:
            return applied, began_empty
        rows = reader.rows(start, batch_size, end, topics)
        scanned_to = end if len(rows) < batch_size else rows[-1][0]
        reached_until = False
        with collection_paused(), store.transaction() as conn:  # the batch lives until written
            if (store.position(conn, ledger.name) or 0) != start:
                continue  # another process moved on; read again from its position
            last = scanned_to
            projection.begin(conn, start)
            for row in rows:  # only wanted topics were read
                event: Any = reader.event(row)
                if until is not None and event.timestamp > until:
                    reached_until = True
                    last = row[0] - 1
                    break
                projection.apply(conn, event, row[0])
            if last > start:
                projection.flush(conn)
                store.advance(conn, ledger.name, start or None, last)
                applied += last - start
        projection.committed(max(last, start))  # the position now stored
        if progress is not None:
            progress(applied)
        if reached_until or scanned_to == end:  # a short read: everything up to `end` is in
            return applied, began_empty


def fold(aggregate: Any, events: Iterable[Any]) -> Any:
    """eventsourcing's `project_aggregate` without its check of each event against a runtime
    Protocol (an `isinstance` of about 0.1 ms: a fifth of rebuilding a decision from its
    stream, which an as-at does for every decision its events after a checkpoint touch).
    The events come from the ledger's own store, decoded by its mapper."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


@cache
def wanted_topics() -> tuple[str, ...]:
    """The topics of every pool and decision event, found in their class trees, so a new event
    class needs no list kept (topics are explicit and never change: docs/developers/upcasting.md)."""
    found = set()
    pending: list[type] = [Pool.Event, Decision.Event]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        topic = cls.__dict__.get("TOPIC")
        if topic:
            found.add(topic)
    return tuple(sorted(found))
