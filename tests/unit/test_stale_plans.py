"""PostgreSQL: the ledger's by-id look-ups stay index scans as the log grows under them.

A statement prepared on a pooled connection keeps its generic plan for as long as the
connection lives, until the table's statistics change. Planned while the events table was
small, `select_after` hash-joined a sequential scan of the whole table, and every command paid
for the whole history (13-18 ms a spend at 100,000 events instead of 1.5; decision 0011). Each
look-up is run here many times on one connection while the table is small, the table is then
grown without new statistics (autovacuum runs once a minute), and the look-up is run again:
the events table must be read through its index only. No timing is involved: the server's own
per-transaction scan counters say how the table was read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from conftest import pg_schema_url
from pooledbudget import open_ledger
from pooledbudget.application import LedgerApplication
from pooledbudget.recorders import GuardedPostgresRecorder
from pooledbudget.recorders.postgres_fast_reads import FEW

GROWN_TO = 20_000  # events added after the plans were made: a seq scan would read them all


@pytest.fixture
def pg_ledger(request: pytest.FixtureRequest) -> Iterator[LedgerApplication]:
    with pg_schema_url(request) as url:
        ledger = open_ledger(url)
        try:
            yield ledger
        finally:
            ledger.close()


def _lookups(recorder: GuardedPostgresRecorder) -> dict[str, Callable[[Cursor[DictRow]], Any]]:
    ids = [uuid4() for _ in range(3)]
    many = [uuid4() for _ in range(FEW + 1)]  # a group's: the join

    def guard(curs: Cursor[DictRow]) -> Any:
        recorder.guard_look(curs, ids)
        return curs.fetchall()

    return {
        "select_after": lambda curs: recorder.select_after_on(curs, [(i, 1) for i in ids]),
        "select_after_many": lambda curs: recorder.select_after_on(curs, [(i, 1) for i in many]),
        "existing": lambda curs: recorder.existing_on(curs, ids),
        "existing_by": lambda curs: recorder.existing_on(curs, ids, 10**12),
        "select_stream": lambda curs: recorder.select_stream_on(curs, ids[0], 0, 1000, 10**12),
        "guard": guard,
    }


def _grow(recorder: GuardedPostgresRecorder, events: int) -> None:
    """Appends events of new aggregates straight into the table (no ANALYZE follows)."""
    table = SQL("{}.{}").format(Identifier(recorder.datastore.schema),
                                Identifier(recorder.events_table_name))
    with recorder.datastore.get_connection() as conn:
        conn.execute(SQL("INSERT INTO {} (originator_id, originator_version, topic, state) "
                         "SELECT gen_random_uuid(), 1, 'test:Grown', '\\x00'::bytea "
                         "FROM generate_series(1, %s)").format(table), (events,))


def _scans(curs: Cursor[DictRow], recorder: GuardedPostgresRecorder) -> tuple[int, int]:
    curs.execute("SELECT seq_scan, coalesce(idx_scan, 0) AS idx_scan "
                 "FROM pg_stat_xact_user_tables WHERE schemaname = %s AND relname = %s",
                 (recorder.datastore.schema, recorder.events_table_name))
    row = curs.fetchone()
    assert row is not None
    return int(row["seq_scan"]), int(row["idx_scan"])


@pytest.mark.parametrize("lookup", ["select_after", "select_after_many", "existing",
                                    "existing_by", "select_stream", "guard"])
def test_lookups_read_the_index_after_the_log_grows(pg_ledger: LedgerApplication,
                                                   lookup: str) -> None:
    recorder = pg_ledger.recorder
    assert isinstance(recorder, GuardedPostgresRecorder)
    run = _lookups(recorder)[lookup]
    with recorder.datastore.get_connection() as conn:
        with conn.cursor() as curs:
            for _ in range(12):  # past the five custom plans after which a generic one is kept
                run(curs)
        _grow(recorder, GROWN_TO)
        with conn.transaction(), conn.cursor() as curs:
            before = _scans(curs, recorder)
            run(curs)
            seq_scans, idx_scans = (a - b for a, b in zip(_scans(curs, recorder), before,
                                                          strict=True))
    assert seq_scans == 0, f"{lookup} read all {GROWN_TO} grown events with a sequential scan"
    assert idx_scans >= 1


def test_the_lookups_still_find_what_is_there_after_growth(pg_ledger: LedgerApplication) -> None:
    """The scan counters above are only worth something if the look-ups answer rightly on the
    grown table: a stored aggregate's later events, by both paths and as a stream, and its
    existence."""
    recorder = pg_ledger.recorder
    assert isinstance(recorder, GuardedPostgresRecorder)
    known = uuid4()
    recorder.insert_events([StoredEvent(originator_id=known, originator_version=v,
                                        topic="test:Known", state=b"\x01") for v in (1, 2, 3)])
    _grow(recorder, 500)
    others = [(uuid4(), 0) for _ in range(FEW)]
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        few = recorder.select_after_on(curs, [(known, 1)])
        many = recorder.select_after_on(curs, [(known, 1), *others])
        found = recorder.existing_on(curs, [known, uuid4()])
        found_by = recorder.existing_on(curs, [known, uuid4()], 10**12)
        stream = recorder.select_stream_on(curs, known, 1, 1000, 10**12)
    assert [(e.originator_id, e.originator_version) for e in few] == [(known, 2), (known, 3)]
    assert found_by == {known}
    assert [(n.originator_id, n.originator_version) for n in stream] == [(known, 2), (known, 3)]
    assert [(e.originator_id, e.originator_version) for e in many] == [(known, 2), (known, 3)]
    assert found == {known}
    assert recorder.max_notification_id() >= 503
