"""Appending many read-model rows in one go, below SQLAlchemy's per-row cost.

Catching up writes a row per spend, per partner of each spend, and per movement of a decision's
position. SQLAlchemy's executemany spends 6-15 µs a row on SQLite and 45-65 µs on PostgreSQL
before the driver sees it (benchmarks/README.md). Here SQLite gets multi-row INSERTs through the
driver's executemany, with SQLAlchemy's own bind processors applied (so stored values are the
same). PostgreSQL gets COPY (6-8x faster than its executemany), its text written here rather
than by psycopg's row by row formatting (a third of a catch-up's time on PostgreSQL without
psycopg's C extension). Both run on the caller's connection, so the rows commit or roll back
with the batch and its tracking position.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Table, insert

from .added_tee import added_tee

Row = Sequence[Any]
_Processors = list[tuple[int, Callable[[Any], Any]]]
_PLANS: dict[tuple[str, str], tuple[str, _Processors]] = {}


DIVERTED = "pooledbudget_diverted_rows"
"""`conn.info` key of a sink taking the rows of some tables instead of the database: an as-at
over the live rows counts the rows its replay would add, which the live tables hold already
(`over_live`)."""


def diverted(conn: Connection, table: Table) -> Any:
    """The sink that takes `table`'s rows on this connection, or None."""
    sink = conn.info.get(DIVERTED)
    return sink if sink is not None and table.name in sink.tables else None


def insert_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    """Inserts `rows`, each a tuple of values in the order of `table.columns` (all of them)."""
    if not rows:
        return
    width = len(table.columns)
    if any(len(row) != width for row in rows):  # one short row would shift the rest (SQLite)
        raise ValueError(f"{table.name} rows must each have {width} values")
    sink = diverted(conn, table)
    if sink is not None:
        sink.add(table, rows)
        return
    tee = added_tee(conn)
    if tee is None:
        _insert(conn, table, rows)
        return
    with tee.feeding():
        _insert(conn, table, rows)
    tee.add(table, rows)  # a copy for the pool's next checkpoint (added_tee)


def _insert(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    if conn.dialect.driver not in ("psycopg", "pysqlite"):  # no plan for it: SQLAlchemy's way
        names = [c.name for c in table.columns]
        conn.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])
        return
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        text = _copy_text(rows)
        with cursor.copy(_plan(conn, table)[0]) as copy:
            if text is not None:
                copy.write(text)
            else:  # a value of a type not spelled below: psycopg's own formatting
                for row in rows:
                    copy.write_row(row)
        return
    statement, processors = _plan(conn, table)
    # Whole runs of rows go as one multi-row INSERT each, the rest one by one: SQLite runs one
    # statement where it ran 64 (decision 0049).
    width = len(table.columns)
    flat: list[Any] = []
    for row in rows:
        flat += row
    if processors:
        for start in range(0, len(flat), width):
            for i, process in processors:
                if flat[start + i] is not None:
                    flat[start + i] = process(flat[start + i])
    per = min(ROWS_A_STATEMENT, SQLITE_BINDS // width)
    step, cut = per * width, (len(rows) - len(rows) % per) * width
    if cut:
        conn.exec_driver_sql(_many(statement, per),
                             [tuple(flat[i:i + step]) for i in range(0, cut, step)])
    if cut < len(flat):
        conn.exec_driver_sql(statement,
                             [tuple(flat[i:i + width]) for i in range(cut, len(flat), width)])


ROWS_A_STATEMENT = 64
SQLITE_BINDS = 999  # the fewest values one statement may bind (SQLite before 3.32)
_MANY: dict[tuple[str, int], str] = {}


def _many(statement: str, per: int) -> str:
    """`statement` (one row's INSERT) inserting `per` rows."""
    found = _MANY.get((statement, per))
    if found is None:
        head, _, marks = statement.partition(" VALUES ")
        found = _MANY[(statement, per)] = head + " VALUES " + ", ".join([marks] * per)
    return found


def expect_columns(table: Table, *names: str) -> None:
    """Fails at import if a writer's tuples no longer match the table's column order."""
    actual = tuple(c.name for c in table.columns)
    if actual != names:
        raise AssertionError(f"{table.name} columns are {actual}, rows are written as {names}")


def raw_table_name(conn: Connection, table: Table) -> str:
    """`table`'s quoted name for SQL that bypasses SQLAlchemy's compiler, with the schema a
    ledger's PostgreSQL database puts it in (its `schema_translate_map`, which such SQL would
    otherwise miss)."""
    quote = conn.dialect.identifier_preparer.quote
    schema = (conn.get_execution_options().get("schema_translate_map") or {}).get(table.schema)
    return f"{quote(schema)}.{quote(table.name)}" if schema else quote(table.name)


def _plan(conn: Connection, table: Table) -> tuple[str, _Processors]:
    """The statement (COPY or INSERT) for `table` on this dialect, and the bind processors."""
    name = raw_table_name(conn, table)
    key = (conn.dialect.name, name)
    if key not in _PLANS:
        if any(isinstance(c.type, JSON) for c in table.columns):
            raise TypeError(f"{table.name} has JSON columns; insert it through SQLAlchemy")
        quote = conn.dialect.identifier_preparer.quote
        columns = ", ".join(quote(c.name) for c in table.columns)
        processors: _Processors = []
        if conn.dialect.name == "postgresql":
            statement = f"COPY {name} ({columns}) FROM STDIN"
        else:
            marks = ", ".join("?" for _ in table.columns)
            statement = f"INSERT INTO {name} ({columns}) VALUES ({marks})"
            for i, column in enumerate(table.columns):
                process = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
                if process is not None:
                    faster = _SQLITE_FASTER.get(type(column.type))
                    processors.append((i, faster(process) if faster else process))
        _PLANS[key] = (statement, processors)
    return _PLANS[key]


def _copy_text(rows: Sequence[Row]) -> str | None:
    """`rows` in COPY's text format, as psycopg's `write_row` spells them (tested against it),
    or None if a value is of a type not spelled here."""
    lines = []
    spell = _COPY_SPELLING
    try:
        for row in rows:
            lines.append("\t".join([spell[type(value)](value) for value in row]))
    except KeyError:
        return None
    lines.append("")
    return "\n".join(lines)


def _copy_str(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPELLING: dict[type, Callable[[Any], str]] = {
    str: _copy_str, int: int.__repr__, bool: lambda value: "t" if value else "f",
    type(None): lambda _: "\\N", date: date.isoformat, datetime: datetime.isoformat,
}


def _sqlite_datetime(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's SQLite storage format for a datetime ("%Y-%m-%d %H:%M:%S.%f", the zone
    dropped, not converted), spelled with SQLAlchemy's own format string, at a fifth of the
    cost (tested against it); anything but a datetime goes to SQLAlchemy's own processor,
    `slow`."""
    # A spend's row and its movement share their event's time: spelled once. Keyed with the
    # zone too, since equal instants in two zones are spelled apart (the zone is dropped).
    # More are kept than a catch-up batch has events (10,000), so that the movements, written
    # after the batch's spends, find their times spelled.
    spelled: dict[tuple[datetime, Any], str] = {}

    def process(value: Any) -> Any:
        if type(value) is datetime:
            key = (value, value.tzinfo)
            text = spelled.get(key)
            if text is None:
                if len(spelled) >= 16384:
                    spelled.clear()
                text = spelled[key] = _SQLITE_SPELLING % (
                    value.year, value.month, value.day, value.hour, value.minute, value.second,
                    value.microsecond)
            return text
        return slow(value)
    return process


def _sqlite_date(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def process(value: Any) -> Any:
        return value.isoformat() if type(value) is date else slow(value)
    return process


def _sqlite_boolean(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's SQLite storage of a bool (1 or 0, the dialect having no native boolean),
    without its strictness check's two calls for a value that is exactly True or False."""
    def process(value: Any) -> Any:
        return 1 if value is True else 0 if value is False else slow(value)
    return process


_SQLITE_SPELLING = "%04d-%02d-%02d %02d:%02d:%02d.%06d"  # sqlalchemy.dialects.sqlite.DATETIME's
_SQLITE_FASTER = {DateTime: _sqlite_datetime, Date: _sqlite_date, Boolean: _sqlite_boolean}
