"""Rows written in bulk (COPY, or the driver's executemany) read back exactly as SQLAlchemy's own
inserts do, on both backends, and commit or roll back with the batch's transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Table, delete, insert, select
from tests.conftest import pg_schema_url

from pooledbudget.persistence import database, prepare
from pooledbudget.projections import ReadModelStore
from pooledbudget.projections.bulk import _copy_text, expect_columns, insert_rows
from pooledbudget.projections.tables import approvals_pending, spends

AWKWARD = ["plain", "tab\there", "new\nline", "back\\slash", "quote ' and \"", "£ and ✓", "",
           "\\N", None]


def _rows(pool: str) -> list[tuple[Any, ...]]:
    rows = []
    for i, text in enumerate(AWKWARD):
        rows.append((pool, f"INV-{i}", "D1", "2026-27", 245000 + i, date(2026, 4, 1 + i),
                     datetime(2026, 4, 1, 9, 30, 15, 123456, tzinfo=UTC) + timedelta(hours=i),
                     text, None if i % 2 else text, i, bool(i % 2), text, bool(i % 3)))
    rows.append((pool, "INV-bst", "D1", "2026-27", -1, date(2027, 3, 31),
                 datetime(2026, 7, 1, 10, 0, tzinfo=timezone(timedelta(hours=1))), None, None,
                 99, False, None, False))
    rows.append((pool, "INV-old", "D1", "2026-27", 0, date(999, 1, 2),
                 datetime(999, 1, 2, 3, 4, 5), None, None, 100, True, None, True))  # no zone, no µs
    return rows


def _read(store: ReadModelStore, pool: str) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        found = conn.execute(select(spends).where(spends.c.pool_id == pool)
                             .order_by(spends.c.invoice_ref)).all()
    return [tuple(row)[1:] for row in found]


@pytest.fixture
def store(db_url: str) -> Any:
    db = database(db_url)
    prepare(db)
    store = ReadModelStore.for_database(db)
    yield store
    store.close()


def test_bulk_rows_read_back_as_sqlalchemy_inserts_do(store: ReadModelStore) -> None:
    """Dates, times with their zone, booleans, NULLs and text that COPY must escape: each row
    reads back field for field as the same row inserted through SQLAlchemy."""
    names = [c.name for c in spends.columns]
    with store.transaction() as conn:
        conn.execute(insert(spends), [dict(zip(names, row, strict=True)) for row in _rows("SA")])
        insert_rows(conn, spends, _rows("BULK"))
    through_sqlalchemy, in_bulk = _read(store, "SA"), _read(store, "BULK")
    assert len(in_bulk) == len(AWKWARD) + 2
    assert in_bulk == through_sqlalchemy
    if store.engine.dialect.name == "sqlite":  # stored text too: SQL compares times as text
        with store.engine.connect() as conn:
            raw = {pool: conn.exec_driver_sql(
                "SELECT invoice_ref, service_date, recorded_at, reversed FROM pb_spends "
                "WHERE pool_id = ? ORDER BY invoice_ref", (pool,)).all() for pool in ("SA", "BULK")}
        assert raw["BULK"] == raw["SA"]
        assert ("INV-old", "0999-01-02", "0999-01-02 03:04:05.000000", 1) in raw["BULK"]


def _many_rows(pool: str, copies: int) -> list[tuple[Any, ...]]:
    return [(row[0], f"{row[1]}-{n}", *row[2:]) for n in range(copies) for row in _rows(pool)]


def test_runs_of_rows_written_as_one_statement_read_back_alike(store: ReadModelStore) -> None:
    """On SQLite, whole runs of rows go as one multi-row INSERT and the rest one by one:
    however many rows a batch has, each reads back as inserted through SQLAlchemy, none lost
    or doubled at the runs' edges."""
    names = [c.name for c in spends.columns]
    for copies in (5, 6, 12, 13):  # 55, 66, 132 and 143 rows: runs of 64 and odd ones over
        rows = _many_rows("BULK", copies)
        with store.transaction() as conn:
            conn.execute(delete(spends))
            conn.execute(insert(spends), [dict(zip(names, row, strict=True))
                                          for row in _many_rows("SA", copies)])
            insert_rows(conn, spends, rows)
        assert len(_read(store, "BULK")) == len(rows)
        assert _read(store, "BULK") == _read(store, "SA")


def test_a_row_of_the_wrong_width_is_refused_before_anything_is_written(
        store: ReadModelStore) -> None:
    """Rows flattened into one statement would shift every later row's columns if one were
    short: it is refused, and its batch rolls back."""
    rows = _many_rows("SHORT", 7)
    rows[3] = rows[3][:-1]
    with pytest.raises(ValueError, match="pb_spends rows must each have 13 values"), \
            store.transaction() as conn:
        insert_rows(conn, spends, rows)
    assert _read(store, "SHORT") == []


def test_bulk_rows_roll_back_with_their_transaction(store: ReadModelStore) -> None:
    """They are written on the batch's own connection: a failed batch leaves none behind."""
    with pytest.raises(RuntimeError), store.transaction() as conn:
        insert_rows(conn, spends, _rows("GONE"))
        assert len(conn.execute(select(spends.c.invoice_ref)
                                .where(spends.c.pool_id == "GONE")).all()) == len(AWKWARD) + 2
        raise RuntimeError("the batch failed")
    assert _read(store, "GONE") == []
    with store.transaction() as conn:
        conn.execute(delete(spends))


def test_tables_with_json_columns_are_refused(store: ReadModelStore) -> None:
    """COPY and the driver do not encode JSON as SQLAlchemy does: such a table must not go
    through the bulk path at all."""
    with store.transaction() as conn, pytest.raises(TypeError, match="JSON"):
        insert_rows(conn, approvals_pending, [("P", "D", None, "2026-27",
                                               datetime.now(UTC), 1, ["ASC"], None)])


def test_a_writer_whose_tuples_no_longer_match_its_table_fails_at_once() -> None:
    table: Table = spends
    with pytest.raises(AssertionError, match="pb_spends columns are"):
        expect_columns(table, "pool_id", "invoice_ref")


@pytest.fixture
def pg_store(request: pytest.FixtureRequest) -> Any:
    with pg_schema_url(request) as url:
        db = database(url)
        prepare(db)
        store = ReadModelStore.for_database(db)
        yield store
        store.close()


def test_a_value_copy_text_does_not_spell_falls_back_to_psycopg(pg_store: ReadModelStore) -> None:
    """PostgreSQL's COPY text is written here for the types rows hold (str, int, bool, None,
    date, datetime); a row with any other (a Decimal) is spelled by psycopg instead, and reads
    back as the same row given as an int."""
    store = pg_store
    as_int = _rows("INT")[:1]
    as_decimal = [(*row[:4], Decimal(row[4]), *row[5:]) for row in _rows("DEC")[:1]]
    assert _copy_text(as_decimal) is None and _copy_text(as_int) is not None
    with store.transaction() as conn:
        insert_rows(conn, spends, as_int)
        insert_rows(conn, spends, as_decimal)
    assert _read(store, "DEC") == _read(store, "INT") != []


def test_one_instant_in_two_zones_is_stored_as_sqlalchemy_stores_each(
        store: ReadModelStore) -> None:
    """SQLite keeps a time's wall clock and drops its zone: 09:00 UTC and 10:00 at +01:00 are
    one instant but two spellings, whichever of them the bulk path met first."""
    utc = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    rows = [(*_rows(pool)[0][:6], at, *_rows(pool)[0][7:])
            for pool, at in (("Z1", utc), ("Z2", utc.astimezone(timezone(timedelta(hours=1)))))]
    names = [c.name for c in spends.columns]
    with store.transaction() as conn:
        insert_rows(conn, spends, rows)
        conn.execute(insert(spends), [dict(zip(names, (f"SA{row[0]}", *row[1:]), strict=True))
                                      for row in rows])
    assert _read(store, "Z1") == _read(store, "SAZ1") and _read(store, "Z2") == _read(store, "SAZ2")
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            stored = dict(conn.exec_driver_sql(
                "SELECT pool_id, recorded_at FROM pb_spends WHERE pool_id IN "
                "('Z1', 'Z2', 'SAZ1', 'SAZ2')").all())
        assert stored["Z1"] == stored["SAZ1"] == "2026-06-01 09:00:00.000000"
        assert stored["Z2"] == stored["SAZ2"] == "2026-06-01 10:00:00.000000"


def test_sqlites_faster_boolean_stores_and_refuses_as_sqlalchemys_own() -> None:
    """The bulk path's bool for SQLite (1 or 0) is SQLAlchemy's, and what SQLAlchemy refuses
    it refuses alike."""
    from sqlalchemy import Boolean
    from sqlalchemy.dialects import sqlite

    from pooledbudget.projections.bulk import _sqlite_boolean

    own = Boolean().dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())
    assert own is not None
    faster = _sqlite_boolean(own)
    for value in (True, False, 1, 0):
        assert faster(value) == own(value) and type(faster(value)) is type(own(value))
    with pytest.raises(TypeError, match="Not a boolean value"):
        faster("x")
