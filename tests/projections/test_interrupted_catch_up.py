"""Projection processing killed part-way resumes to exactly the read models of an unbroken run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection

from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.batch import apply_lines
from pooledbudget.projections import LedgerProjection, ReadModelStore, catch_up
from pooledbudget.projections.projector import decision_cache_size
from read_model_dump import dump


class Killed(Exception):
    """Stands for the process dying while it applies an event."""


class RecordingProjection(LedgerProjection):
    """Notes the notification id of every event it applies; dies before the `die_at`-th one."""

    def __init__(self, view: ReadModelStore, ledger: LedgerApplication, die_at: int | None = None):
        super().__init__(view, ledger)
        self.applied: list[int] = []
        self.die_at = die_at

    def apply(self, conn: Connection, event: Any, sequence: int) -> None:
        if self.die_at is not None and len(self.applied) + 1 == self.die_at:
            raise Killed(f"killed before event {sequence}")
        super().apply(conn, event, sequence)
        self.applied.append(sequence)


@pytest.fixture
def ledger(db_url: str, scenario_dir: Path) -> Any:
    """The worked scenario in a fresh database, its read models not yet built."""
    app = open_ledger(db_url)
    lines = (scenario_dir / "family_recovery_pool.jsonl").read_text().splitlines()
    list(apply_lines(app, lines, use_command_time=True, allow_future_times=True))
    yield app
    app.close()


@pytest.mark.parametrize("die_at", [1, 2, 10, 11, 12, 40, 79])
def test_resuming_after_a_crash_applies_every_event_once(ledger: LedgerApplication, die_at: int) -> None:
    """Each batch of events and its tracking position commit together (batch size 20 here), so
    a crash loses only the batch under way; resuming from the committed position applies each
    event exactly once overall and ends with read models identical to an uninterrupted run."""
    # Every event a read model depends on (invoice claims and receipts are not applied).
    everything = [n.id for n in ledger.recorder.select_notifications(start=1, limit=100_000)
                  if LedgerProjection.wants(n.topic)]
    assert len(everything) >= die_at
    store = ReadModelStore.for_database(ledger.database)  # type: ignore[arg-type]
    dying = RecordingProjection(store, ledger, die_at=die_at)
    with pytest.raises(Killed):
        catch_up(ledger, dying, batch_size=20)
    committed = store.max_tracking_id(ledger.name) or 0
    # Only whole batches (of 20 events that change a read model) survived, each ending at its
    # 20th event: not the batch the dying event is in.
    whole_batches = (die_at - 1) // 20
    assert committed == (everything[20 * whole_batches - 1] if whole_batches else 0)
    survived = [n for n in dying.applied if n <= committed]

    resumed = RecordingProjection(ReadModelStore.for_database(ledger.database), ledger)  # type: ignore[arg-type]
    catch_up(ledger, resumed, batch_size=20)
    assert resumed.applied == [n for n in everything if n > committed]
    assert sorted(survived + resumed.applied) == everything  # none lost, none twice

    unbroken = LedgerProjection(ReadModelStore.in_memory(), ledger)
    catch_up(ledger, unbroken)
    assert dump(store) == dump(unbroken.view)


@pytest.mark.parametrize("die_at", [2, 17, 28, 40, 79])
def test_the_same_projection_resumes_after_a_failed_batch_as_if_unbroken(
    ledger: LedgerApplication, die_at: int
) -> None:
    """A long-lived projection (the live one `live_store` keeps) whose batch failed and rolled
    back is asked to catch up again: what it remembered from the failed batch (decision states)
    must not leak into the retry."""
    store = ReadModelStore.for_database(ledger.database)  # type: ignore[arg-type]
    projection = RecordingProjection(store, ledger, die_at=die_at)
    with pytest.raises(Killed):
        catch_up(ledger, projection, batch_size=20)
    projection.die_at = None
    catch_up(ledger, projection, batch_size=20)

    unbroken = LedgerProjection(ReadModelStore.in_memory(), ledger)
    catch_up(ledger, unbroken)
    assert dump(store) == dump(unbroken.view)


@pytest.mark.parametrize(("cache", "batch"), [("1", 1), ("3", 1), ("1", 4)])
def test_a_decision_cache_smaller_than_the_decisions_in_play_gives_the_same_read_models(
    ledger: LedgerApplication, cache: str, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`$POOLEDBUDGET_PROJECTION_CACHE` below the number of decisions receiving events at once
    (and batches so small that they hold few) makes the projection reload evicted decisions
    from the store, event after event; the read models must be exactly those of a projection
    that never evicts."""
    monkeypatch.setenv("POOLEDBUDGET_PROJECTION_CACHE", cache)
    small = LedgerProjection(ReadModelStore.in_memory(), ledger)
    assert small._cache_size == int(cache)
    reloads = []
    get = ledger.repository.get

    def counted(*args: Any, **kwargs: Any) -> Any:
        reloads.append(kwargs.get("version"))
        return get(*args, **kwargs)

    monkeypatch.setattr(ledger.repository, "get", counted)
    catch_up(ledger, small, batch_size=batch)
    monkeypatch.undo()
    assert len(reloads) >= 5  # the path under test was taken
    unbroken = LedgerProjection(ReadModelStore.in_memory(), ledger)
    assert unbroken._cache_size == 500
    catch_up(ledger, unbroken)
    assert dump(small.view) == dump(unbroken.view)


def test_decisions_a_batch_holds_are_never_reloaded_whatever_the_cache_size(
    ledger: LedgerApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch holds every decision it touches until it writes them, so the cache keeps them
    (and the last batch's) even when set smaller: a weekly feed across more decisions than the
    cache size reloads none of them from the store, and the read models are the same."""
    monkeypatch.setenv("POOLEDBUDGET_PROJECTION_CACHE", "1")
    small = LedgerProjection(ReadModelStore.in_memory(), ledger)
    monkeypatch.setattr(ledger.repository, "get", lambda *a, **k: pytest.fail("reloaded"))
    catch_up(ledger, small)
    monkeypatch.undo()
    unbroken = LedgerProjection(ReadModelStore.in_memory(), ledger)
    catch_up(ledger, unbroken)
    assert dump(small.view) == dump(unbroken.view)


@pytest.mark.parametrize("raw", ["0", "-5", "lots"])
def test_a_projection_cache_setting_that_is_not_a_positive_number_is_refused(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad setting names itself and the rule rather than silently caching nothing."""
    monkeypatch.setenv("POOLEDBUDGET_PROJECTION_CACHE", raw)
    with pytest.raises(ValueError, match="POOLEDBUDGET_PROJECTION_CACHE.*1 or more"):
        decision_cache_size()
