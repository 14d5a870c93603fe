"""One writer at a time: the database's write lock, taken before a command reads the clock.

A command runs inside `write_scope()`: the scope takes the database's one write lock, then the
command reads the recording clock, loads what it needs, decides and saves, and the scope
commits. Every read inside the scope goes through the scope's own connection and transaction,
so it sees every commit before the lock and none can follow until the scope ends: decisions never
race, and recording time follows log order however many threads or processes write.

- SQLite: `BEGIN IMMEDIATE` takes the database's write lock (other processes' attempts are
  retried every millisecond or two); threads of one process queue for their turn first.
- PostgreSQL: `LOCK TABLE … IN EXCLUSIVE MODE` on the events table, the lock every eventsourcing
  append takes to keep notification ids in commit order, taken at the start instead of at the
  insert; threads of one process queue for their turn first. Plain reads are not blocked by it.

The wait is bounded (`lock_timeout` seconds); running out raises `WriteLockTimeoutError` and
nothing is written. Scopes nest: an inner one joins the outer one's transaction.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

from eventsourcing import persistence as es
from eventsourcing.sqlite import SQLiteConnection, SQLiteCursor, SQLiteDatastore

from .errors import WriteLockTimeoutError

DEFAULT_LOCK_TIMEOUT = 30.0
LOCK_TIMEOUT_VARIABLE = "POOLEDBUDGET_LOCK_TIMEOUT"


def _timed_out(waited: float) -> WriteLockTimeoutError:
    return WriteLockTimeoutError(
        f"waited {waited:.1f} s for the database's write lock while other writers held it; "
        f"nothing was written. Try again, or allow a longer wait (lock_timeout, "
        f"{LOCK_TIMEOUT_VARIABLE})")


# eventsourcing's own translation of driver errors, which its transactions apply on the way out.
_SQLITE_ERRORS: list[tuple[type[Exception], type[Exception]]] = [
    (sqlite3.InterfaceError, es.InterfaceError), (sqlite3.DataError, es.DataError),
    (sqlite3.OperationalError, es.OperationalError), (sqlite3.IntegrityError, es.IntegrityError),
    (sqlite3.InternalError, es.InternalError), (sqlite3.ProgrammingError, es.ProgrammingError),
    (sqlite3.NotSupportedError, es.NotSupportedError), (sqlite3.DatabaseError, es.DatabaseError),
    (sqlite3.Error, es.PersistenceError),
]


@contextmanager
def _translated(table: list[tuple[type[Exception], type[Exception]]]) -> Iterator[None]:
    try:
        yield
    except Exception as error:
        for driver, ours in table:
            if isinstance(error, driver):
                raise ours(error) from error
        raise


class _Held(threading.local):
    connection: Any = None
    depth: int = 0


class _Scoped:
    """What both datastores share: the thread's scope, re-entered by nested writes, and the
    in-process queue of writers. The threads of a process queue here rather than in the
    connection pool, so a waiting writer holds no connection and readers never wait behind it;
    processes queue at the database's own lock (`_turn_taken`, per backend)."""

    _held: _Held

    _turn: threading.Lock

    @classmethod
    def adopt(cls, datastore: Any) -> None:
        datastore.__class__ = cls
        datastore._held = _Held()  # noqa: SLF001
        datastore._turn = threading.Lock()  # noqa: SLF001

    def in_write_scope(self) -> bool:
        return self._held.connection is not None

    @contextmanager
    def _queued(self, timeout: float,
                take_turn: Callable[[float], AbstractContextManager[None]]) -> Iterator[None]:
        """The write scope: joined if this thread is inside one, else waited for in turn;
        `take_turn(started)` takes the database's lock and holds it for the scope."""
        held = self._held
        if held.connection is not None:
            held.depth += 1
            try:
                yield
            finally:
                held.depth -= 1
            return
        started = time.monotonic()
        if not self._turn.acquire(timeout=timeout):
            raise _timed_out(time.monotonic() - started)
        try:
            with take_turn(started):
                yield
        finally:
            self._turn.release()


class ScopedSQLiteDatastore(_Scoped, SQLiteDatastore):
    """eventsourcing's SQLite datastore whose transactions join the thread's write scope."""

    @contextmanager
    def write_scope(self, timeout: float) -> Iterator[None]:
        with self._queued(timeout, lambda started: self._turn_taken(started, timeout)):
            yield

    @contextmanager
    def _turn_taken(self, started: float, timeout: float) -> Iterator[None]:
        held = self._held
        try:
            conn = self.pool.get_connection(timeout=max(0.0, timeout - (time.monotonic() -
                                                                           started)),
                                            is_writer=True)
        except es.ConnectionUnavailableError as error:
            raise _timed_out(time.monotonic() - started) from error
        raw: sqlite3.Connection = conn._sqlite_conn  # noqa: SLF001
        try:
            _begin_immediate(raw, started, timeout)
            held.connection = conn
            try:
                yield
            except BaseException:
                with suppress(sqlite3.Error):
                    raw.rollback()
                raise
            finally:
                held.connection = None
            with _translated(_SQLITE_ERRORS):
                raw.commit()
        finally:
            with suppress(sqlite3.Error):
                raw.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout() * 1000)}")
            self.pool.put_connection(conn)

    def _busy_timeout(self) -> float:
        return float(self.pool.lock_timeout or 5)

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[SQLiteCursor]:
        conn: SQLiteConnection | None = self._held.connection
        if conn is None:
            with super().transaction(commit=commit) as curs:
                yield curs
            return
        # Inside the scope: its transaction, committed or rolled back when the scope ends.
        cursor = conn.cursor()
        with _translated(_SQLITE_ERRORS), cursor:
            yield cursor

    @contextmanager
    def get_connection(self, *, commit: bool) -> Iterator[SQLiteConnection]:
        conn: SQLiteConnection | None = self._held.connection
        if conn is None:
            with super().get_connection(commit=commit) as fresh:
                yield fresh
            return
        yield conn


def _begin_immediate(raw: sqlite3.Connection, started: float, timeout: float) -> None:
    """`BEGIN IMMEDIATE`, tried again every millisecond or two until `timeout` has passed since
    `started`. (SQLite's own busy handler sleeps longer and longer, up to 100 ms a time, so
    under several writer processes an unlucky one kept missing its turn: p99 of a spend with 8
    writers 1.6 s, p50 18 ms.) The busy timeout is the whole wait again once inside."""
    raw.execute("PRAGMA busy_timeout = 0")
    while True:
        try:
            raw.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise es.OperationalError(error) from error
            if time.monotonic() - started >= timeout:
                raise _timed_out(time.monotonic() - started) from error
            time.sleep(random.uniform(0.0005, 0.002))
    raw.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
