"""One pool as at a checkpoint's position, from the live rows that are only ever added
(decision 0035).

Spends, allocations, movements, contribution events, sign-offs, reversals, decision order and
outcome payments are the same in the live read models and in an as-at, up to the position of
the as-at's checkpoint: each carries the log position of its event in `sequence` (allocations
and outcome payments that of their spend, decision 0043). So an as-at does not decode them from the
checkpoint: it opens its own connection to the live database and makes TEMP tables there under
the live tables' names — in SQLite and PostgreSQL an unqualified name resolves to a TEMP object
first — so the projection and the reports' queries run on them unchanged:

- the state rows (pool, contributions, decisions, commitments, ...) come from the checkpoint;
- the added rows are copied from the live tables in SQL (`INSERT … SELECT`, the pool's rows up
  to the position, of the year given one); a spend is reversed there only by a reversal up to
  the position;
- the pool's events after the checkpoint are then applied to them, as the replay would.

The live rows are derived data too: the copies' count and sums per table and year are compared
with the tallies the checkpoint carries (under its digest) before any event is applied. If they
differ the checkpoint is not used (`CheckpointUnusableError`): the pool is replayed from its
start. (TEMP views over the live rows instead of copies were tried first: the shares report's
join of two UNION ALL views found no key to join by and ran for minutes at 50,000 events.)
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Collection, Sequence
from typing import Any
from urllib.parse import quote

from sqlalchemy import Column, Connection, MetaData, Table, create_engine, event, func
from sqlalchemy import select as select_
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateTable

from .bulk import DIVERTED, insert_rows
from .checkpoint_restore import insert_json_rows, typed_rows
from .checkpoints import (
    ADDED_BY_SEQUENCE,
    ADDED_WITH_SPEND,
    POOL_FED,
    TALLIED,
    Checkpoint,
    CheckpointUnusableError,
    Tallies,
    add_tallies,
)
from .store import ReadModelStore
from .tables import (
    PROJECTED_TABLES,
    commitments,
    decisions,
    spend_reversals,
    spends,
)

_ADDED = [*ADDED_BY_SEQUENCE, *ADDED_WITH_SPEND]
PARTIAL = [decisions, commitments]
"""State tables of a row per decision (and partner): an as-at whose caller does not read them
restores only the rows of the decisions its replay goes on with, which that replay updates
(decision 0045); a statement that names one after the replay is refused (`AddedReads`)."""
_SHADOWS = MetaData()
for _table in PROJECTED_TABLES:  # whatever a replay writes
    Table(_table.name, _SHADOWS, *(Column(c.name, c.type, primary_key=c.primary_key,
                                          nullable=c.nullable,
                                          default=getattr(c.default, "arg", None))
                                   for c in _table.columns), prefixes=["TEMPORARY"])


def can_shadow(live: ReadModelStore) -> bool:
    """Whether another connection reaches the live rows (not a private in-memory database)."""
    url = live.engine.url
    return not (url.get_backend_name() == "sqlite"
                and (url.database in (None, "", ":memory:") or "mode=memory" in str(url)))


def check_tallies(conn: Connection, checkpoint: Checkpoint, tallies: Tallies,
                  year: str | None, upto: int | None = None,
                  only: Collection[str] | None = None) -> None:
    """Every added row of the pool in the TEMP copies or views (of `year`, where an as-at of
    a year reads no others) counts and sums as `tallies` say: those of the checkpoint, for
    copies made up to it; with the replay's after it, for views up to `upto`. Run before the
    events after the checkpoint are applied to copies. No row is left out of the count, so a
    live row moved past the bound, or one whose spend is not there, shows too. `only`: the
    tables to check (the others are never read: `AddedReads`)."""
    for table in _ADDED:
        if only is not None and table.name not in only:
            continue
        kept = year is None or table.name in POOL_FED
        if upto is None:  # the TEMP copies
            query = (select_(table.c.year, func.count(),
                             *(func.coalesce(func.sum(table.c[c]), 0)
                               for c in TALLIED[table.name]))
                     .where(table.c.pool_id == checkpoint.pool_id).group_by(table.c.year))
            if not kept:
                query = query.where(table.c.year == year)
            rows = conn.execute(query)
        else:  # the live rows the views show, counted without the views' joins
            rows = conn.exec_driver_sql(_tally_sql(conn, table, checkpoint.pool_id, upto,
                                                   None if kept else year))
        found = {row[0]: [int(v) for v in row[1:]] for row in rows}
        wanted = {y: t for y, t in tallies.get(table.name, {}).items() if kept or y == year}
        if found != wanted:
            bound = checkpoint.position if upto is None else upto
            raise CheckpointUnusableError(
                f"the live rows of {table.name} up to {bound} differ from the checkpoint's "
                "tallies" + ("" if upto is None else " and the replay's rows after it"))


def _tally_sql(conn: Connection, table: Table, pool: str, last: int, year: str | None) -> str:
    """The count and sums of a live table's rows that its view shows."""
    sums = "".join(f", COALESCE(SUM(x.{_quote(conn, c)}), 0)" for c in TALLIED[table.name])
    return (f"SELECT x.year, COUNT(*){sums} FROM "
            f"{_live_rows(conn, table, pool, last, year, joined=False)} GROUP BY x.year")


class UncheckedReadError(RuntimeError):
    """An as-at's added rows were read from a table its tally check left out: a report that
    reads a table must name it in the `reads` it gives (a mistake in this code, not in the
    data)."""


class AddedReads:
    """Notes which added tables' views the statements on an as-at's connection name: a replay
    after the checkpoint reads some (the movements of a year it closes). After the tally check
    of those and of the tables the caller said it reads, it refuses a statement that names any
    other, so no unchecked row is read; and one that names a `partial` table (`PARTIAL`), whose
    rows were restored for the replay's decisions only."""

    _NAMES = {t.name: re.compile(rf"\b{t.name}\b") for t in [*_ADDED, *PARTIAL]}

    def __init__(self, partial: frozenset[str] = frozenset()) -> None:
        self.named: set[str] = set()
        self.checked: frozenset[str] | None = None
        self.watching = True
        self._partial = partial

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not self.watching:
            return
        for name, pattern in self._NAMES.items():
            if name in statement and pattern.search(statement):
                if self.checked is not None and (name not in self.checked
                                                 or name in self._partial):
                    raise UncheckedReadError(
                        f"{name} was read from an as-at whose tally check covered "
                        f"{sorted(self.checked)} only" if name not in self._partial else
                        f"{name} was read from an as-at that restored its rows for the "
                        "decisions after its checkpoint only (name it in `reads`)")
                if name not in self._partial:
                    self.named.add(name)


class AddedTally:
    """Takes the rows a replay after a checkpoint would add to the live tables' TEMP views, and
    counts and sums them as a checkpoint's tallies do (the views show the live rows instead)."""

    tables = frozenset(t.name for t in _ADDED)

    def __init__(self) -> None:
        self.tallies: Tallies = {}

    def add(self, table: Table, rows: Sequence[Any]) -> None:
        add_tallies(self.tallies, {table.name: rows})

    def plus(self, tallies: Tallies) -> Tallies:
        """`tallies` with these added (a new dictionary)."""
        total: Tallies = {name: {y: list(t) for y, t in years.items()}
                          for name, years in tallies.items()}
        for name, years in self.tallies.items():
            into = total.setdefault(name, {})
            for y, tally in years.items():
                into[y] = [a + b for a, b in zip(into.get(y, [0] * len(tally)), tally,
                                                 strict=True)]
        return total


class ShadowedStore(ReadModelStore):
    """The live database seen through one connection's TEMP tables."""

    def refresh_statistics(self) -> None:
        """The TEMP tables hold at most one interval's rows: nothing to plan for."""


def open_shadowed(live: ReadModelStore,
                 views: tuple[str, str | None, int] | None = None) -> ShadowedStore:
    """A store on a connection of its own to the live database, with empty TEMP tables under
    every read-model table's name (closed, and its TEMP objects dropped, with the store).

    With `views` (pool, year, last position): TEMP tables for the state rows only, and for the
    added rows TEMP views of the live rows of the pool (and year) up to that position; rows a
    replay would add there go to an `AddedTally` (`bulk.DIVERTED`). The connection cannot
    write the live tables: SQLite opens the file read-only, PostgreSQL's session is read-only
    once the TEMP objects are made (TEMP tables stay writable)."""
    url = live.engine.url
    if url.get_backend_name() == "sqlite":
        url = url.set(database="file:" + quote(str(url.database), safe="/"),
                      query={"mode": "ro", "uri": "true"})
    engine = create_engine(url, poolclass=StaticPool)
    schema = (live.engine.get_execution_options().get("schema_translate_map") or {}).get(None)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _busy_timeout)
    elif schema:
        event.listen(engine, "connect", lambda dbapi, _r: _search_path(dbapi, schema))
    store = ShadowedStore(engine, create=False, keeps_text=live.keeps_text)
    weakref.finalize(store, engine.dispose)
    with store.transaction() as conn:
        prepare(conn, live.keeps_text)
        for statement in _ddl(conn.dialect, state_only=views is not None):
            conn.exec_driver_sql(statement)
        if views is not None:
            pool, year, last = views
            for table in _ADDED:
                conn.exec_driver_sql(f"CREATE TEMP VIEW {_quote(conn, table.name)} AS "
                                     + _added_select(conn, table, pool, last, year))
            conn.info[DIVERTED] = AddedTally()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    return store


def views_serve(live: ReadModelStore) -> bool:
    """Whether an as-at's added rows may be views of the live rows (decision 0035, addendum 2):
    on PostgreSQL and on a SQLite file."""
    return live.engine.dialect.name in ("postgresql", "sqlite")


_DDL: dict[tuple[str, bool], list[str]] = {}


def _ddl(dialect: Any, state_only: bool = False) -> list[str]:
    """The TEMP tables' CREATE statements, compiled once per dialect (SQLAlchemy's DDL
    compiler cost about as much as the rest of a small as-at)."""
    key = (dialect.name, state_only)
    if key not in _DDL:
        added = {t.name for t in _ADDED} if state_only else set()
        _DDL[key] = [str(CreateTable(table).compile(dialect=dialect))
                     for table in _SHADOWS.sorted_tables if table.name not in added]
    return _DDL[key]


def restore_state(conn: Connection, tables: dict[str, list[list[Any]]]) -> None:
    """The checkpoint's state rows into the TEMP tables."""
    for name, rows in tables.items():
        table = _SHADOWS.tables[name]
        if not rows:
            continue
        if not insert_json_rows(conn, table, rows):
            insert_rows(conn, table, typed_rows(table, rows))


def copy_added(conn: Connection, checkpoint: Checkpoint, year: str | None) -> None:
    """The pool's added rows up to the checkpoint, copied from the live tables in SQL into the
    TEMP tables (keyed as the live ones, so the reports' joins find rows by key)."""
    for table in _ADDED:
        conn.exec_driver_sql(f"INSERT INTO {_quote(conn, table.name)} ({_names(conn, table)}) "
                             + _added_select(conn, table, checkpoint.pool_id,
                                             checkpoint.position, year))


def _added_select(conn: Connection, table: Table, pool: str, last: int,
                  year: str | None) -> str:
    """`SELECT` text of the live table's rows of the pool up to position `last` (and of
    `year`), as they stood then: a spend is reversed by a reversal up to `last` only (a later
    one is applied by the events after it, or is not yet the as-at's). Spelled so that
    PostgreSQL's planner estimates the rows as it does the tables' and joins a report's views by
    hashing: the reversal's flag is COALESCEd (`IS NOT NULL` on the outer side of a join was
    estimated at one row, and the report ran as a nested loop)."""
    if table is not spends:
        return f"SELECT {_columns(conn, table, 'x')} FROM {_live_rows(conn, table, pool, last, year)}"
    reason = "r.reason" if conn_keeps_text(conn) else "NULL"
    chosen = ", ".join(
        f"COALESCE(r.flag, {_false(conn)}) AS {_quote(conn, c.name)}" if c.name == "reversed"
        else f"{reason} AS {_quote(conn, c.name)}" if c.name == "reversal_reason"
        else _column(conn, "s", c.name)
        for c in table.columns)
    return (f"SELECT {chosen} FROM {_live_table(conn, table, 's')} LEFT JOIN "
            f"(SELECT pool_id, invoice_ref, reason, {_true(conn)} AS flag FROM "
            f"{_live_name(conn, spend_reversals.name)} WHERE sequence <= {int(last)}) r "
            f"ON r.pool_id = s.pool_id AND r.invoice_ref = s.invoice_ref "
            f"WHERE {_live_where(conn, table, pool, last, year, 's')}")


def _columns(conn: Connection, table: Table, alias: str) -> str:
    return ", ".join(_column(conn, alias, c.name) for c in table.columns)


def _column(conn: Connection, alias: str, name: str) -> str:
    """A live column as a view shows it. On SQLite a view's `year` is `+year`, which no index
    serves. Without statistics, SQLite's planner otherwise searched a pool's allocations by
    (pool, year) for each spend instead of by the spend's key: minutes at 50,000 events, where
    this takes 92 ms (the live report 50)."""
    quoted = f"{alias}.{_quote(conn, name)}"
    if name == "year" and conn.dialect.name == "sqlite":
        return f"+{quoted} AS {_quote(conn, name)}"
    return quoted


def _true(conn: Connection) -> str:
    return "TRUE" if conn.dialect.name == "postgresql" else "1"


def _false(conn: Connection) -> str:
    return "FALSE" if conn.dialect.name == "postgresql" else "0"


def conn_keeps_text(conn: Connection) -> bool:
    return bool(conn.info.get("keeps_text", True))


def _live_rows(conn: Connection, table: Table, pool: str, last: int, year: str | None,
               alias: str = "x", joined: bool = True) -> str:
    """`FROM` text: the live table's rows of the pool up to position `last` (and of `year`);
    `joined=False` for a query that joins them to nothing."""
    return (f"{_live_table(conn, table, alias)} "
            f"WHERE {_live_where(conn, table, pool, last, year, alias, joined)}")


def _live_table(conn: Connection, table: Table, alias: str) -> str:
    return f"{_live_name(conn, table.name)} {alias}"


def _live_where(conn: Connection, table: Table, pool: str, last: int, year: str | None,
                alias: str, joined: bool = True) -> str:
    # Every added row carries its event's position, allocations and outcome payments their
    # spend's (decision 0043): the rows up to `last` are found in the row, and on SQLite in the
    # allocations' covering index. (Found through the later spends they were read three times
    # as slowly there, and PostgreSQL hashed them for an anti-join.)
    where = f"{alias}.pool_id = {_literal(pool)} AND {alias}.sequence <= {int(last)}"
    if year is not None and table.name not in POOL_FED:
        # as in `_column`; a query of one table reads its (pool, year) index, in year order
        plus = "+" if conn.dialect.name == "sqlite" and joined else ""
        where += f" AND {plus}{alias}.year = {_literal(year)}"
    return where


def _live_name(conn: Connection, name: str) -> str:
    """The live table, past the TEMP object of the same name."""
    if conn.dialect.name == "sqlite":
        return f"main.{_quote(conn, name)}"
    return f"{_quote(conn, conn.info['live_schema'])}.{_quote(conn, name)}"


def _names(conn: Connection, table: Table) -> str:
    return ", ".join(_quote(conn, c.name) for c in table.columns)


def _quote(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def prepare(conn: Connection, keeps_text: bool) -> None:
    """Notes on the connection what the copies' SQL needs: whether text is kept, and the live
    tables' schema."""
    conn.info["keeps_text"] = keeps_text
    if conn.dialect.name == "postgresql" and "live_schema" not in conn.info:
        conn.info["live_schema"] = conn.exec_driver_sql("SELECT current_schema()").scalar()


def _busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA temp_store = MEMORY")  # the TEMP tables: never a file
    cursor.close()


def _search_path(dbapi_connection: Any, schema: str) -> None:
    """The ledger's schema, as the live engine's `schema_translate_map` gives it; TEMP
    objects are still found first."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET search_path TO " + '"' + schema.replace('"', '""') + '"')
    cursor.close()
    dbapi_connection.commit()


