"""PostgreSQL's side of the write lock (writelock.py): `LOCK TABLE … IN EXCLUSIVE MODE` taken at
the start of the scope, with the wait bounded by `lock_timeout`. Kept apart so that a SQLite
ledger never loads psycopg."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import psycopg
from eventsourcing import persistence as es
from eventsourcing.postgres import PostgresDatastore
from psycopg import Connection
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Literal

from .writelock import _Scoped, _timed_out, _translated

_POSTGRES_ERRORS: list[tuple[type[Exception], type[Exception]]] = [
    (psycopg.InterfaceError, es.InterfaceError), (psycopg.OperationalError, es.OperationalError),
    (psycopg.DataError, es.DataError), (psycopg.IntegrityError, es.IntegrityError),
    (psycopg.InternalError, es.InternalError), (psycopg.ProgrammingError, es.ProgrammingError),
    (psycopg.NotSupportedError, es.NotSupportedError), (psycopg.DatabaseError, es.DatabaseError),
    (psycopg.Error, es.PersistenceError),
]


class ScopedPostgresDatastore(_Scoped, PostgresDatastore):
    """eventsourcing's PostgreSQL datastore whose connections join the thread's write scope."""

    @contextmanager
    def write_scope(self, timeout: float, lock: Composable) -> Iterator[None]:
        """`lock` is the statement that takes the table lock (`LOCK TABLE …`)."""
        with self._queued(timeout, lambda started: self._turn_taken(started, timeout, lock)):
            yield

    @contextmanager
    def _turn_taken(self, started: float, timeout: float, lock: Composable) -> Iterator[None]:
        held = self._held
        remaining = timeout - (time.monotonic() - started)
        begin = SQL("BEGIN; SET LOCAL lock_timeout = {}; {}").format(
            Literal(f"{max(1, int(remaining * 1000))}ms"), lock)
        with super().get_connection() as conn:
            try:
                conn.execute(begin)
            except psycopg.errors.LockNotAvailable as error:
                _rollback(conn)
                raise _timed_out(time.monotonic() - started) from error
            except BaseException:
                _rollback(conn)
                raise
            held.connection = conn
            try:
                yield
            except BaseException:
                held.connection = None
                _rollback(conn)
                raise
            held.connection = None
            try:
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise

    @contextmanager
    def get_connection(self) -> Iterator[Connection[DictRow]]:
        conn: Connection[DictRow] | None = self._held.connection
        if conn is None:
            with super().get_connection() as fresh:
                yield fresh
            return
        with _translated(_POSTGRES_ERRORS):
            yield conn

    @contextmanager
    def transaction(self, *, commit: bool = False) -> Iterator[psycopg.Cursor[DictRow]]:
        conn: Connection[DictRow] | None = self._held.connection
        if conn is None:
            with super().transaction(commit=commit) as curs:
                yield curs
            return
        # Inside the scope: its transaction, committed or rolled back when the scope ends.
        with _translated(_POSTGRES_ERRORS), conn.cursor() as curs:
            yield curs


def _rollback(conn: Connection[Any]) -> None:
    with suppress(psycopg.Error):
        conn.execute("ROLLBACK")
