"""Opening a ledger from the command line without creating, damaging or misreading one.

`open_existing` is for the commands that only read (verify, history, reports, exports, the
board pack): a missing SQLite file, a directory that does not exist, a file that is not a
ledger, a PostgreSQL schema without one, or an unknown pool is a clear error, and nothing is
created. A SQLite file the process cannot write is opened read-only: the read models are used as
they stand (`read_only_note` says how far behind the log they are). `open_for_writing` is for
`apply` and the projections: it makes a new ledger if asked, but refuses a directory that does
not exist, a file that is not SQLite and a database it may not write.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .application import Clock, LedgerApplication, open_ledger, utc_now
from .errors import DatabaseNotFoundError, DatabaseUnavailableError, LedgerError, StateError
from .persistence import (
    Database,
    at_rest_options,
    check_cipher,
    database,
    is_sqlite_file,
    setup_lock,
    sqlite_path,
)
from .redaction import redact

POSTGRES_EVENTS_TABLE = "pooledbudget_events"
SQLITE_EVENTS_TABLE = "stored_events"
READING_POOL_SIZE = "1"  # PostgreSQL connections a reading command's pool opens at first


def _check_sqlite_file(path: Path) -> None:
    if not path.parent.is_dir():
        raise DatabaseUnavailableError(
            f"no directory {str(path.parent)!r} for the SQLite database {str(path)!r}",
            field="db", code="database_directory_missing")
    if path.is_dir():
        raise DatabaseUnavailableError(f"{str(path)!r} is a directory, not a SQLite database",
                                       field="db", code="not_a_database")
    if path.exists() and path.stat().st_size and not is_sqlite_file(path):
        raise DatabaseUnavailableError(f"{str(path)!r} is not a SQLite database", field="db",
                                       code="not_a_database")


def writable(path: Path) -> bool:
    """SQLite writes the file and, beside it, its write-ahead log: both must be allowed."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def open_for_writing(url: str | None, *, clock: Clock = utc_now,
                     must_exist: bool = False) -> LedgerApplication:
    """A ledger to record into (created when missing, unless `must_exist`), after the checks a
    file needs."""
    db = database(url)
    path = sqlite_path(db)
    if path is not None:
        _check_sqlite_file(path)
        if must_exist and not path.exists():
            raise DatabaseNotFoundError(f"no ledger at {str(path)!r}: check --db", field="db")
        if path.exists() and not writable(path):
            raise DatabaseUnavailableError(
                f"the database {str(path)!r} is read-only: this command records, so it needs "
                "write access to the file and its directory", field="db",
                code="database_read_only")
    try:
        return open_ledger(url, clock=clock)
    except LedgerError:
        raise
    except Exception as error:
        if db.kind != "postgres":
            raise
        raise DatabaseUnavailableError(f"cannot connect to {redact(db.url)}: "
                                       f"{redact(' '.join(str(error).split()))}",
                                       field="db") from None


def open_existing(url: str | None, *, pool: str | None = None,
                  clock: Clock = utc_now) -> LedgerApplication:
    """A ledger that must already exist, opened without creating anything (read-only when the
    file cannot be written); with `pool`, that pool must exist in it."""
    db = database(url)
    path = sqlite_path(db)
    if path is not None:
        _check_sqlite_file(path)
        if not path.exists():
            raise DatabaseNotFoundError(
                f"no ledger at {str(path)!r}: check --db (reading commands never create a "
                "database; `pooledbudget apply` makes a new one)", field="db")
        if not writable(path):
            db = _read_only(db, path)
        _require_sqlite_ledger(db, path)
    elif db.kind == "sqlite":
        raise DatabaseNotFoundError("an in-memory database holds no ledger to read", field="db")
    # The ledger is there: a table a later version added to it may be made (an upgrade, as
    # opening it to record would), except in a file this process may not write.
    env = {**db.env, **at_rest_options(), "CREATE_TABLE": "n" if db.read_only else "y"}
    if db.kind == "postgres":
        # One reader, one connection: eventsourcing's pool opens five at once by default (each
        # a server process), more can still be made on demand. `$POSTGRES_POOL_SIZE` still rules.
        env["POSTGRES_POOL_SIZE"] = os.environ.get("POSTGRES_POOL_SIZE") or READING_POOL_SIZE
    with ExitStack() as stack:
        # PostgreSQL: the connection that finds the ledger then holds the setup lock (each
        # connection is a server process: about a fiftieth of a report's whole time).
        found = stack.enter_context(_postgres_ledger(db)) if db.kind == "postgres" else None
        with setup_lock(db, found):
            ledger = LedgerApplication(env=env, clock=clock, database=db)
    try:
        check_cipher(ledger)
        if pool is not None:
            require_pool(ledger, pool)
    except BaseException:
        ledger.close()
        raise
    return ledger


def require_pool(ledger: LedgerApplication, pool: str) -> None:
    from .aggregates import pool_uuid

    if not ledger.recorder.existing([pool_uuid(pool)]):  # type: ignore[attr-defined]
        raise StateError(f"no pool {pool!r} in this ledger (R5)", field="pool",
                         code="pool_not_found", rule="R5")


def _read_only(db: Database, path: Path) -> Database:
    """The same database through SQLite's read-only URI. A write-ahead log needs its shared-
    memory file: where neither exists nor can be made, the file is read as immutable."""
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    if not os.access(path.parent, os.W_OK):
        if wal.exists() and not shm.exists():
            raise DatabaseUnavailableError(
                f"the database {str(path)!r} is read-only and its write-ahead log cannot be read "
                "without a writable directory: copy the file and its -wal file elsewhere",
                field="db", code="database_read_only")
        if not wal.exists():
            uri += "&immutable=1"
    return replace(db, env={**db.env, "SQLITE_DBNAME": uri},
                   sqlalchemy_url=f"sqlite+pysqlite:///{uri}&uri=true", read_only=True)


def _require_sqlite_ledger(db: Database, path: Path) -> None:
    uri = db.env["SQLITE_DBNAME"] if db.read_only else f"file:{quote(str(path))}?mode=ro"
    try:
        with sqlite3.connect(uri, uri=True) as conn:
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                 (SQLITE_EVENTS_TABLE,)).fetchone()
        conn.close()
    except sqlite3.DatabaseError as error:
        raise DatabaseUnavailableError(f"cannot read {str(path)!r} as a SQLite database: {error}",
                                       field="db", code="not_a_database") from None
    if not found:
        raise DatabaseNotFoundError(f"{str(path)!r} holds no pooledbudget ledger", field="db")


@contextmanager
def _postgres_ledger(db: Database) -> Iterator[Any]:
    """An autocommit connection to the database, once its schema is found to hold a ledger."""
    import psycopg

    env = db.env
    table = f"{db.schema or 'public'}.{POSTGRES_EVENTS_TABLE}"
    try:
        conn = psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                               port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                               password=env["POSTGRES_PASSWORD"] or None, autocommit=True,
                               connect_timeout=10)
    except psycopg.Error as error:
        raise DatabaseUnavailableError(
            f"cannot connect to {redact(db.url)}: {redact(str(error).strip())}", field="db"
        ) from None
    with conn:
        try:
            row = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()
        except psycopg.Error as error:
            raise DatabaseUnavailableError(
                f"cannot connect to {redact(db.url)}: {redact(str(error).strip())}", field="db"
            ) from None
        if row is None or row[0] is None:
            where = f"schema {db.schema!r}" if db.schema else "the public schema"
            raise DatabaseNotFoundError(
                f"no ledger in {where} of {redact(db.url)}: check --db (reading commands never "
                "create one)", field="db")
        yield conn


def read_only_note(ledger: LedgerApplication) -> str | None:
    """What a report on a read-only database must say: its read models were not caught up."""
    if ledger.database is None or not ledger.database.read_only:
        return None
    from .projections import live_store

    store = live_store(ledger, follow=False)
    with store.transaction() as conn:
        position = store.position(conn, ledger.name) or 0
    behind = (ledger.recorder.max_notification_id() or 0) - position
    state = (f"they are {behind} event(s) behind the log" if behind > 0
             else "they were up to date with the log")
    return (f"note: the database is read-only, so the read models were not brought up to date "
            f"and may be behind ({state})")
