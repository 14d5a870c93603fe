"""An as-at over the live rows (decision 0035, addendum 2): on PostgreSQL, when the live read
models have applied the log up to the as-at's last event, its added rows are TEMP views of the
live rows up to that event, its state rows come from the checkpoint and the events after it;
on a SQLite file (and on PostgreSQL when the live read models are behind) the added rows are
copied up to the checkpoint. An in-memory ledger has no live rows another connection reads.

Invariant: the answer is row for row the replay of the pool's events from the start; a live
added row that differs from what the log says, before or after the checkpoint, makes the as-at
replay instead; and the as-at's connection cannot write a live row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from conftest import FakeClock
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.log_index import first_stream_at, stream_of
from pooledbudget.projections import LedgerProjection, ReadModelStore, catch_up, live, one_pool
from pooledbudget.projections import from_checkpoint as fc
from pooledbudget.projections import read_models_as_at as as_at_store
from pooledbudget.projections.checkpoints import latest_at
from pooledbudget.projections.over_live import _live_name, views_serve
from pooledbudget.projections.tables import spends
from projections.test_one_pool_as_at import in_pool, two_pools
from read_model_dump import dump_pool
from unit.helpers import POOL, YEAR, run, spend_cmd

EVERY = 4


@pytest.fixture
def ledger_on_disk(db_url: str, clock: FakeClock,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[LedgerApplication]:
    monkeypatch.setenv("POOLEDBUDGET_CHECKPOINT_EVERY", str(EVERY))
    app = open_ledger(db_url, clock=clock)
    yield app
    app.close()


def viewed(ledger: LedgerApplication) -> bool:
    """Whether this backend's as-ats view the live rows (PostgreSQL) or copy them (SQLite)."""
    return views_serve(live.live_store(ledger, follow=False))


def replayed(ledger: LedgerApplication, at: datetime, pool: str,
             year: str | None) -> dict[str, list[str]]:
    ids = live.pool_aggregate_ids(ledger, pool, year)
    assert ids is not None
    projection = LedgerProjection(ReadModelStore.in_memory(), ledger, checkpoints=0)
    one_pool.replay_streams(ledger, projection, ids, until=at)
    return dump_pool(projection.view, pool)


def spy_on_shadows(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The `views` argument of every TEMP store an as-at opens (None: copies)."""
    opened: list[Any] = []
    real = fc.open_shadowed

    def spy(live_store: ReadModelStore, views: Any = None) -> Any:
        opened.append(views)
        return real(live_store, views)

    monkeypatch.setattr(fc, "open_shadowed", spy)
    return opened


def temp_views(store: ReadModelStore) -> set[str]:
    with store.transaction() as conn:
        if conn.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_temp_master WHERE type = 'view'"
        else:
            query = "SELECT viewname FROM pg_views WHERE schemaname = pg_my_temp_schema()::regnamespace::text"
        return {name for (name,) in conn.exec_driver_sql(query)}


def event_times(ledger: LedgerApplication) -> list[datetime]:
    return [ledger.mapper.to_domain_event(n).timestamp  # type: ignore[attr-defined]
            for n in ledger.recorder.select_notifications(start=1, limit=10_000)]


def far_times(ledger: LedgerApplication, times: list[datetime]) -> list[datetime]:
    """Times at which the pool's year is answered from a checkpoint (its decisions began at
    least an interval before), the last left out (the live read models answer it)."""
    first = first_stream_at(ledger.recorder, POOL, "decision", YEAR)
    assert first is not None
    ids = [n.id for n in ledger.recorder.select_notifications(start=1, limit=10_000)]
    return [t for i, t in zip(ids, times, strict=True) if i >= first + EVERY and t < times[-1]]


@pytest.mark.parametrize("year", [None, YEAR])
def test_an_as_at_over_live_views_equals_the_replay_from_the_start(
        ledger_on_disk: LedgerApplication, year: str | None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = ledger_on_disk
    times = two_pools(ledger)
    live.live_store(ledger)
    opened = spy_on_shadows(monkeypatch)
    for at in sorted(set(far_times(ledger, times))):
        opened.clear()
        store = as_at_store(ledger, at, POOL, year)
        assert dump_pool(store, POOL) == replayed(ledger, at, POOL, year), at
        if viewed(ledger):
            assert opened == [(POOL, year, one_pool.last_id_at(ledger, at))]
            assert "pb_spends" in temp_views(store) and "pb_decisions" not in temp_views(store)
        else:
            assert opened == [None] and temp_views(store) == set()


def test_the_as_at_connection_cannot_write_a_live_row(ledger_on_disk: LedgerApplication,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = ledger_on_disk
    times = two_pools(ledger)
    live_rows = live.live_store(ledger)
    opened = spy_on_shadows(monkeypatch)
    store = as_at_store(ledger, far_times(ledger, times)[-1], POOL)
    assert len(opened) == 1 and (opened[0] is not None) == viewed(ledger)
    with live_rows.transaction() as conn:
        before = conn.execute(select(spends)).all()
    with pytest.raises(DBAPIError), store.transaction() as conn:
        conn.exec_driver_sql(f"DELETE FROM {_live_name(conn, 'pb_spends')}")
    with live_rows.transaction() as conn:
        assert conn.execute(select(spends)).all() == before


def test_a_live_row_edited_after_the_checkpoint_is_not_read(
        ledger_on_disk: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """Viewed, the rows after the checkpoint come from the live tables too: their count and sums
    are compared with those of the rows the replay after the checkpoint would have added.
    Copied, they are never read: the replay after the checkpoint writes them."""
    ledger = ledger_on_disk
    times = two_pools(ledger)
    live_rows = live.live_store(ledger)
    with live_rows.transaction() as conn:
        for at in far_times(ledger, times):
            stop = one_pool.last_id_at(ledger, at)
            found = latest_at(conn, POOL, stop)
            assert found is not None
            after = conn.execute(select(spends.c.invoice_ref).where(
                spends.c.pool_id == POOL, spends.c.sequence > found.position,
                spends.c.sequence <= stop)).scalars().first()
            if after is not None:
                break
        else:
            raise AssertionError("no as-at with a spend after its checkpoint")
    expected = replayed(ledger, at, POOL, None)
    assert dump_pool(as_at_store(ledger, at, POOL), POOL) == expected
    with live_rows.transaction() as conn:
        conn.execute(spends.update().where(spends.c.pool_id == POOL,
                                           spends.c.invoice_ref == after)
                     .values(amount_pence=spends.c.amount_pence + 100))
    opened = spy_on_shadows(monkeypatch)
    assert dump_pool(as_at_store(ledger, at, POOL), POOL) == expected
    assert len(opened) == 1 and (opened[0] is not None) == viewed(ledger)
    monkeypatch.setattr(fc, "check_tallies", lambda *args: None)
    unchecked = dump_pool(as_at_store(ledger, at, POOL), POOL)
    if viewed(ledger):
        assert unchecked != expected  # what the check kept out
    else:
        assert unchecked == expected  # the copies stop at the checkpoint


def test_live_read_models_behind_the_as_at_give_copies_up_to_the_checkpoint(
        ledger_on_disk: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows the live read models have not yet applied are not there to view: the added rows
    are then copied up to the checkpoint, and the events after it add theirs."""
    ledger = ledger_on_disk
    times = two_pools(ledger)
    catch_up(ledger, live._live_projection(ledger), until=times[-1])  # everything so far
    for week in range(10, 14):  # then more, which the live read models have not applied
        run(ledger, in_pool(spend_cmd("D1", f"INV-{week}", "7.00"), POOL))
    opened = spy_on_shadows(monkeypatch)
    last = ledger.last_recorded_time()
    at = max(t for t in event_times(ledger) if last is not None and t < last)
    store = live.read_models_as_at(ledger, at, POOL)
    assert dump_pool(store, POOL) == replayed(ledger, at, POOL, None)
    assert opened == [None]  # copies, not views
    with live.live_store(ledger, follow=False).transaction() as conn:
        assert conn.execute(select(spends.c.invoice_ref).where(
            spends.c.invoice_ref == "INV-12")).first() is None  # still behind


def test_a_stream_is_found_by_its_key(ledger_on_disk: LedgerApplication) -> None:
    """The checkpoint's own event is checked to be the pool's by its one stream."""
    two_pools(ledger_on_disk)
    ids = live.pool_aggregate_ids(ledger_on_disk, POOL)
    assert ids is not None and len(ids) == 3  # the pool and its two decisions
    assert {stream_of(ledger_on_disk.recorder, i) for i in ids[1:]} == {(POOL, "decision")}
    assert stream_of(ledger_on_disk.recorder, uuid4()) is None


def test_the_decisions_after_a_checkpoint_are_read_together_not_one_by_one(
        ledger_on_disk: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """The decisions the events after the checkpoint go on with are read in one query and
    folded before those events are applied: none is rebuilt from the store on its own."""
    ledger = ledger_on_disk
    times = two_pools(ledger)
    live.live_store(ledger)
    expected = {at: replayed(ledger, at, POOL, None) for at in far_times(ledger, times)}
    reads: list[int] = []
    real = ledger.recorder.select_streams_upto  # type: ignore[attr-defined]
    monkeypatch.setattr(ledger.recorder, "select_streams_upto",
                        lambda ids, stop: reads.append(len(ids)) or real(ids, stop))
    monkeypatch.setattr(ledger.repository, "get", lambda *a, **k: pytest.fail("one by one"))
    for at, rows in expected.items():
        assert dump_pool(as_at_store(ledger, at, POOL), POOL) == rows, at
    assert reads and max(reads) >= 1


def checked_tables(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The `only` of every tally check of live views (None: every table)."""
    seen: list[Any] = []
    real = fc.check_tallies

    def spy(*args: Any) -> None:
        if len(args) > 4:  # views, up to a position
            seen.append(args[5] if len(args) > 5 else None)
        real(*args)

    monkeypatch.setattr(fc, "check_tallies", spy)
    return seen


def test_an_as_at_given_its_reads_checks_those_and_refuses_the_others(
        ledger_on_disk: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """Told which added tables its caller reads, an as-at over the live rows checks those (and
    any its replay read) and refuses a statement that names another: no row is read from the
    live tables unchecked. Not told, it checks them all."""
    from pooledbudget.projections.over_live import UncheckedReadError

    ledger = ledger_on_disk
    times = two_pools(ledger)
    live.live_store(ledger)
    checked = checked_tables(monkeypatch)
    at = far_times(ledger, times)[-1]
    store = as_at_store(ledger, at, POOL, YEAR, reads={"pb_spend_allocations"})
    assert checked[-1] is not None and "pb_spend_allocations" in checked[-1]
    assert "pb_sign_offs" not in checked[-1]
    with store.transaction() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM pb_spend_allocations").scalar()
    with pytest.raises(UncheckedReadError, match="pb_sign_offs"), store.transaction() as conn:
        conn.exec_driver_sql("SELECT COUNT(*) FROM pb_sign_offs")
    store = as_at_store(ledger, at, POOL, YEAR)
    assert checked[-1] is None
    with store.transaction() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM pb_sign_offs").scalar()


def test_a_report_as_at_stays_on_its_checkpoint_past_an_edit_of_rows_it_does_not_read(
        ledger_on_disk: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shares report reads no added row (its spend is a running sum, decision 0045): an
    edited sign-off or allocation before the checkpoint leaves its as-at on the checkpoint,
    with the log's figures. The cost-shift report reads the allocations: an edited one sends its
    as-at back to the pool's start, with the log's figures too."""
    from pooledbudget import reports
    from pooledbudget.projections.tables import sign_offs, spend_allocations

    ledger = ledger_on_disk
    times = two_pools(ledger)
    live_rows = live.live_store(ledger)
    at = far_times(ledger, times)[-1]
    expected = reports.shares(ledger, POOL, YEAR, at)
    shifted = reports.cost_shift(ledger, POOL, YEAR, at)
    from_start: list[Any] = []
    real = one_pool.replay_streams
    monkeypatch.setattr(one_pool, "replay_streams",
                        lambda *args, **kw: (from_start.append(1), real(*args, **kw))[1])
    with live_rows.transaction() as conn:
        conn.execute(sign_offs.update().where(sign_offs.c.pool_id == POOL)
                     .values(amount_pence=func.coalesce(sign_offs.c.amount_pence, 0) + 100))
        conn.execute(spend_allocations.update().where(spend_allocations.c.pool_id == POOL)
                     .values(funded_pence=spend_allocations.c.funded_pence + 1))
    assert reports.shares(ledger, POOL, YEAR, at) == expected and not from_start
    assert reports.cost_shift(ledger, POOL, YEAR, at) == shifted and from_start


@pytest.fixture(params=["decoded whole", "searched"])
def state_read(request: pytest.FixtureRequest,
               monkeypatch: pytest.MonkeyPatch) -> tuple[bool, list[bool]]:
    """Each checkpoint's state text decoded whole, or its rows of a decision searched for in it
    (`state_text`), however many decisions are asked for and however long the text; the list
    says, for each as-at that kept rows of some decisions only, whether they were searched for
    (after whether the fixture asked for that)."""
    from pooledbudget.projections import checkpoints, state_text

    searched: list[bool] = []
    real = checkpoints.decode_for

    def spy(*args: Any) -> Any:
        found = real(*args)
        searched.append(found is not None)
        return found

    monkeypatch.setattr(checkpoints, "decode_for", spy)
    monkeypatch.setattr(state_text, "SEARCH_COST", 0 if request.param == "searched" else 10**12)
    return request.param == "searched", searched


@pytest.mark.parametrize("close", [False, True])
def test_each_report_given_its_reads_answers_over_the_views_as_the_replay_does(
        ledger_on_disk: LedgerApplication, close: bool, state_read: tuple[bool, list[bool]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The reports that name their reads (shares, its plain data, risk share, cost shift) give,
    as at every time a checkpoint serves, what they give from the replay of the pool's events
    from the start, and none reads a table it did not name (that would raise). With the year
    closed after the checkpoints, the replay after one reads the year's movements, which are
    then checked too."""
    from pooledbudget import reports
    from pooledbudget.reports.cost_shift import cost_shift_report
    from pooledbudget.reports.risk_share import risk_share_report
    from pooledbudget.reports.shares import shares_data, shares_report
    from unit.helpers import NEXT_YEAR, close_cmd, pledge_cmd

    ledger = ledger_on_disk
    times = two_pools(ledger)
    if close:  # then a pool event, so that an as-at before the last event sees the close
        run(ledger, close_cmd())
        run(ledger, pledge_cmd("ASC", "10.00", year=NEXT_YEAR))
        times = event_times(ledger)
    live.live_store(ledger)
    watches: list[Any] = []

    class Watched(fc.AddedReads):
        def __init__(self, partial: frozenset[str] = frozenset()) -> None:
            super().__init__(partial)
            watches.append(self)

    monkeypatch.setattr(fc, "AddedReads", Watched)
    checked = checked_tables(monkeypatch)
    pairs = [(reports.shares, shares_report), (reports.shares_data, shares_data),
             (reports.risk_share, lambda c, p, y, _at: risk_share_report(c, p, y)),
             (reports.cost_shift, cost_shift_report)]
    served = 0
    for at in far_times(ledger, times):
        stop = one_pool.last_id_at(ledger, at)
        with live.live_store(ledger, follow=False).transaction() as conn:
            served += latest_at(conn, POOL, stop) is not None
        ids = live.pool_aggregate_ids(ledger, POOL, YEAR)
        assert ids is not None
        fresh = LedgerProjection(ReadModelStore.in_memory(), ledger, checkpoints=0)
        one_pool.replay_streams(ledger, fresh, ids, until=at)
        for report, from_store in pairs:
            with fresh.view.transaction() as conn:
                expected = from_store(conn, POOL, YEAR, at.isoformat())
            assert report(ledger, POOL, YEAR, at) == expected, (report.__name__, at)
    assert served and watches
    assert set(state_read[1]) == {state_read[0]}
    assert close == any("pb_forecast_movements" in w.named for w in watches)
    assert close == any("pb_forecast_movements" in only for only in checked)  # so checked


def test_an_as_at_restores_a_row_per_decision_whole_only_for_a_caller_that_reads_them(
        ledger_on_disk: LedgerApplication, state_read: tuple[bool, list[bool]]) -> None:
    """A caller whose reads leave out the decisions and commitments gets their rows for the
    decisions the events after the checkpoint go on with only (those the replay updates), and
    a query of either table raises instead of showing them; its running totals are still the
    replay's. A caller that names them, or names nothing, gets them whole."""
    from pooledbudget.projections.over_live import UncheckedReadError
    from pooledbudget.projections.tables import commitments, decisions, partner_totals

    ledger = ledger_on_disk
    times = two_pools(ledger)
    live.live_store(ledger)
    partial_seen = False
    seen: list[dict[str, int]] = []
    real = fc.restore_state

    def spy(conn: Any, tables: Any) -> None:
        seen.append({name: len(rows) for name, rows in tables.items()})
        real(conn, tables)

    for at in far_times(ledger, times):
        expected = replayed(ledger, at, POOL, YEAR)
        whole = as_at_store(ledger, at, POOL, YEAR,
                            reads={*fc.AddedTally.tables, decisions.name, commitments.name})
        assert dump_pool(whole, POOL) == expected
        store = as_at_store(ledger, at, POOL, YEAR, reads=set())
        with store.transaction() as conn:
            totals = conn.execute(select(partner_totals).where(
                partner_totals.c.pool_id == POOL)).mappings().all()
        assert sorted(json.dumps(dict(row), sort_keys=True) for row in totals) \
            == expected["pb_partner_totals"], at
        for table in (decisions, commitments):
            with pytest.raises(UncheckedReadError, match=table.name), \
                    store.transaction() as conn:
                conn.execute(select(func.count()).select_from(table))
        stop = one_pool.last_id_at(ledger, at)
        with live.live_store(ledger, follow=False).transaction() as conn:
            found = latest_at(conn, POOL, stop)
        if found is None:
            continue
        seen.clear()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(fc, "restore_state", spy)
            as_at_store(ledger, at, POOL, YEAR, reads=set())
            as_at_store(ledger, at, POOL, YEAR)
        if seen and seen[0]["pb_decisions"] < seen[1]["pb_decisions"]:
            partial_seen = True
    assert partial_seen  # some as-at restored fewer decisions than the checkpoint holds
    assert set(state_read[1]) == {state_read[0]}


def test_the_partial_tables_hold_a_decisions_id_where_the_restore_looks_for_it() -> None:
    from pooledbudget.projections.checkpoints import _keyed_by_decision
    from pooledbudget.projections.over_live import PARTIAL

    assert PARTIAL and all(_keyed_by_decision(t) for t in PARTIAL)
