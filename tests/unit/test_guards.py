"""Guarded saves (guards.py): refused as a whole when a named aggregate exists, and then
nothing is written; saved when none does. The year-closure guard (R17) rests on this."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from pooledbudget.aggregates import InvoiceRef, pool_uuid
from pooledbudget.application import LedgerApplication
from pooledbudget.recorders import UNLESS_EXISTS

from .helpers import POOL, pm, setup_pool

AT = datetime(2026, 6, 1, tzinfo=UTC)


def stored(ledger: LedgerApplication) -> int:
    """How many events are stored (notification ids may have gaps: PostgreSQL's sequence is not
    rolled back with a refused append)."""
    return len(ledger.recorder.select_notifications(start=1, limit=1_000_000))


def test_a_save_naming_an_aggregate_that_exists_is_refused_and_writes_nothing(
    ledger: LedgerApplication,
) -> None:
    setup_pool(ledger)
    before = stored(ledger)
    invoice = InvoiceRef.register(POOL, "INV-1", "D1", pm(), AT)
    with pytest.raises(IntegrityError):
        ledger.save(invoice, **{UNLESS_EXISTS: [uuid4(), pool_uuid(POOL)]})
    assert stored(ledger) == before
    # The connection is usable afterwards, and the same save without the guard succeeds.
    ledger.save(InvoiceRef.register(POOL, "INV-1", "D1", pm(), AT), **{UNLESS_EXISTS: [uuid4()]})
    assert stored(ledger) == before + 1


def test_a_save_naming_only_aggregates_that_do_not_exist_is_recorded(
    ledger: LedgerApplication,
) -> None:
    setup_pool(ledger)
    before = stored(ledger)
    ledger.save(InvoiceRef.register(POOL, "INV-1", "D1", pm(), AT),
                InvoiceRef.register(POOL, "INV-2", "D1", pm(), AT),
                **{UNLESS_EXISTS: [uuid4(), uuid4()]})
    assert stored(ledger) == before + 2


def test_eventsourcings_append_is_still_lock_notify_insert(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guarded PostgreSQL append takes the lock itself, then looks, then notifies and
    inserts through eventsourcing's own steps, leaving out its second lock. That holds only while
    eventsourcing's `_insert_stored_events` is exactly lock, notify, insert: a tripwire."""
    from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder

    steps: list[str] = []

    class Spy(PostgresApplicationRecorder):
        def __init__(self) -> None:  # no datastore: only the steps are recorded
            pass

        def _lock_table(self, curs: object) -> None:
            steps.append("lock")

        def _notify_channel(self, curs: object) -> None:
            steps.append("notify")

    monkeypatch.setattr(PostgresAggregateRecorder, "_insert_stored_events",
                        lambda self, curs, events, **kw: steps.append("insert"))
    Spy()._insert_stored_events(object(), [])  # type: ignore[arg-type]
    assert steps == ["lock", "notify", "insert"]
