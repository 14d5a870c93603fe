"""`open_ledger`: a ledger on a database, its tables created, its cipher key checked."""

from __future__ import annotations

from ..errors import LedgerError
from ..persistence import (
    Database,
    at_rest_options,
    check_cipher,
    database,
    lock_timeout_setting,
    prepare,
    setup_lock,
    timeout_env,
)
from .results import Clock, utc_now
from .service import LedgerApplication


def open_ledger(url: str | None = None, *, clock: Clock = utc_now,
                cache_size: int = 1000, lock_timeout: float | None = None) -> LedgerApplication:
    """A ledger on the database at `url` (default `$POOLEDBUDGET_DB`, else a SQLite file).

    One ledger may be shared by the threads of a process (docs/developers/concurrency.md).
    `lock_timeout`: how many seconds a command waits for its turn to write while others write
    (default `$POOLEDBUDGET_LOCK_TIMEOUT`, else 30) before `WriteLockTimeoutError`."""
    timeout = lock_timeout_setting(lock_timeout)
    db: Database = database(url)
    prepare(db)
    env = {**db.env, **at_rest_options(), **timeout_env(db, timeout)}
    env["AGGREGATE_CACHE_MAXSIZE"] = str(cache_size)
    env["CREATE_TABLE"] = "y"
    with setup_lock(db):  # several processes may open a fresh database at once
        app = LedgerApplication(env=env, clock=clock, database=db, lock_timeout=timeout)
    try:
        check_cipher(app)  # a missing or wrong key is refused before anything is misread
    except LedgerError:
        app.close()
        raise
    return app
