"""The SQLite recorder: guarded appends (guard.py), the pool links written in the append's
transaction (log_index.py), and the write scope (writelock.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore

from .. import log_index as ix
from ..writelock import DEFAULT_LOCK_TIMEOUT, ScopedSQLiteDatastore
from .guard import GuardedSaveRefused, guarded
from .sqlite_fast_reads import SQLiteFastReads


class GuardedSQLiteRecorder(SQLiteFastReads):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        if not isinstance(datastore, ScopedSQLiteDatastore):
            ScopedSQLiteDatastore.adopt(datastore)
        super().__init__(datastore, events_table_name)
        self.lock_timeout = DEFAULT_LOCK_TIMEOUT
        self.guard_statement = (f"SELECT originator_id FROM {self.events_table_name} "
                                "WHERE originator_id = ? AND originator_version = 1")

    index_backend = "sqlite"

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                *(self._index_sql(s) for s in ix.SQLITE_CREATE)]

    def _index_sql(self, template: str) -> str:
        return template.format(**ix.table_names(self.events_table_name))

    def index_rows(self, template: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        """Rows of the links, stream index or settings (`log_index` writes the statements)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._index_sql(template), [_sqlite_value(p) for p in params])
            return [dict(row) for row in c.fetchall()]

    def index_write(self, template: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.write_scope(), self.datastore.transaction(commit=True) as c:
            c.executemany(self._index_sql(template),
                          [[_sqlite_value(v) for v in row] for row in rows])

    def create_table(self) -> None:
        """Under the write lock, waited for like any writer's: a ledger opened while another
        writes would otherwise meet SQLite's "database is locked" at once (a deferred
        transaction that must upgrade to write is refused without waiting)."""
        with self.write_scope():
            super().create_table()

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        # The inserts above took SQLite's write lock, so this sees the latest commit.
        for aggregate_id in guarded(kwargs):
            c.execute(self.guard_statement, (aggregate_id.hex,))
            if c.fetchone() is not None:
                raise GuardedSaveRefused(f"{aggregate_id} exists; save refused")
        entries = kwargs.get(ix.LOG_INDEX)
        if entries and notification_ids is not None:
            self._link(c, entries, stored_events, notification_ids)
        return notification_ids

    @contextmanager
    def write_scope(self) -> Iterator[None]:
        """The database's write lock, held until the block ends (see writelock.py)."""
        datastore: ScopedSQLiteDatastore = self.datastore  # type: ignore[assignment]
        with datastore.write_scope(self.lock_timeout):
            yield

    def _link(self, c: SQLiteCursor, entries: Sequence[ix.IndexEntry],
              stored_events: Sequence[StoredEvent], notification_ids: Sequence[int]) -> None:
        """Each event's link onto its pool's last one (read under the write lock), and the
        stream index's rows, in the append's transaction."""
        last: dict[str, tuple[int, str]] = {}
        for pool in dict.fromkeys(entry.pool for entry in entries):
            c.execute(self._index_sql(ix.LAST_LINK), (pool,))
            row = c.fetchone()
            if row is not None:
                last[pool] = (row["seq"], row["link"])
        links = ix.new_links(entries, stored_events, notification_ids, last)
        c.executemany(self._index_sql(ix.INSERT_LINK),
                      [(k.pool, k.seq, k.notification_id, k.aggregate_id.hex, k.version, k.link)
                       for k in links])
        streams = ix.new_streams(entries, stored_events, notification_ids)
        if streams:
            c.executemany(self._index_sql(ix.INSERT_STREAM),
                          [(i.hex, *rest) for i, *rest in streams])


def _sqlite_value(value: Any) -> Any:
    return value.hex if isinstance(value, UUID) else value

