"""As-at from checkpoints (decision 0030): a pool's read-model rows every N of its events, so an
as-at restores the last checkpoint at or before T and applies at most N events after it.

Invariant checked here on SQLite and PostgreSQL (and over generated histories in
tests/property): for every pool, year and T, the store restored from a checkpoint and brought up
to T holds exactly the rows a replay of the pool's events from the start up to T gives.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from pooledbudget.application import LedgerApplication
from pooledbudget.log_index import first_stream_at
from pooledbudget.projections import LedgerProjection, ReadModelStore, catch_up, live, one_pool
from pooledbudget.projections import from_checkpoint as fc
from pooledbudget.projections import read_models_as_at as as_at_store
from pooledbudget.projections.tables import checkpoint_counts, checkpoints
from projections.test_one_pool_as_at import OTHER, two_pools
from read_model_dump import dump_pool
from unit.helpers import POOL, YEAR

EVERY = 4


@pytest.fixture(autouse=True)
def small_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POOLEDBUDGET_CHECKPOINT_EVERY", str(EVERY))


def replayed_from_start(ledger: LedgerApplication, at: datetime, pool: str,
                        year: str | None) -> ReadModelStore:
    ids = live.pool_aggregate_ids(ledger, pool, year)
    assert ids is not None
    projection = LedgerProjection(ReadModelStore.in_memory(), ledger, checkpoints=0)
    one_pool.replay_streams(ledger, projection, ids, until=at)
    return projection.view


def stored_checkpoints(ledger: LedgerApplication) -> list[tuple[Any, ...]]:
    with live.live_store(ledger).transaction() as conn:
        return [tuple(row) for row in conn.execute(
            select(checkpoints.c.pool_id, checkpoints.c.position, checkpoints.c.events,
                   checkpoints.c.state_digest, checkpoints.c.added_digest).order_by(checkpoints.c.position))]


def pool_event_ids(ledger: LedgerApplication, pool: str) -> list[int]:
    ids = set(live.pool_aggregate_ids(ledger, pool) or [])
    return [n.id for n in ledger.recorder.select_notifications(start=1, limit=100_000)
            if n.originator_id in ids]


def spy_on_restores(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the as-ats restored from a checkpoint: into a private store (an in-memory ledger)
    or into TEMP tables over the live rows (decision 0035)."""
    used: list[int] = []

    def counted(real: Any) -> Any:
        def spy(conn: Any, rows: Any) -> None:
            used.append(1)
            real(conn, rows)
        return spy

    monkeypatch.setattr(fc, "restore", counted(fc.restore))
    monkeypatch.setattr(fc, "restore_state", counted(fc.restore_state))
    return used


def test_a_checkpoint_follows_every_nth_event_of_each_pool(ledger: LedgerApplication) -> None:
    two_pools(ledger)
    found = stored_checkpoints(ledger)
    for pool in (POOL, OTHER):
        ids = pool_event_ids(ledger, pool)
        expected = [(pool, ids[k - 1], k) for k in range(EVERY, len(ids) + 1, EVERY)]
        assert [row[:3] for row in found if row[0] == pool] == expected
    with live.live_store(ledger).transaction() as conn:
        counts = dict(conn.execute(select(checkpoint_counts)).all())
    assert counts == {pool: len(pool_event_ids(ledger, pool)) for pool in (POOL, OTHER)}


def test_a_rebuild_and_a_catch_up_in_small_batches_write_the_same_checkpoints(
        ledger: LedgerApplication) -> None:
    """Checkpoints fall on the pool's N-th events, whatever the batches: a rebuild, or a
    catch-up three events at a time, writes the same rows (what verify compares)."""
    two_pools(ledger)
    before = stored_checkpoints(ledger)
    assert len(before) >= 6
    live.rebuild(ledger)
    assert stored_checkpoints(ledger) == before
    store = ReadModelStore.in_memory()
    catch_up(ledger, LedgerProjection(store, ledger), batch_size=3)
    with store.transaction() as conn:
        small = [tuple(row) for row in conn.execute(
            select(checkpoints.c.pool_id, checkpoints.c.position, checkpoints.c.events,
                   checkpoints.c.state_digest, checkpoints.c.added_digest).order_by(checkpoints.c.position))]
    assert small == before


@pytest.mark.parametrize("year", [None, YEAR])
def test_as_at_from_a_checkpoint_equals_the_replay_from_the_start(
        ledger: LedgerApplication, year: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    times = two_pools(ledger)
    live.live_store(ledger)
    used = spy_on_restores(monkeypatch)
    for at in sorted(set(times))[:-1]:  # the last: the live read models answer
        for pool in (POOL, OTHER):
            expected = dump_pool(replayed_from_start(ledger, at, pool, year), pool)
            assert dump_pool(as_at_store(ledger, at, pool, year), pool) == expected, (pool, at)
    assert len(used) > len(times) // 2  # most came from a checkpoint (not the first few)


def test_an_as_at_applies_at_most_one_interval(ledger: LedgerApplication,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    times = two_pools(ledger)
    live.live_store(ledger)
    applied: list[int] = []
    real = fc.apply_in_order

    def counted(*args: Any, **kwargs: Any) -> int:
        applied.append(real(*args, **kwargs))
        return applied[-1]

    monkeypatch.setattr(fc, "apply_in_order", counted)
    for at in sorted(set(times))[EVERY * 3:-1]:
        as_at_store(ledger, at, POOL)
    assert applied and max(applied) < EVERY and max(applied) > 0


def test_a_checkpoint_is_not_used_when_the_decisions_began_less_than_an_interval_before(
        ledger: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replaying the as-at's decisions from where the first began is then no longer than what
    a checkpoint leaves to apply: the replay answers (same rows), the restore is skipped."""
    times = two_pools(ledger)
    live.live_store(ledger)
    first = first_stream_at(ledger.recorder, POOL, "decision", YEAR)
    assert first is not None
    ids = [n.id for n in ledger.recorder.select_notifications(start=1, limit=10_000)]
    near = [t for i, t in zip(ids, times, strict=True) if first <= i < first + EVERY]
    far = [t for i, t in zip(ids, times, strict=True) if i >= first + EVERY][:-1]
    used = spy_on_restores(monkeypatch)
    for at in near:
        expected = dump_pool(replayed_from_start(ledger, at, POOL, YEAR), POOL)
        assert dump_pool(as_at_store(ledger, at, POOL, YEAR), POOL) == expected
    assert used == []  # near the decisions' start: replayed
    for at in far:
        expected = dump_pool(replayed_from_start(ledger, at, POOL, YEAR), POOL)
        assert dump_pool(as_at_store(ledger, at, POOL, YEAR), POOL) == expected
    assert used  # further on: from a checkpoint


class Killed(Exception):
    """Stands for the process dying while it applies an event."""


@pytest.mark.parametrize("die_at", [4, 5, 9, 13, 30])
def test_a_crash_around_a_checkpoint_resumes_to_the_same_checkpoints(
        ledger: LedgerApplication, die_at: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkpoint commits with its batch's tracking position or not at all: a catch-up
    failing before its `die_at`-th event (batches of 5, a checkpoint every 4 of a pool's
    events), then resumed by the same projection (its counts of the failed batch forgotten)
    and by a fresh one, writes exactly the checkpoints and counts of an unbroken run."""
    two_pools(ledger)
    unbroken = ReadModelStore.in_memory()
    catch_up(ledger, LedgerProjection(unbroken, ledger))
    store = ReadModelStore.in_memory()
    dying = LedgerProjection(store, ledger)
    applied: list[int] = []
    real = LedgerProjection.apply

    def counted(self: LedgerProjection, conn: Any, event: Any, sequence: int) -> None:
        if self is dying and len(applied) + 1 in (die_at, die_at + 9):
            applied.append(-1)  # once each
            raise Killed(sequence)
        real(self, conn, event, sequence)
        applied.append(sequence)

    monkeypatch.setattr(LedgerProjection, "apply", counted)
    with pytest.raises(Killed):
        catch_up(ledger, dying, batch_size=5)
    with pytest.raises(Killed):
        catch_up(ledger, dying, batch_size=5)  # the same projection, failing again later
    catch_up(ledger, dying, batch_size=5)
    assert (store.max_tracking_id(ledger.name) or 0) > 0
    catch_up(ledger, LedgerProjection(store, ledger), batch_size=5)  # nothing left to apply

    def rows(view: ReadModelStore) -> list[Any]:
        with view.transaction() as conn:
            return [[tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key))]
                    for table in (checkpoints, checkpoint_counts)]

    assert rows(store) == rows(unbroken)
    assert len(rows(store)[0]) >= 6


def test_under_a_cipher_key_only_an_as_at_without_text_starts_from_a_checkpoint(
        db_url: str, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a cipher key the live rows, and so the checkpoints, keep no free text (0029): an
    as-at that needs none starts from a checkpoint, into a store that keeps none, and equals
    the replay without text; one that needs text is replayed from the start, with it."""
    from pooledbudget.application import open_ledger
    from pooledbudget.persistence import CIPHER_KEY_VARIABLE, new_key

    monkeypatch.setenv(CIPHER_KEY_VARIABLE, new_key())
    ledger = open_ledger(db_url, clock=clock)
    try:
        times = two_pools(ledger)
        assert not live.live_store(ledger).keeps_text
        assert stored_checkpoints(ledger)
        used = spy_on_restores(monkeypatch)
        for at in sorted(set(times))[EVERY * 3:-1:5]:
            ids = live.pool_aggregate_ids(ledger, POOL)
            assert ids is not None
            for keeps_text in (False, True):
                fresh = LedgerProjection(ReadModelStore.in_memory(keeps_text=keeps_text),
                                         ledger, checkpoints=0)
                one_pool.replay_streams(ledger, fresh, ids, until=at)
                used.clear()
                answer = live.read_models_as_at(ledger, at, POOL, text=keeps_text)
                assert answer.keeps_text is keeps_text
                assert dump_pool(answer, POOL) == dump_pool(fresh.view, POOL), (at, keeps_text)
                assert used == ([] if keeps_text else [1])
    finally:
        ledger.close()
