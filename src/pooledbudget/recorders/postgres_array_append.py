"""PostgreSQL's append of a group's events as four typed arrays sent in binary.

eventsourcing inserts a save's events with one statement, `unnest` of an array of a composite
type; psycopg writes that array as text, escaping every event's state byte by byte in Python
(regular expressions over the hex of each byte string). For a group of a feed that was a sixth of
the import's time, more than every round trip of the group together (decision 0032). The same
single INSERT here takes the ids, versions, topics and states as four arrays in binary, which
psycopg copies as they are: one statement, the same rows in the same order, the same notification
ids returned in order, inside the same pipeline, lock and transaction as before (postgres.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed

from .. import log_index as ix
from .postgres import GuardedPostgresRecorder

ARRAY_TEMPLATES = frozenset({ix.INSERT_LINKS_POSTGRES, ix.LAST_LINKS_POSTGRES})


def _binary(statement: Composed) -> Composed:
    """The statement with every parameter sent in binary (`%b` for `%s`)."""
    return Composed([SQL(part.as_string().replace("%s", "%b")) if isinstance(part, SQL)
                     else part for part in statement])


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
        # The group's look-ups and the pool links' INSERT pass whole arrays of ids too: sent
        # in binary, each is copied rather than escaped element by element.
        for name in ("guard_statement", "select_after_statement", "existing_statement",
                     "existing_by_statement"):
            setattr(self, name, _binary(getattr(self, name)))

    def _index_sql(self, template: str) -> Composed:
        statement = super()._index_sql(template)
        return _binary(statement) if template in ARRAY_TEMPLATES else statement

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
