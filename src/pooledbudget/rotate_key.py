"""`pooledbudget rotate-key`: the stored events re-encrypted under a new key, in one transaction.

The old key is `$POOLEDBUDGET_CIPHER_KEY` (unset: the events are plain and get encrypted), the
new one `$POOLEDBUDGET_NEW_CIPHER_KEY` (set to the empty string: they are decrypted), so neither
appears on a command line. Hashes are over the plain content, so the chains do not change: the
log is verified before (a damaged log is not rewritten) and after, with the new key.

The read models are then rebuilt as the new key wants them (none of their free text under a key,
decision 0029), and the database compacted so that neither the old plaintext nor the old key's
ciphertext survives in free space: SQLite's VACUUM, PostgreSQL's VACUUM FULL of the schema's
tables (PostgreSQL's own write-ahead log and any backups still hold them until recycled).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .cli_options import add_db_option
from .errors import CipherKeyError, LedgerError
from .persistence import CIPHER_KEY_VARIABLE, check_key

NEW_KEY_VARIABLE = "POOLEDBUDGET_NEW_CIPHER_KEY"
Transcode = Callable[[bytes], bytes]


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "rotate-key", help=f"re-encrypt every stored event with ${NEW_KEY_VARIABLE} "
                           f"(the old key is ${CIPHER_KEY_VARIABLE})")
    add_db_option(parser)
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    new = os.environ.get(NEW_KEY_VARIABLE)
    if new is None:
        raise CipherKeyError(f"set ${NEW_KEY_VARIABLE} to the new key (`pooledbudget new-key`), "
                             "or to the empty string to store the events unencrypted",
                             field=NEW_KEY_VARIABLE, code="cipher_key_missing")
    if new:
        check_key(new)
    result = rotate_key(args.db, new or None)
    print(json.dumps(result, indent=2))
    return 0


def rotate_key(url: str | None, new_key: str | None) -> dict[str, Any]:
    """Re-encrypts every stored event of the ledger at `url` from the current key to `new_key`
    (None: plain). Refuses a log that does not verify; verifies again with the new key."""
    from .audit.verify import verify
    from .opening import open_existing
    from .projections import rebuild

    ledger = open_existing(url)
    try:
        if ledger.database is not None and ledger.database.read_only:
            raise LedgerError("the database is read-only: rotate-key rewrites every event",
                              field="db", code="database_read_only")
        before = verify(ledger)
        if not before.ok:
            raise LedgerError("the log does not verify: not re-encrypting it (run verify)",
                              field="db", code="verification_failed")
        to_plain = _reader(ledger.mapper)
        db = ledger.database
    finally:
        ledger.close()
    assert db is not None
    to_new = _writer(new_key)
    rewritten = _rewrite(db, lambda state: to_new(to_plain(state)))
    previous = os.environ.get(CIPHER_KEY_VARIABLE)
    os.environ[CIPHER_KEY_VARIABLE] = new_key or ""
    try:
        ledger = open_existing(url)
        try:
            after = verify(ledger)
            rebuild(ledger)
        finally:
            ledger.close()
    finally:
        if previous is None:
            os.environ.pop(CIPHER_KEY_VARIABLE, None)
        else:
            os.environ[CIPHER_KEY_VARIABLE] = previous
    problem = _compact(db)
    result: dict[str, Any] = {
        "ok": after.ok, "events_reencrypted": rewritten, "verified_before": before.events_checked,
        "verified_after": after.events_checked, "encrypted": new_key is not None,
        "compacted": problem is None}
    if problem is not None:
        result["next_step"] = problem
    return result


def _compact(db: Any) -> str | None:
    """The old states (plaintext, or the old key's ciphertext) and the old read-model rows
    out of the database's free space; what the operator must do instead, if that failed."""
    if db.kind == "sqlite":
        conn = sqlite3.connect(db.env["SQLITE_DBNAME"], uri=True, timeout=30,
                               isolation_level=None)
        try:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        return None
    import psycopg
    from psycopg import sql

    env, schema = db.env, db.schema or "public"
    with psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                         port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                         password=env["POSTGRES_PASSWORD"] or None, autocommit=True) as pg:
        tables = [name for (name,) in pg.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))]
        try:
            for name in tables:
                pg.execute(sql.SQL("VACUUM FULL {}").format(sql.Identifier(schema, name)))
        except psycopg.Error as error:
            return (f"VACUUM FULL failed ({type(error).__name__}): as the tables' owner, run "
                    f"VACUUM FULL on every table of schema {schema!r}; until then PostgreSQL "
                    "keeps the old rows in its dead tuples")
    return None


def _reader(mapper: Any) -> Transcode:
    def plain(state: bytes) -> bytes:
        if mapper.cipher:
            state = mapper.cipher.decrypt(state)
        if mapper.compressor:
            state = mapper.compressor.decompress(state)
        return state
    return plain


def _writer(key: str | None) -> Transcode:
    if key is None:
        return lambda state: state
    from eventsourcing.compressor import ZlibCompressor
    from eventsourcing.cryptography import AESCipher
    from eventsourcing.utils import Environment

    cipher = AESCipher(Environment(env={AESCipher.CIPHER_KEY: key}))
    compressor = ZlibCompressor()
    return lambda state: cipher.encrypt(compressor.compress(state))


def _rewrite(db: Any, transcode: Transcode) -> int:
    """Every row's state transcoded, all in one transaction (all or nothing)."""
    count = 0
    with _connection(db) as (conn, table, mark):
        rows = conn.execute(f"SELECT originator_id, originator_version, state FROM {table}"
                            ).fetchall()
        for originator_id, version, state in rows:
            conn.execute(f"UPDATE {table} SET state = {mark} WHERE originator_id = {mark} "
                         f"AND originator_version = {mark}",
                         (transcode(bytes(state)), originator_id, version))
            count += 1
    return count


@contextmanager
def _connection(db: Any) -> Iterator[tuple[Any, str, str]]:
    if db.kind == "sqlite":
        conn = sqlite3.connect(db.env["SQLITE_DBNAME"], uri=True, timeout=30)
        try:
            conn.execute("PRAGMA secure_delete = ON")  # the old states are overwritten
            conn.execute("BEGIN IMMEDIATE")
            yield conn, "stored_events", "?"
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()
        return
    import psycopg
    from psycopg import sql

    env = db.env
    with psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                         port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                         password=env["POSTGRES_PASSWORD"] or None) as pg:
        table = sql.Identifier(db.schema or "public", "pooledbudget_events").as_string(pg)
        pg.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        yield pg, table, "%s"
