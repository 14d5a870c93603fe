"""PostgreSQL's append through typed arrays (recorders/postgres_array_append.py) stores a
group's events exactly as eventsourcing's composite-array append does: the same rows, in the
same order, numbered in that order, and the chains verify."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import FakeClock, pg_schema_url
from pooledbudget.aggregates import InvoiceRef
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.audit.verify import verify
from pooledbudget.batch import apply_lines
from pooledbudget.persistence import database, prepare
from pooledbudget.recorders.postgres_array_append import ArrayAppendPostgresRecorder

from .helpers import pm

COMPOSITE_TOPIC = "pooledbudget.recorders.postgres:GuardedPostgresRecorder"  # eventsourcing's

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.generator import PoolSpec, as_lines, generate  # noqa: E402

AT = datetime(2026, 6, 1, tzinfo=UTC)


def _composite_ledger(url: str, clock: FakeClock) -> LedgerApplication:
    """A ledger whose recorder appends as before this module: eventsourcing's own INSERT."""
    db = database(url)
    prepare(db)
    env = {**db.env, "APPLICATION_RECORDER_TOPIC": COMPOSITE_TOPIC, "CREATE_TABLE": "y"}
    return LedgerApplication(env=env, clock=clock, database=db)


def _rows(ledger: LedgerApplication) -> list[tuple[int, object, int, str, bytes]]:
    return [(n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state))
            for n in ledger.recorder.select_notifications(start=1, limit=1_000_000)]


@pytest.fixture
def two_urls(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    with pg_schema_url(request) as arrays, pg_schema_url(request) as composite:
        yield arrays, composite


def test_a_groups_events_are_stored_as_the_composite_append_stores_them(
        two_urls: tuple[str, str]) -> None:
    lines = as_lines(generate(PoolSpec(pools=2, decisions=3, weeks=6, reversals=0.1), seed=3))
    arrays_url, composite_url = two_urls
    fast = open_ledger(arrays_url, clock=FakeClock())
    plain = _composite_ledger(composite_url, FakeClock())
    try:
        assert isinstance(fast.recorder, ArrayAppendPostgresRecorder)
        assert not isinstance(plain.recorder, ArrayAppendPostgresRecorder)
        for ledger in (fast, plain):  # groups of 10: several saves, each of many events
            assert all(r["ok"] for r in apply_lines(ledger, lines, group_size=10))
        fast_rows, plain_rows = _rows(fast), _rows(plain)
        assert len(fast_rows) > len(lines)  # several events a line, so groups of many events
        # the same rows in the same order (positions may differ only where a sequence skipped)
        assert [row[1:] for row in fast_rows] == [row[1:] for row in plain_rows]
        positions = [row[0] for row in fast_rows]
        assert all(a < b for a, b in zip(positions, positions[1:], strict=False))
        assert positions == [row[0] for row in plain_rows]
        result = verify(fast)
        assert result.ok, result.first_bad
        assert result.events_checked == len(fast_rows)
    finally:
        fast.close()
        plain.close()


def test_a_single_command_outside_a_group_appends_through_the_arrays_too(
        request: pytest.FixtureRequest) -> None:
    """`execute` (a command's own write scope) and a save outside any scope both go through
    the array INSERT, and read back as written."""
    lines = as_lines(generate(PoolSpec(pools=1, decisions=1, weeks=1), seed=1))
    with pg_schema_url(request) as url:
        ledger = open_ledger(url, clock=FakeClock())
        try:
            recorder = ledger.recorder
            assert isinstance(recorder, ArrayAppendPostgresRecorder)
            sent: list[int] = []
            original = recorder._insert_rows

            def counting(curs, stored_events, **kwargs):  # type: ignore[no-untyped-def]
                sent.append(len(stored_events))
                original(curs, stored_events, **kwargs)

            recorder._insert_rows = counting  # type: ignore[method-assign]
            assert all(r["ok"] for r in apply_lines(ledger, lines, group_size=1))
            assert sum(sent) == len(_rows(ledger)) and len(sent) == len(lines)
            before = len(_rows(ledger))
            ledger.save(InvoiceRef.register("SYN001", "INV-OUTSIDE", "D00001", pm(), AT))
            assert sent[-1] == 1 and len(_rows(ledger)) == before + 1
            assert verify(ledger).ok
        finally:
            ledger.close()
