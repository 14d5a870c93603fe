"""One pool as at T from its own events (decision 0014), on SQLite and PostgreSQL.

The property test in tests/property compares the two replays over generated histories on
SQLite; these check the same on both backends for a fixed history of two interleaved pools,
that the whole log is not read, that long streams are read in chunks, and the fall-backs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from pooledbudget import reports
from pooledbudget.application import LedgerApplication
from pooledbudget.projections import LedgerProjection, ReadModelStore, catch_up, live, one_pool
from pooledbudget.projections import read_models_as_at as as_at_store
from read_model_dump import dump_pool
from unit.helpers import (
    NEXT_YEAR,
    POOL,
    YEAR,
    approve_cmd,
    establish_cmd,
    pledge_cmd,
    propose_cmd,
    reverse_cmd,
    run,
    spend_cmd,
    variation_cmd,
)

OTHER = "Q"


def in_pool(command: dict[str, Any], pool: str) -> dict[str, Any]:
    return {**command, "pool_id": pool}


def two_pools(ledger: LedgerApplication) -> list[datetime]:
    """Two pools whose commands alternate; the recording time of every event, in order."""
    for pool in (POOL, OTHER):
        run(ledger, establish_cmd(pool_id=pool, partners=("ASC", "CFS")))
    for pool in (POOL, OTHER):
        for code in ("ASC", "CFS"):
            run(ledger, in_pool(pledge_cmd(code, "100000.00"), pool))
    for decision_id in ("D1", "D2"):
        for pool in (POOL, OTHER):
            run(ledger, in_pool(propose_cmd(decision_id), pool))
            for code in ("ASC", "CFS"):
                run(ledger, in_pool(approve_cmd(decision_id, code), pool))
    for week in range(1, 9):
        for pool in (POOL, OTHER):
            decision_id = "D1" if week % 2 else "D2"
            run(ledger, in_pool(spend_cmd(decision_id, f"INV-{week}", f"{week * 10}.00"), pool))
    run(ledger, in_pool(reverse_cmd("INV-3"), POOL))
    run(ledger, in_pool(variation_cmd("D2", "V1", planned_end="2026-12-31"), OTHER))
    for pool in (POOL, OTHER):
        run(ledger, in_pool(spend_cmd("D1", "INV-LAST", "5.00"), pool))
    times = []
    for notification in ledger.recorder.select_notifications(start=1, limit=10_000):
        times.append(ledger.mapper.to_domain_event(notification).timestamp)  # type: ignore[attr-defined]
    return times


def whole_log_as_at(ledger: LedgerApplication, at: datetime) -> ReadModelStore:
    projection = LedgerProjection(ReadModelStore.in_memory(), ledger)
    catch_up(ledger, projection, until=at)
    return projection.view


def test_each_pool_as_at_equals_the_whole_log_replayed(ledger: LedgerApplication) -> None:
    times = two_pools(ledger)
    for at in times[::7]:
        whole = whole_log_as_at(ledger, at)
        for pool in (POOL, OTHER):
            alone = as_at_store(ledger, at, pool)
            assert dump_pool(alone, pool) == dump_pool(whole, pool), (pool, at)
            assert dump_pool(alone, pool) == dump_pool(alone, None), "another pool's rows"


def test_reports_as_at_do_not_read_the_whole_log(ledger: LedgerApplication,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    times = two_pools(ledger)
    at = times[len(times) // 2]
    expected = reports.shares(ledger, POOL, YEAR, at).model_dump()
    shifts = reports.cost_shift(ledger, POOL, YEAR, at).model_dump()
    assert any(row["spent"] != "0.00" for row in expected["partners"])  # spend before T

    def no_log_scan(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("topics"):  # a catch-up or replay reads the log by topic
            raise AssertionError("the whole log was read")
        return real(*args, **kwargs)

    real = ledger.recorder.select_notifications
    monkeypatch.setattr(ledger.recorder, "select_notifications", no_log_scan)
    assert reports.shares(ledger, POOL, YEAR, at).model_dump() == expected
    assert reports.cost_shift(ledger, POOL, YEAR, at).model_dump() == shifts


def test_long_streams_are_read_in_chunks(ledger: LedgerApplication,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    times = two_pools(ledger)
    at = times[-3]
    expected = dump_pool(as_at_store(ledger, at, POOL), POOL)
    reads: list[int] = []
    real = ledger.recorder.select_stream  # type: ignore[attr-defined]

    def counted(aggregate_id: Any, after: int, limit: int, stop: int) -> Any:
        reads.append(after)
        return real(aggregate_id, after, limit, stop)

    monkeypatch.setattr(one_pool, "STREAM_CHUNK", 2)
    monkeypatch.setattr(ledger.recorder, "select_stream", counted)
    assert dump_pool(as_at_store(ledger, at, POOL), POOL) == expected
    assert len(reads) > 3 and reads.count(0) == 3  # the pool and two decisions, from version 1
    ids = live.pool_aggregate_ids(ledger, POOL)
    assert ids is not None
    projection = LedgerProjection(ReadModelStore.in_memory(), ledger)
    one_pool.replay_streams(ledger, projection, ids, until=at, batch_size=3)  # many batches
    assert dump_pool(projection.view, POOL) == expected


def test_the_pool_path_does_not_read_the_live_read_models(
        ledger: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """Live read models that are empty (being rebuilt, or edited) change nothing: the decisions
    to replay come from the stream index written with the log (issue 21, finding 7)."""
    times = two_pools(ledger)
    at = times[-3]
    monkeypatch.setattr(live, "live_store", lambda ledger: ReadModelStore.in_memory())
    ids = live.pool_aggregate_ids(ledger, POOL)
    assert ids is not None and len(ids) == 3
    store = as_at_store(ledger, at, POOL)
    assert dump_pool(store, POOL) == dump_pool(whole_log_as_at(ledger, at), POOL)


def test_a_recorder_without_streams_falls_back_to_the_whole_log(
        ledger: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    times = two_pools(ledger)
    monkeypatch.setattr(one_pool, "can_replay_streams", lambda ledger: False)
    monkeypatch.setattr(live, "can_replay_streams", lambda ledger: False)
    assert live.pool_aggregate_ids(ledger, POOL) is None
    at = times[-3]
    assert dump_pool(as_at_store(ledger, at, POOL), None) == \
        dump_pool(whole_log_as_at(ledger, at), None)


def test_an_as_at_reads_only_what_it_applies(ledger: LedgerApplication,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The streams stop at the last event recorded by T: as at a T early in a decision's life,
    its later spend is not read at all."""
    two_pools(ledger)
    for week in range(40):
        run(ledger, in_pool(spend_cmd("D2", f"LATE-{week}", "1.00"), POOL))
    ids = live.pool_aggregate_ids(ledger, POOL)
    assert ids is not None and len(ids) == 3
    early = [ledger.mapper.to_domain_event(n).timestamp  # type: ignore[attr-defined]
             for n in ledger.recorder.select_notifications(start=1, limit=40)][-1]
    rows: list[int] = []
    real = ledger.recorder.select_stream  # type: ignore[attr-defined]

    def counted(aggregate_id: Any, after: int, limit: int, stop: int) -> Any:
        chunk = real(aggregate_id, after, limit, stop)
        rows.append(len(chunk))
        return chunk

    monkeypatch.setattr(ledger.recorder, "select_stream", counted)
    projection = LedgerProjection(ReadModelStore.in_memory(), ledger)
    applied = one_pool.replay_streams(ledger, projection, ids, until=early)
    pool_events = sum(len(list(ledger.events.get(i))) for i in ids)
    assert applied > 0 and pool_events > 40 + applied
    assert sum(rows) == applied


def test_the_last_event_by_t_is_found_by_halving_the_log(ledger: LedgerApplication) -> None:
    times = two_pools(ledger)
    assert one_pool.last_id_at(ledger, times[0] - timedelta(seconds=1)) == 0
    assert one_pool.last_id_at(ledger, times[-1] + timedelta(days=1)) == len(times)
    for at in sorted(set(times)):
        expected = max(i for i, t in enumerate(times, start=1) if t <= at)
        assert one_pool.last_id_at(ledger, at) == expected, at


def test_decisions_proposed_after_t_are_not_read(ledger: LedgerApplication,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A fund's later decisions are left out in one query, not each asked for nothing."""
    times = two_pools(ledger)
    ids = live.pool_aggregate_ids(ledger, POOL)
    assert ids is not None
    pool_id, first, second = ids  # the pool, D1 and D2 (in decision order)
    d1_created = [n.id for n in ledger.recorder.select_notifications(start=1, limit=1000)
                  if n.originator_id == first and n.originator_version == 1][0]
    d2_created = [n.id for n in ledger.recorder.select_notifications(start=1, limit=1000)
                  if n.originator_id == second and n.originator_version == 1][0]
    assert d1_created < d2_created
    recorder: Any = ledger.recorder
    assert recorder.existing(ids, d2_created - 1) == {pool_id, first}
    assert recorder.existing(ids, d2_created) == {pool_id, first, second}
    assert recorder.existing(ids) == {pool_id, first, second}
    asked: list[Any] = []
    real = recorder.select_stream

    def counted(aggregate_id: Any, after: int, limit: int, stop: int) -> Any:
        asked.append(aggregate_id)
        return real(aggregate_id, after, limit, stop)

    monkeypatch.setattr(ledger.recorder, "select_stream", counted)
    at = times[d2_created - 2]  # the event just before D2's proposal
    expected = dump_pool(whole_log_as_at(ledger, at), POOL)
    assert dump_pool(as_at_store(ledger, at, POOL), POOL) == expected
    assert set(asked) == {pool_id, first}


def test_a_ledger_without_a_read_model_database_still_answers_as_at(clock: Any) -> None:
    """A ledger built by hand (no `open_ledger` URL, so no live read models) replays its
    pool's streams, listed by the stream index beside the log."""
    from pooledbudget.application import LedgerApplication
    from pooledbudget.persistence import database

    db = database("memory://")
    ledger = LedgerApplication(env={**db.env, "CREATE_TABLE": "y"}, clock=clock)
    assert ledger.database is None
    times = two_pools(ledger)
    at = times[len(times) // 2]
    assert live.pool_aggregate_ids(ledger, POOL) is not None
    assert dump_pool(as_at_store(ledger, at, POOL), POOL) == \
        dump_pool(whole_log_as_at(ledger, at), POOL)
    ledger.close()


def two_years(ledger: LedgerApplication) -> list[datetime]:
    """One pool with decisions in two financial years whose spend alternates."""
    run(ledger, establish_cmd(partners=("ASC", "CFS")))
    for year in (YEAR, NEXT_YEAR):
        for code in ("ASC", "CFS"):
            run(ledger, pledge_cmd(code, "100000.00", year=year))
    run(ledger, propose_cmd("D1"))
    run(ledger, propose_cmd("N1", year=NEXT_YEAR, start="2027-04-01", planned_end="2027-09-30"))
    for decision_id in ("D1", "N1"):
        for code in ("ASC", "CFS"):
            run(ledger, approve_cmd(decision_id, code))
    for week in range(1, 7):
        run(ledger, spend_cmd("D1", f"A-{week}", f"{week}.00"))
        run(ledger, spend_cmd("N1", f"B-{week}", f"{week}.50", service_date="2027-05-01"))
    run(ledger, reverse_cmd("B-2"))
    return [ledger.mapper.to_domain_event(n).timestamp  # type: ignore[attr-defined]
            for n in ledger.recorder.select_notifications(start=1, limit=10_000)]


def year_rows(store: ReadModelStore, year: str) -> dict[str, list[str]]:
    """The pool's rows of one year (every row of a table without a year)."""
    return {name: [row for row in rows if '"year"' not in row or f'"year": "{year}"' in row]
            for name, rows in dump_pool(store, POOL).items()}


def test_one_year_as_at_replays_that_years_decisions_only(ledger: LedgerApplication) -> None:
    """A report is of one pool and one financial year, and a decision belongs to one year: as
    at T, that year's rows equal the whole log's replay, and the other year's decisions were not
    replayed (so one year's as-at does not grow with the fund's other years)."""
    times = two_years(ledger)
    for at in times[len(times) // 3:-1:5]:  # before the last event (the live models answer then)
        assert at < times[-1]
        whole = whole_log_as_at(ledger, at)
        for year, other in ((YEAR, "N1"), (NEXT_YEAR, "D1")):
            alone = as_at_store(ledger, at, POOL, year)
            assert year_rows(alone, year) == year_rows(whole, year), (year, at)
            decisions = [row for row in dump_pool(alone, POOL)["pb_decisions"]]
            assert not any(f'"decision_id": "{other}"' in row for row in decisions)
            assert reports.shares(ledger, POOL, year, at).model_dump() == \
                shares_of(whole, year, at)


def shares_of(store: ReadModelStore, year: str, at: datetime) -> dict[str, Any]:
    from pooledbudget.reports.shares import shares_report

    with store.transaction() as conn:
        return shares_report(conn, POOL, year, at.isoformat()).model_dump()


def test_the_events_after_a_checkpoint_are_chosen_by_the_stream_index(
        ledger: LedgerApplication) -> None:
    """An as-at from a checkpoint asks the stream index about the aggregates it meets, instead of
    listing every decision the pool ever had: of any stretch of the log, for each pool and year,
    it keeps exactly the events of the listed streams (the pool's, and its decisions' of the
    year), and asks about an aggregate once."""
    from uuid import uuid4

    from pooledbudget.log_index import streams_of
    from pooledbudget.projections import from_checkpoint

    two_years(ledger)
    run(ledger, establish_cmd(pool_id=OTHER, partners=("ASC", "CFS")))
    run(ledger, in_pool(pledge_cmd("ASC", "100.00"), OTHER))
    run(ledger, in_pool(propose_cmd("Q1"), OTHER))
    notes = ledger.recorder.select_notifications(start=1, limit=10_000)
    half = len(notes) // 2
    for pool in (POOL, OTHER):
        for year in (None, YEAR, NEXT_YEAR):
            ids = live.pool_aggregate_ids(ledger, pool, year)
            assert ids is not None
            listed = [n for n in notes if n.originator_id in set(ids)]
            asked = from_checkpoint._PoolStreams(ledger.recorder, pool, year)
            assert asked(notes[:half]) + asked(notes[half:]) == listed, (pool, year)
            assert listed
    stranger = uuid4()
    known = streams_of(ledger.recorder, [stranger, *ids])
    assert stranger not in known and set(known) == set(ids)
