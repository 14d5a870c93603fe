"""Automatic garbage collection paused for one bulk step (collection.py, decision 0012): no
collection runs inside a group of a feed or a batch of a catch-up, and the host's setting is
as it was afterwards, whatever happened inside."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from pooledbudget import parse_command
from pooledbudget.application import LedgerApplication
from pooledbudget.collection import collection_paused, own_the_process
from pooledbudget.projections import LedgerProjection, ReadModelStore, catch_up

from .helpers import approved_decision, setup_pool, spend_cmd


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every automatic or explicit collection while the test runs."""
    seen: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(record)
    try:
        yield seen
    finally:
        gc.callbacks.remove(record)


def _allocate() -> None:
    """Enough container objects to trigger several automatic collections, kept alive."""
    kept = [[i] for i in range(20_000)]
    assert len(kept) == 20_000


def test_no_collection_runs_inside_and_it_is_back_on_after(collections: list[int]) -> None:
    assert gc.isenabled()
    with collection_paused(force=True):
        assert not gc.isenabled()
        before = len(collections)  # (one may have run as the test began)
        _allocate()
        assert collections[before:] == []
    assert gc.isenabled()
    _allocate()
    assert collections, "automatic collection should run again after the block"


def test_a_host_that_turned_collection_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with collection_paused(force=True):
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_it_is_back_on_after_an_error() -> None:
    with pytest.raises(ZeroDivisionError), collection_paused(force=True):
        1 / 0  # noqa: B018
    assert gc.isenabled()


def _with_300_spends(ledger: LedgerApplication) -> None:
    setup_pool(ledger)
    approved_decision(ledger)
    ledger.execute_many(_spends(300))


def _spends(count: int) -> list[Any]:
    return [parse_command({**spend_cmd("D1", f"GC-{i:04d}", "1.00"), "command_id": f"gc-{i:04d}"})
            for i in range(count)]


def test_a_group_of_a_feed_runs_without_a_collection(
    ledger: LedgerApplication, collections: list[int], monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup_pool(ledger)
    approved_decision(ledger)
    commands = _spends(300)
    inside: list[list[int]] = []
    began: list[int] = []
    save, run_group = LedgerApplication.save, LedgerApplication._run_paused_group

    def mark_and_run(self: LedgerApplication, *args: Any) -> Any:
        began.append(len(collections))  # the pause has begun: count from here
        return run_group(self, *args)

    def save_and_look(self: LedgerApplication, *objs: object, **kwargs: object) -> object:
        inside.append(collections[began[-1]:])  # what ran between the group's start and save
        return save(self, *objs, **kwargs)

    monkeypatch.setattr(LedgerApplication, "_run_paused_group", mark_and_run)
    monkeypatch.setattr(LedgerApplication, "save", save_and_look)
    collections.clear()
    outcomes = ledger.execute_many(commands, pause_collection=True)
    assert all(not isinstance(o, Exception) for o in outcomes)
    assert inside == [[]], "a collection ran while the group was being decided"
    assert gc.isenabled()


def test_a_feed_leaves_collection_running_unless_asked(
    ledger: LedgerApplication, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A library call has no process-wide side effect: unless the caller opts in, automatic
    collection stays on for the whole of `execute_many`, for every other thread of the host."""
    setup_pool(ledger)
    approved_decision(ledger)
    seen: list[bool] = []
    save = LedgerApplication.save

    def save_and_look(self: LedgerApplication, *objs: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return save(self, *objs, **kwargs)

    monkeypatch.setattr(LedgerApplication, "save", save_and_look)
    outcomes = ledger.execute_many(_spends(300))
    assert all(not isinstance(o, Exception) for o in outcomes)
    assert seen == [True]


@pytest.fixture
def owned() -> Iterator[None]:
    """A program that owns its process, as the `pooledbudget` command does."""
    own_the_process()
    try:
        yield
    finally:
        own_the_process(False)


def test_a_library_call_never_pauses_the_hosts_collector() -> None:
    """Without `own_the_process`, a bulk step leaves the process's collector as it is. (The
    command line, run in-process by other tests, owns the process: undone here, then restored.)"""
    from pooledbudget import collection

    was = collection._process_owned
    own_the_process(False)
    try:
        with collection_paused():
            assert gc.isenabled()
        with collection_paused(force=True):
            assert not gc.isenabled()
        assert gc.isenabled()
    finally:
        own_the_process(was)


def test_the_command_line_owns_its_process(capsys: pytest.CaptureFixture[str]) -> None:
    from pooledbudget import collection
    from pooledbudget.cli import main

    try:
        main(["changes", "--db", "memory://"])
        assert collection._process_owned
    finally:
        own_the_process(False)


@pytest.mark.usefixtures("owned")
def test_a_batch_of_a_catch_up_runs_without_a_collection(
    ledger: LedgerApplication, collections: list[int], monkeypatch: pytest.MonkeyPatch,
) -> None:
    _with_300_spends(ledger)
    assert ledger.database is not None
    store = ReadModelStore.for_database(ledger.database)
    projection = LedgerProjection(store, ledger)
    batches: list[list[int]] = []  # collections between a batch's start and its write
    begin, flush = LedgerProjection.begin, LedgerProjection.flush

    def begin_and_mark(self: LedgerProjection, *args: Any) -> None:  # (conn, start)
        batches.append([len(collections)])
        begin(self, *args)

    def flush_and_look(self: LedgerProjection, conn: Any) -> None:
        batches[-1] = collections[batches[-1][0]:]
        flush(self, conn)

    monkeypatch.setattr(LedgerProjection, "begin", begin_and_mark)
    monkeypatch.setattr(LedgerProjection, "flush", flush_and_look)
    try:
        assert catch_up(ledger, projection) > 900
        assert batches == [[]], "a collection ran while the batch was being applied"
        assert gc.isenabled()
    finally:
        store.close()


@pytest.mark.usefixtures("owned")
def test_verify_walks_the_log_without_a_collection(
    ledger: LedgerApplication, collections: list[int], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pooledbudget.audit import verify as verifying

    _with_300_spends(ledger)
    checked: list[int] = []
    check = verifying._Checker.check

    def check_and_allocate(self: Any, logged: Any) -> bool:
        _allocate()  # enough to set the collector off, were it running
        checked.append(len(collections))
        return check(self, logged)

    monkeypatch.setattr(verifying._Checker, "check", check_and_allocate)
    collections.clear()
    assert verifying.verify(ledger).ok
    assert len(checked) > 900 and checked[-1] == 0, "a collection ran while the log was walked"
    assert gc.isenabled()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_big_steps_survivors_go_to_the_oldest_generation() -> None:
    """What a big step keeps is not examined by the young collections after it: it is in the
    oldest generation as the step ends, and nothing stays frozen. A small step's are left to
    the collector's young collection, as without a pause."""
    from pooledbudget import collection

    gc.collect()
    with collection_paused(force=True):
        kept = [[i] for i in range(collection.BIG_STEP)]
    assert any(o is kept for o in gc.get_objects(generation=2))
    assert not any(o is kept for o in gc.get_objects(generation=0))
    assert gc.get_freeze_count() == 0
    with collection_paused(force=True):
        few = [[i] for i in range(10)]
    assert any(o is few for o in gc.get_objects(generation=0))


def test_a_cycle_left_by_big_steps_is_freed_within_full_every_of_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `FULL_EVERY`-th big step collects in full once they have moved a quarter of the
    heap, so a cycle a step dropped is freed however long a process runs paused steps and
    nothing else; and not before the `FULL_EVERY`-th."""
    import weakref

    from pooledbudget import collection

    for name, start in (("_big_steps", 0), ("_moved", 0), ("_heap", None)):
        monkeypatch.setattr(collection, name, start)  # as in a fresh process
    gc.collect()
    with collection_paused(force=True):
        cycle = _Cycle()
        gone = weakref.ref(cycle)
        del cycle
    kept: list[list[list[int]]] = []
    size = max(collection.BIG_STEP, len(gc.get_objects()) // 8)
    steps = 0
    while gone() is not None and steps < 3 * collection.FULL_EVERY:
        with collection_paused(force=True):
            kept.append([[i] for i in range(size)])
        steps += 1
    assert gone() is None
    assert steps == collection.FULL_EVERY


def test_a_hosts_frozen_objects_stay_frozen() -> None:
    """A host that froze its objects (as a server does before forking) keeps them frozen."""
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collection_paused(force=True):
            [[i] for i in range(100)]  # noqa: B018
        assert gc.get_freeze_count() == frozen > 0
    finally:
        gc.unfreeze()
