"""The PostgreSQL recorder: guarded appends (guard.py) pipelined with eventsourcing's own, the
pool links written in the append's transaction (log_index.py), and the write scope
(writelock.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresDatastore
from eventsourcing.utils import register_topic
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from .. import log_index as ix
from ..writelock import DEFAULT_LOCK_TIMEOUT
from ..writelock_postgres import ScopedPostgresDatastore
from .guard import GuardedSaveRefused
from .guard import guarded as guarded_by
from .postgres_fast_reads import PostgresFastReads


class GuardedPostgresRecorder(PostgresFastReads):
    index_backend = "postgres"

    def __init__(self, datastore: PostgresDatastore, events_table_name: str = "stored_events"):
        if not isinstance(datastore, ScopedPostgresDatastore):
            ScopedPostgresDatastore.adopt(datastore)
        super().__init__(datastore, events_table_name=events_table_name)
        self.lock_timeout = DEFAULT_LOCK_TIMEOUT
        self.sql_create_statements += [self._index_sql(s) for s in ix.POSTGRES_CREATE]
        self._appending = threading.local()  # the append in progress on this thread
        self.guard_statement = self._on_table(
            "SELECT originator_id FROM {schema}.{table} "
            "WHERE originator_id = ANY(%s) AND originator_version = 1 LIMIT 1")

    @contextmanager
    def write_scope(self) -> Iterator[None]:
        """The events table's lock, held until the block ends (see writelock.py)."""
        datastore: ScopedPostgresDatastore = self.datastore  # type: ignore[assignment]
        lock = self.lock_table_statements[1]
        assert isinstance(lock, Composed)
        with datastore.write_scope(self.lock_timeout, lock):
            yield

    def _index_sql(self, template: str) -> Composed:
        schema = self.datastore.schema
        names = ix.table_names(self.events_table_name)
        return SQL(template.replace("?", "%s")).format(
            streams_index=Identifier(f"{names['streams']}_pool"),
            **{key: Identifier(schema, name) for key, name in names.items()})

    def index_rows(self, template: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        """Rows of the links, stream index or settings (`log_index` writes the statements)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._index_sql(template), list(params), prepare=True)
            return [dict(row) for row in curs.fetchall()]

    def index_write(self, template: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with self.datastore.transaction(commit=True) as curs:
            curs.executemany(self._index_sql(template), rows)

    def _lock_table(self, curs: Cursor[DictRow]) -> None:
        """The table lock, then (when the append carries index entries) the look-up of its
        pools' last links, sent in the same pipeline: answered with the inserts' sync, after
        the lock, so no round trip of its own and no append in between."""
        super()._lock_table(curs)
        entries = getattr(self._appending, "entries", None)
        if entries:
            look = curs.connection.cursor()
            look.execute(self._index_sql(ix.LAST_LINKS_POSTGRES),
                         (list(dict.fromkeys(entry.pool for entry in entries)),), prepare=True)
            self._appending.look = look

    def _fetch_ids_after_insert_events(self, curs: Cursor[DictRow],
                                       stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        """The notification ids, then each event's link onto its pool's last one (looked up
        after the lock) and the stream index's rows, queued in the append's transaction."""
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        entries = kwargs.get(ix.LOG_INDEX)
        look = getattr(self._appending, "look", None)
        self._appending.look = None
        if not entries or ids is None or look is None:
            return ids
        with look:
            last = {row["pool_id"]: (int(row["seq"]), row["link"]) for row in look.fetchall()}
        links = ix.new_links(entries, stored_events, ids, last)
        curs.execute(self._index_sql(ix.INSERT_LINKS_POSTGRES),  # one statement for them all
                     ([k.pool for k in links], [k.seq for k in links],
                      [k.notification_id for k in links], [k.aggregate_id for k in links],
                      [k.version for k in links], [k.link for k in links]), prepare=True)
        streams = ix.new_streams(entries, stored_events, ids)
        if streams:
            curs.executemany(self._index_sql(ix.INSERT_STREAM), streams)
        return ids

    def _insert_rows(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent],
                     **kwargs: Any) -> None:
        """The INSERT alone (the lock and notify are sent already): eventsourcing's own."""
        PostgresAggregateRecorder._insert_stored_events(self, curs, stored_events, **kwargs)

    def guard_look(self, curs: Cursor[DictRow], guarded: Sequence[UUID]) -> None:
        """Sends the guard's look; its answer is fetched from `curs` after the sync."""
        curs.execute(self.guard_statement, (guarded,), prepare=True)

    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        """eventsourcing's pipelined append (lock, notify, insert, one sync), with the guard's
        look sent in the same pipeline after the lock and before the inserts: no round trip or
        lock of its own. (After the inserts, a refused insert would abort the look queued
        behind it, and the pipeline with it.) Its answer is read after the sync; a guarded
        aggregate that exists raises inside the transaction block, which rolls the append
        back."""
        self._appending.entries = kwargs.get(ix.LOG_INDEX)
        self._appending.look = None
        try:
            return self._insert_guarded(stored_events, **kwargs)
        finally:
            self._appending.entries = None

    def _insert_guarded(self, stored_events: Sequence[StoredEvent],
                        **kwargs: Any) -> Sequence[int] | None:
        guarded = guarded_by(kwargs)
        datastore: ScopedPostgresDatastore = self.datastore  # type: ignore[assignment]
        if datastore.in_write_scope():
            return self._insert_in_scope(stored_events, guarded, **kwargs)
        if not guarded:
            notification_ids: Sequence[int] | None = super().insert_events(stored_events,
                                                                            **kwargs)
            return notification_ids
        if self.datastore.enable_db_functions:
            # That path appends through a database function and never reaches the guard.
            raise ProgrammingError("guarded saves need POSTGRES_ENABLE_DB_FUNCTIONS off")
        failed: Exception | None = None
        ids: Sequence[int] | None = None
        with self.datastore.get_connection() as conn:
            with conn.pipeline() as pipeline, conn.transaction(), conn.cursor() as guard:
                self._lock_table(guard)  # held until commit
                self.guard_look(guard, guarded)  # sees every commit before the lock
                with conn.cursor() as curs:
                    try:
                        # eventsourcing's `_insert_stored_events` is lock, notify, insert: the
                        # lock is taken above, so notify and insert without locking again.
                        self._notify_channel(curs)
                        self._insert_rows(curs, stored_events, **kwargs)
                        pipeline.sync()
                        ids = self._fetch_ids_after_insert_events(curs, stored_events,
                                                                  **kwargs)
                    except Exception as error:  # as eventsourcing: raised after the pipeline
                        failed = error
                if failed is None and (row := guard.fetchone()) is not None:
                    raise GuardedSaveRefused(f"{row['originator_id']} exists; save refused")
            if failed is not None:
                raise failed
        return ids

    def _insert_in_scope(self, stored_events: Sequence[StoredEvent], guarded: Sequence[UUID],
                         **kwargs: Any) -> Sequence[int] | None:
        """The append inside a write scope: the table is locked and the transaction open
        already, so the guard's look, the notify and the inserts go in one pipeline, with no
        lock or transaction of their own; any error rolls the whole scope back."""
        failed: Exception | None = None
        ids: Sequence[int] | None = None
        with self.datastore.get_connection() as conn:
            with conn.pipeline() as pipeline, conn.cursor() as guard, conn.cursor() as curs:
                try:
                    # The lock is held already (taking it again is instant); `_lock_table` also
                    # sends the pool links' look-up, which the append's links need.
                    self._lock_table(guard)
                    if guarded:
                        self.guard_look(guard, guarded)
                    self._notify_channel(curs)
                    self._insert_rows(curs, stored_events, **kwargs)
                    pipeline.sync()
                    ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
                except Exception as error:  # as eventsourcing: raised after the pipeline
                    failed = error
                if failed is None and guarded and (row := guard.fetchone()) is not None:
                    failed = GuardedSaveRefused(f"{row['originator_id']} exists; save refused")
            if failed is not None:
                raise failed
        return ids


# The topic before the recorders moved here, for a setting that still names it.
register_topic("pooledbudget.guards:GuardedPostgresRecorder", GuardedPostgresRecorder)
