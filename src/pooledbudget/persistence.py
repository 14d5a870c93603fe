"""Choosing the event store from one database URL.

`sqlite:///path` (the embedded default, a file), `memory://` (a private in-memory SQLite
database, for tests) and `postgresql://user:pass@host:port/db?schema=name` (production).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import CipherKeyError, LedgerError
from .recorders import POSTGRES_RECORDER_TOPIC, SQLITE_RECORDER_TOPIC
from .redaction import redact
from .writelock import DEFAULT_LOCK_TIMEOUT, LOCK_TIMEOUT_VARIABLE

DEFAULT_URL = "sqlite:///pooledbudget.db"
_memory_ids = count(1)


class DatabaseURLError(LedgerError):
    code = "invalid_database_url"


class SettingError(LedgerError):
    """A ledger setting (an `open_ledger` argument or its environment variable) is invalid."""

    code = "invalid_setting"


@dataclass(frozen=True)
class Database:
    url: str
    kind: str  # "sqlite" or "postgres"
    env: dict[str, str]
    sqlalchemy_url: str
    schema: str | None = None
    read_only: bool = False  # a SQLite file this process may not write: read models not caught up


CIPHER_KEY_VARIABLE = "POOLEDBUDGET_CIPHER_KEY"


def lock_timeout_setting(given: float | None = None) -> float:
    """Seconds a command waits for the database's write lock: `given`, else
    `$POOLEDBUDGET_LOCK_TIMEOUT`, else 30 (writelock.py)."""
    if given is None:
        raw = os.environ.get(LOCK_TIMEOUT_VARIABLE)
        if not raw:
            return DEFAULT_LOCK_TIMEOUT
        try:
            given = float(raw)
        except ValueError:
            given = float("nan")
        source = f"{LOCK_TIMEOUT_VARIABLE}={raw!r}"
    else:
        source = f"lock_timeout={given!r}"
    if not 0 < given <= 24 * 3600:  # also refuses NaN
        raise SettingError(f"{source}: the write lock timeout is a number of seconds above 0 "
                           "and at most a day", field="lock_timeout")
    return float(given)


def timeout_env(db: Database, timeout: float) -> dict[str, str]:
    """eventsourcing's own lock timeouts (whole seconds), for writes outside a write scope."""
    seconds = str(max(1, math.ceil(timeout)))
    key = "SQLITE_LOCK_TIMEOUT" if db.kind == "sqlite" else "POSTGRES_LOCK_TIMEOUT"
    return {key: seconds}


def at_rest_options() -> dict[str, str]:
    """Encryption (AES-GCM) and compression of stored event state, when a key is in the
    environment: `pooledbudget new-key` makes one. Hashes are over the plain content, so chains
    verify the same with or without it."""
    key = os.environ.get(CIPHER_KEY_VARIABLE)
    if not key:
        return {}
    check_key(key)
    return {"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": key,
            "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"}


def check_key(key: str) -> None:
    """A key is 16, 24 or 32 bytes in base64, as `new_key` makes: anything else is refused
    here, by name, rather than deep inside the cipher."""
    import binascii
    from base64 import b64decode

    try:
        size = len(b64decode(key.strip().encode("ascii"), validate=True))
    except (binascii.Error, UnicodeEncodeError):
        size = -1
    if size not in (16, 24, 32):
        raise CipherKeyError(
            f"${CIPHER_KEY_VARIABLE} is not a valid key: it must be 16, 24 or 32 bytes in "
            "base64, as `pooledbudget new-key` prints", field=CIPHER_KEY_VARIABLE,
            code="cipher_key_invalid")


def decoded_state(mapper: Any, stored: Any) -> dict[str, Any]:
    """A stored event's fields (its state decrypted, decompressed and decoded) as
    `Mapper.to_domain_event` gives them, without resolving its class by topic: that would build
    every aggregate's event classes when a ledger is opened only to read. (No event is
    upcast: topics are explicit and never change.)"""
    state = stored.state
    if mapper.cipher:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor:
        state = mapper.compressor.decompress(state)
    fields: dict[str, Any] = mapper.transcoder.decode(state)
    return fields


def check_cipher(app: Any) -> None:
    """Refuses a ledger whose stored events the configured key cannot read, before anything
    misreads them as tampered with: no key for encrypted events, a key for plain ones, or the
    wrong key. The first, middle and last events are tried; if any decodes, the key is right
    (an event that then fails to decode is for `verify` to report)."""
    last = app.recorder.max_notification_id() or 0
    if not last:
        return
    samples = []
    for start in sorted({1, (last + 1) // 2, last}):
        samples += app.recorder.select_notifications(start=start, limit=1)
    for notification in samples:
        try:
            decoded_state(app.mapper, notification)
            return
        except Exception:  # noqa: BLE001,S112 - any failure to decode: try the next sample
            continue
    if not samples:
        return
    if not os.environ.get(CIPHER_KEY_VARIABLE):
        raise CipherKeyError(
            f"cannot decrypt: the stored events are encrypted (or unreadable) and "
            f"${CIPHER_KEY_VARIABLE} is not set: set it to the key they were written with",
            field=CIPHER_KEY_VARIABLE, code="cipher_key_missing")
    if all(bytes(n.state[:1]) == b"{" for n in samples):
        raise CipherKeyError(
            f"${CIPHER_KEY_VARIABLE} is set but this database's events are not encrypted: "
            "unset it to read them", field=CIPHER_KEY_VARIABLE, code="cipher_key_unexpected")
    raise CipherKeyError(
        f"cannot decrypt: ${CIPHER_KEY_VARIABLE} is the wrong key for this database (not one of "
        f"the {len(samples)} events tried decrypts with it; tampering would spoil only the "
        "events it touched)", field=CIPHER_KEY_VARIABLE, code="cipher_key_wrong")


def new_key() -> str:
    from eventsourcing.cryptography import AESCipher

    return AESCipher.create_key(num_bytes=32)


SQLITE_HEADER = b"SQLite format 3\x00"


def sqlite_path(db: Database) -> Path | None:
    """The file of a SQLite database URL; None for PostgreSQL and in-memory databases."""
    name = db.env.get("SQLITE_DBNAME", "")
    if db.kind != "sqlite" or not name or name.startswith("file:"):
        return None
    return Path(name)


def is_sqlite_file(path: Path) -> bool:
    """Whether the file starts with SQLite's header (whatever the ledger in it)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def resolve_url(url: str | None) -> str:
    return url or os.environ.get("POOLEDBUDGET_DB") or DEFAULT_URL


def _sqlite(url: str, name: str, sqlalchemy_url: str) -> Database:
    """A SQLite database: eventsourcing's recorder under the ledger's guards (`name`: a file
    path, or a shared in-memory database's URI)."""
    return Database(
        url=url,
        kind="sqlite",
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": name,
             "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER_TOPIC},
        sqlalchemy_url=sqlalchemy_url,
    )


def database(url: str | None = None) -> Database:
    """The eventsourcing environment and the SQLAlchemy URL for one database URL."""
    url = resolve_url(url)
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme == "memory" or url in ("sqlite://", "sqlite:///:memory:"):
        name = f"file:pooledbudget-{os.getpid()}-{next(_memory_ids)}?mode=memory&cache=shared"
        return _sqlite(url, name, f"sqlite+pysqlite:///{name}&uri=true")
    if scheme == "sqlite":
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        if not path:
            raise DatabaseURLError(f"a SQLite URL names a file: sqlite:///path, not "
                                   f"{redact(repr(url))}", field="db")
        return _sqlite(url, path, f"sqlite+pysqlite:///{path}")
    if scheme in ("postgresql", "postgres"):
        try:
            port = parts.port
        except ValueError:
            raise DatabaseURLError(f"the port in {redact(repr(url))} is not a number from 1 to "
                                   "65535", field="db") from None
        query = parse_qs(parts.query)
        schema = query.get("schema", [None])[0]
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER_TOPIC,
            "POSTGRES_DBNAME": parts.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
        }
        if schema:
            env["POSTGRES_SCHEMA"] = schema
        netloc = parts.netloc
        return Database(
            url=url,
            kind="postgres",
            env=env,
            sqlalchemy_url=f"postgresql+psycopg://{netloc}{parts.path}",
            schema=schema,
        )
    raise DatabaseURLError(
        f"unsupported database URL {redact(repr(url))}: use sqlite:///path, memory:// or "
        "postgresql://...", field="db")


@contextmanager
def setup_lock(db: Database, conn: Any = None) -> Iterator[None]:
    """Serialises table setup among processes opening the same PostgreSQL schema at once:
    eventsourcing's setup (`CREATE TABLE IF NOT EXISTS`, `CREATE OR REPLACE FUNCTION`) fails with
    "tuple concurrently updated" when run concurrently. A session advisory lock, held while the
    application is constructed, on `conn` (an autocommit psycopg connection to the database the
    caller already holds) or on a connection of its own; nothing to do for SQLite."""
    if db.kind != "postgres":
        yield
        return
    if conn is None:
        import psycopg

        env = db.env
        own = psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                              port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                              password=env["POSTGRES_PASSWORD"] or None, autocommit=True)
        with own, setup_lock(db, own):
            yield
        return
    key = f"pooledbudget-setup:{db.schema or 'public'}"
    conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
    try:
        yield
    finally:
        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))


def prepare(db: Database) -> None:
    """Creates a named PostgreSQL schema if it is missing (idempotent); tables come later."""
    if db.kind != "postgres" or not db.schema:
        return
    import psycopg
    from psycopg import sql

    env = db.env
    with psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                         port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                         password=env["POSTGRES_PASSWORD"] or None, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(db.schema)))
