"""Conditional appends: a save that is refused if any of some given aggregates exists.

`app.save(*aggregates, unless_exists=[ids])` appends the aggregates' events only if none of the
aggregates `ids` has been created, checked inside the same transaction as the append and after
the lock that serialises appends — so the check and the append are one atomic step:

- PostgreSQL (`eventsourcing.postgres`): every append takes `LOCK TABLE … IN EXCLUSIVE MODE` (that
  is how eventsourcing keeps notification ids in commit order). The guard takes that lock first,
  then looks, then inserts; under READ COMMITTED each statement sees everything committed
  before it, and no other append can commit until this transaction ends.
- SQLite: the guard looks after the inserts, when the transaction already holds the database's
  single write lock; SQLite allows one writer at a time, and a writer reads the latest commit.

A command's append runs inside its write scope (writelock.py): the lock is already held from
before the command decided, and the append joins that transaction instead of opening its own.

A guarded id that exists raises `eventsourcing.persistence.IntegrityError` and nothing is written,
exactly like a version conflict, so the application's reload-and-retry loop applies unchanged.
The recorders are chosen through eventsourcing's `APPLICATION_RECORDER_TOPIC` setting
(`pooledbudget.persistence` sets it). Used to close the year-close/spend race (R17).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Notification, ProgrammingError, StoredEvent
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
)
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from . import log_index as ix
from .writelock import DEFAULT_LOCK_TIMEOUT, ScopedPostgresDatastore, ScopedSQLiteDatastore

UNLESS_EXISTS = "unless_exists"
SQLITE_RECORDER_TOPIC = "pooledbudget.guards:GuardedSQLiteRecorder"
POSTGRES_RECORDER_TOPIC = "pooledbudget.guards:GuardedPostgresRecorder"
FEW = 4  # aggregates brought up to date by prepared lookups rather than a join


class GuardedSaveRefused(IntegrityError):
    """An aggregate named in `unless_exists` exists: the save was rolled back."""


def _guarded(kwargs: dict[str, Any]) -> list[UUID]:
    ids: Iterable[UUID] = kwargs.get(UNLESS_EXISTS) or ()
    return list(dict.fromkeys(ids))


class GuardedSQLiteRecorder(SQLiteApplicationRecorder):
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
        for aggregate_id in _guarded(kwargs):
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

    def select_after(self, after: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """The events of several aggregates after the versions given, in one query."""
        one = (f"SELECT originator_id, originator_version, topic, state FROM "
               f"{self.events_table_name} WHERE originator_id = ? AND originator_version > ?")
        rows = []
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(after), 200):  # SQLite allows 500 terms in a compound
                chunk = after[start:start + 200]
                c.execute(" UNION ALL ".join([one] * len(chunk)),
                          [value for key, version in chunk for value in (key.hex, version)])
                rows += c.fetchall()
        events = [StoredEvent(originator_id=self.convert_originator_id(row["originator_id"]),
                              originator_version=row["originator_version"],
                              topic=row["topic"], state=row["state"]) for row in rows]
        return sorted(events, key=lambda e: (str(e.originator_id), e.originator_version))

    def select_stream(self, aggregate_id: UUID, after: int, limit: int,
                      stop: int) -> list[Notification]:
        """One aggregate's events after version `after` and up to notification id `stop`, with
        their ids (a range of the primary key, whose entries hold the rowid: as fast at the end
        of a long history as at its start)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT rowid, originator_version, topic, state FROM "
                      f"{self.events_table_name} WHERE originator_id = ? AND "
                      f"originator_version > ? AND rowid <= ? ORDER BY originator_version "
                      f"LIMIT ?", (aggregate_id.hex, after, stop, limit))
            return [Notification(id=row["rowid"], originator_id=aggregate_id,
                                 originator_version=row["originator_version"],
                                 topic=row["topic"], state=row["state"])
                    for row in c.fetchall()]

    def existing(self, ids: Sequence[UUID], stop: int | None = None) -> set[UUID]:
        """Which of these aggregates have been created (by notification id `stop`, if given):
        one query for a whole group."""
        found: set[UUID] = set()
        by, bound = ("", []) if stop is None else (" AND rowid <= ?", [stop])
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                c.execute(f"SELECT originator_id FROM {self.events_table_name} WHERE "
                          f"originator_version = 1{by} AND originator_id IN "
                          f"({','.join('?' * len(chunk))})",
                          [*bound, *(i.hex for i in chunk)])
                found.update(UUID(row["originator_id"]) for row in c.fetchall())
        return found


def _sqlite_value(value: Any) -> Any:
    return value.hex if isinstance(value, UUID) else value


class GuardedPostgresRecorder(PostgresApplicationRecorder):
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
        self.select_after_statement = self._on_table(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM unnest(%s::uuid[], %s::bigint[]) AS after(id, version) "
            "JOIN {schema}.{table} AS e ON e.originator_id = after.id "
            "AND e.originator_version > after.version "
            "ORDER BY e.originator_id, e.originator_version")
        self._few: dict[int, Composed] = {}
        self.select_stream_statement = self._on_table(
            "SELECT notification_id, originator_version, topic, state FROM {schema}.{table} "
            "WHERE originator_id = %s AND originator_version > %s AND notification_id <= %s "
            "ORDER BY originator_version LIMIT %s")
        self.existing_statement = self._on_table(
            "SELECT originator_id FROM {schema}.{table} WHERE originator_id = ANY(%s) "
            "AND originator_version = 1")
        self.existing_by_statement = self._on_table(
            "SELECT originator_id FROM {schema}.{table} WHERE originator_id = ANY(%s) "
            "AND originator_version = 1 AND notification_id <= %s")

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

    def _on_table(self, text: str) -> Composed:
        """A statement on this recorder's events table (`{schema}.{table}` in `text`)."""
        return SQL(text).format(schema=Identifier(self.datastore.schema),
                                table=Identifier(self.events_table_name))

    def select_stream(self, aggregate_id: UUID, after: int, limit: int,
                      stop: int) -> list[Notification]:
        """One aggregate's events after version `after` and up to notification id `stop`, with
        their ids (a range of the primary key, prepared: a by-key plan stays an index scan as
        the table grows)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return self.select_stream_on(curs, aggregate_id, after, limit, stop)

    def select_stream_on(self, curs: Cursor[DictRow], aggregate_id: UUID, after: int,
                         limit: int, stop: int) -> list[Notification]:
        curs.execute(self.select_stream_statement, (aggregate_id, after, stop, limit),
                     prepare=True)
        return [Notification(id=row["notification_id"], originator_id=aggregate_id,
                             originator_version=row["originator_version"],
                             topic=row["topic"], state=bytes(row["state"]))
                for row in curs.fetchall()]

    def existing(self, ids: Sequence[UUID], stop: int | None = None) -> set[UUID]:
        """Which of these aggregates have been created (by notification id `stop`, if given):
        one query for a whole group."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return self.existing_on(curs, ids, stop)

    def existing_on(self, curs: Cursor[DictRow], ids: Sequence[UUID],
                    stop: int | None = None) -> set[UUID]:
        if stop is None:
            curs.execute(self.existing_statement, (list(ids),), prepare=True)
        else:
            curs.execute(self.existing_by_statement, (list(ids), stop), prepare=True)
        return {row["originator_id"] for row in curs.fetchall()}

    def select_after(self, after: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """The events of several aggregates after the versions given, in one query."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return self.select_after_on(curs, after)

    def select_after_on(self, curs: Cursor[DictRow],
                        after: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        # A command's few aggregates: one prepared lookup by primary key per aggregate, in one
        # statement (faster than the join, 170 against 220 us). A group's many: the join,
        # planned afresh each time. Never the join prepared: its plan, cached on a pooled
        # connection while the table was small, hash-joined a sequential scan of the whole
        # table for as long as the connection lived (0011).
        if not after:
            return []
        few = len(after) <= FEW
        if few:
            curs.execute(self._select_few(len(after)),
                         [value for pair in after for value in pair], prepare=True)
        else:
            curs.execute(self.select_after_statement,
                         ([key for key, _ in after], [version for _, version in after]),
                         prepare=False)
        events = [StoredEvent(originator_id=row["originator_id"],
                              originator_version=row["originator_version"],
                              topic=row["topic"], state=bytes(row["state"]))
                  for row in curs.fetchall()]
        if few:  # the join's ORDER BY, for the few
            events.sort(key=lambda e: (e.originator_id, e.originator_version))
        return events

    def _select_few(self, count: int) -> Composed:
        statement = self._few.get(count)
        if statement is None:
            one = self._on_table("SELECT originator_id, originator_version, topic, state "
                                 "FROM {schema}.{table} "
                                 "WHERE originator_id = %s AND originator_version > %s")
            statement = self._few[count] = SQL(" UNION ALL ").join([one] * count)
        return statement

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
        guarded = _guarded(kwargs)
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
