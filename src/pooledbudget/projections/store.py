"""Where read models live, and the tracking position that makes applying events exactly-once.

The read-model rows of a batch of events and the new tracking position commit in one transaction.
Advancing the position is a compare-and-set from the position the batch started at, so two
processes can never both apply the same events: the loser's transaction rolls back whole.

A store "keeps text" unless the ledger's events are encrypted: under a cipher key the read models
in the database hold codes, amounts and dates only (decision 0029); what shows text replays the
pool's events into a private in-memory store, which keeps it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from eventsourcing.persistence import Tracking, TrackingRecorder
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.pool import StaticPool

from ..persistence import Database
from .bulk import raw_table_name
from .tables import (
    PROJECTED_TABLES,
    READ_MODEL_VERSION,
    ROW_HEAVY_TABLES,
    metadata,
    read_model_version,
    tracking,
)


class TrackingConflictError(Exception):
    """Another process advanced the tracking position first; this batch was rolled back."""


class ReadModelStore(TrackingRecorder):
    """A SQLAlchemy database of read-model tables plus the projection's tracking position."""

    def __init__(self, engine: Engine, *, create: bool = True, keeps_text: bool = True) -> None:
        self.engine = engine
        self.keeps_text = keeps_text
        if create:  # not on a read-only file: its read models are used as they stand
            _create_missing(engine)
            self._upgrade()

    def _upgrade(self) -> None:
        """Read models of another shape (made by an earlier version), or made with text when
        none may be kept (a key was added) or without it when it may, are dropped and made
        anew; the tracking position goes with them, so catching up rebuilds them from the log."""
        wanted = stored_version(self.keeps_text)
        with self.engine.connect() as conn:
            found = conn.execute(select(read_model_version.c.version)).scalar()
        if found == wanted:
            return
        self.drop_read_models()
        with self.transaction() as conn:
            conn.execute(delete(read_model_version))
            conn.execute(insert(read_model_version).values(version=wanted))
        if found is not None and not self.keeps_text:
            self._compact()

    def _compact(self) -> None:
        """SQLite: rows deleted before secure deletion was on (read models made with text,
        before a key) may linger in free pages; VACUUM writes the file anew without them.
        PostgreSQL keeps dead rows until VACUUM FULL, which needs the operator (0029)."""
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")

    @classmethod
    def for_database(cls, db: Database, *, keeps_text: bool = True) -> ReadModelStore:
        """Beside the events by default; an in-memory ledger gets a private in-memory store.
        `keeps_text` False (the events are encrypted): no free text in the rows, and SQLite
        overwrites what it deletes, so a rebuild leaves no old text in the file's free pages."""
        if "mode=memory" in db.sqlalchemy_url:
            return cls.in_memory(keeps_text=keeps_text)
        engine = create_engine(db.sqlalchemy_url, future=True)
        if db.kind == "sqlite":
            event.listen(engine, "connect", partial(_sqlite_pragmas, secure=not keeps_text))
        if db.schema:
            engine = engine.execution_options(schema_translate_map={None: db.schema})
        return cls(engine, create=not db.read_only, keeps_text=keeps_text)

    @classmethod
    def in_memory(cls, *, keeps_text: bool = True) -> ReadModelStore:
        """A private store in this process's memory (never in a file: it may keep text)."""
        engine = create_engine("sqlite+pysqlite://", poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
        return cls(engine, keeps_text=keeps_text)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # -- TrackingRecorder ---------------------------------------------------------------------

    def max_tracking_id(self, application_name: str) -> int | None:
        with self.engine.connect() as conn:
            return self.position(conn, application_name)

    def insert_tracking(self, tracking_: Tracking) -> None:
        with self.transaction() as conn:
            self.advance(conn, tracking_.application_name,
                         self.position(conn, tracking_.application_name), tracking_.notification_id)

    @staticmethod
    def position(conn: Connection, application_name: str) -> int | None:
        row = conn.execute(select(tracking.c.notification_id)
                           .where(tracking.c.application_name == application_name)).first()
        return None if row is None else int(row[0])

    @staticmethod
    def advance(conn: Connection, application_name: str, start: int | None, end: int) -> None:
        """Compare-and-set the position from `start` to `end` within the batch's transaction."""
        if start is None:
            conn.execute(insert(tracking).values(application_name=application_name,
                                                 notification_id=end))
            return
        result = conn.execute(
            update(tracking)
            .where(tracking.c.application_name == application_name,
                   tracking.c.notification_id == start)
            .values(notification_id=end)
        )
        if result.rowcount != 1:
            raise TrackingConflictError(f"position of {application_name} moved from {start}")

    def drop_read_models(self) -> None:
        """Drops every read-model table, the checkpoints and the tracking position (for a full
        rebuild)."""
        metadata.drop_all(self.engine, tables=PROJECTED_TABLES)
        metadata.create_all(self.engine)

    def refresh_statistics(self) -> None:
        """PostgreSQL plans a report's joins from table statistics, which a bulk load leaves
        stale until autovacuum comes by: right after a rebuild the shares report ran 10x
        slower (78 ms against 7 once analysed, one fund of 1,690 events). SQLite keeps no
        statistics unless asked and plans from the indexes, so nothing is done there."""
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.begin() as conn:  # one statement: a round trip, not twelve
            conn.exec_driver_sql("ANALYZE " + ", ".join(  # the rest: a row per pool, partner or year
                raw_table_name(conn, table) for table in ROW_HEAVY_TABLES))

    def close(self) -> None:
        self.engine.dispose()


def _create_missing(engine: Engine) -> None:
    """`metadata.create_all`, which asks the database about each table in turn (twenty round
    trips on PostgreSQL each time a ledger is opened): one listing of the schema's tables finds
    the missing ones, usually none, and only those are given to `create_all`, which checks them
    again and makes them with their indexes."""
    schema = engine.get_execution_options().get("schema_translate_map", {}).get(None)
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names(schema=schema))
    missing = [table for table in metadata.sorted_tables if table.name not in present]
    if missing:
        metadata.create_all(engine, tables=missing)


def stored_version(keeps_text: bool) -> int:
    """What `pb_read_model_version` holds: the tables' shape, negative when built without
    free text (under a cipher key), so a change of either rebuilds them."""
    return READ_MODEL_VERSION if keeps_text else -READ_MODEL_VERSION


def _sqlite_pragmas(dbapi_connection: object, _record: object, *, secure: bool = False) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA busy_timeout = 10000")
    if secure:  # deleted rows are overwritten with zeros, not left in free pages
        cursor.execute("PRAGMA secure_delete = ON")
    # Read models are derived: a batch committed just before a power cut may be lost, but
    # never half of one, and its tracking position goes with it, so it is simply applied
    # again. Not waiting for the disk on each batch's commit makes catch-up markedly faster
    # (decision 0008). The events' own connections keep SQLite's full synchronous writes.
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":  # else it risks the file
        cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()
