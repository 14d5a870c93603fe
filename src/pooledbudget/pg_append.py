"""PostgreSQL's append of a group's events as four typed arrays sent in binary.

eventsourcing inserts a save's events with one statement, `unnest` of an array of a composite
type; psycopg writes that array as text, escaping every event's state byte by byte in Python
(regular expressions over the hex of each byte string). For a group of a feed that was a sixth of
the import's time, more than every round trip of the group together (decision 0032). The same
single INSERT here takes the ids, versions, topics and states as four arrays in binary, which
psycopg copies as they are: one statement, the same rows in the same order, the same notification
ids returned in order, inside the same pipeline, lock and transaction as before (guards.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow

from .guards import GuardedPostgresRecorder

RECORDER_TOPIC = "pooledbudget.pg_append:ArrayAppendPostgresRecorder"


class ArrayAppendPostgresRecorder(GuardedPostgresRecorder):
    """The guarded recorder, appending through typed arrays instead of a composite array."""

    def __init__(self, datastore: PostgresDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        # unnest of several arrays yields their rows in order, and the rows are inserted (and
        # numbered by the sequence) in that order, as eventsourcing's composite unnest is.
        self.insert_arrays_statement = self._on_table(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id")

    def _insert_rows(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent],
                     **kwargs: Any) -> None:
        curs.execute(self.insert_arrays_statement,
                     ([e.originator_id for e in stored_events],
                      [e.originator_version for e in stored_events],
                      [e.topic for e in stored_events],
                      [bytes(e.state) for e in stored_events]), prepare=True)

    def _insert_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> None:
        """eventsourcing's own append outside a write scope and unguarded: lock, notify, and
        the INSERT above."""
        self._lock_table(curs)
        self._notify_channel(curs)
        self._insert_rows(curs, stored_events, **kwargs)
