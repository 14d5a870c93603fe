"""Rows a checkpoint gives back, put into read-model tables: a private in-memory store's, for
an in-memory ledger's as-at (decision 0030), or an as-at's TEMP tables beside the live ones
(decision 0035). JSON spells dates and times as text; they are parsed back, or spelled as
SQLite stores them, here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Connection, Date, DateTime, Table, insert

from .bulk import raw_table_name
from .checkpoints import CHECKPOINTED
from .spend import REVERSE_SPEND
from .tables import spend_reversals


def restore(conn: Connection, tables: dict[str, list[list[Any]]]) -> None:
    """Inserts rows `load_rows` gave into the empty read models of a private in-memory SQLite
    store; spends reversed later than the checkpoint that added them are marked from their
    reversal's row."""
    for name, rows in tables.items():
        table = CHECKPOINTED[name]
        if not rows:
            continue
        if not insert_json_rows(conn, table, rows):
            # the many rows: spelled as SQLite stores them, given to the driver as they are
            marks = ", ".join("?" for _ in table.columns)
            conn.exec_driver_sql(f"INSERT INTO {raw_table_name(conn, table)} VALUES ({marks})",
                                 _sqlite_rows(table, rows))
    reversals = [{"k_pool": row[0], "k_invoice": row[1], "reason": row[3]}
                 for row in tables[spend_reversals.name]]
    if reversals:
        conn.execute(REVERSE_SPEND, reversals)


def _sqlite_rows(table: Table, rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    """Rows with their times in SQLAlchemy's SQLite spelling ("YYYY-MM-DD HH:MM:SS.ffffff",
    UTC: `_plain` wrote them as UTC ISO text); dates and the rest are stored as JSON had them."""
    times = [i for i, c in enumerate(table.columns) if isinstance(c.type, DateTime)]
    for row in rows:
        for i in times:
            text = row[i]
            if text is not None:
                row[i] = f"{text[:10]} {text[11:19]}.{text[20:26] if text[19] == '.' else '000000'}"
    return [tuple(row) for row in rows]


def insert_json_rows(conn: Connection, table: Table, rows: list[list[Any]]) -> bool:
    """Rows of a table with a JSON column (a row per pool or decision), inserted as the
    dictionaries SQLAlchemy needs to encode the JSON; False, writing nothing, for any other
    table (its many rows go in by the faster path of the caller)."""
    if not any(isinstance(c.type, JSON) for c in table.columns):
        return False
    names = [c.name for c in table.columns]
    conn.execute(insert(table), [dict(zip(names, row, strict=True))
                                 for row in typed_rows(table, rows)])
    return True


def typed_rows(table: Table, rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    """Rows with their dates and times parsed back (JSON spells them as text)."""
    parsers = [(i, datetime.fromisoformat if isinstance(c.type, DateTime) else date.fromisoformat)
               for i, c in enumerate(table.columns) if isinstance(c.type, (DateTime, Date))]
    if not parsers:
        return [tuple(row) for row in rows]
    for row in rows:
        for i, parse in parsers:
            if row[i] is not None:
                row[i] = parse(row[i])
    return [tuple(row) for row in rows]
