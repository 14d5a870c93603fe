"""Opening the read-model store makes the tables a ledger lacks, as `metadata.create_all` did,
but asks the database which tables it has in one query rather than one query a table (every
command that opens a ledger pays for it: twenty round trips on PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event, inspect

from pooledbudget.persistence import database, prepare
from pooledbudget.projections import ReadModelStore
from pooledbudget.projections.bulk import raw_table_name
from pooledbudget.projections.tables import metadata, spend_allocations


def _opened(url: str) -> tuple[ReadModelStore, list[str]]:
    """A store opened on `url`, and the statements the opening sent."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        store = ReadModelStore.for_database(database(url))
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    return store, sent


def _tables_and_indexes(store: ReadModelStore) -> tuple[set[str], set[str]]:
    schema = store.engine.get_execution_options().get("schema_translate_map", {}).get(None)
    with store.engine.connect() as conn:
        found = inspect(conn)
        names = set(found.get_table_names(schema=schema))
        indexes = {ix["name"] for name in names for ix in found.get_indexes(name, schema=schema)
                   if ix["name"]}
    return names, indexes


def test_opening_a_complete_store_asks_once_which_tables_exist(db_url: str) -> None:
    """A store whose tables are all there is opened with one catalogue query and the version
    read, not a query a table: no CREATE, and fewer statements than it has tables."""
    prepare(database(db_url))  # a PostgreSQL schema of its own
    ReadModelStore.for_database(database(db_url)).engine.dispose()  # made once
    store, sent = _opened(db_url)
    try:
        assert not [s for s in sent if s.lstrip().upper().startswith("CREATE")]
        assert len(sent) < len(metadata.tables) // 4, sent
    finally:
        store.engine.dispose()


def test_a_missing_table_is_made_with_its_indexes_when_the_store_opens(db_url: str) -> None:
    """A read-model table dropped (as a database made before the table was added lacks it) is
    made again, with its indexes, when the store is next opened; the others are left as they
    are, and the store then has every table and index a fresh one has."""
    prepare(database(db_url))
    fresh = ReadModelStore.for_database(database(db_url))
    complete = _tables_and_indexes(fresh)
    with fresh.transaction() as conn:
        conn.exec_driver_sql(f"DROP TABLE {raw_table_name(conn, spend_allocations)}")
    assert spend_allocations.name not in _tables_and_indexes(fresh)[0]
    fresh.engine.dispose()
    store, sent = _opened(db_url)
    try:
        creates = [s for s in sent if s.lstrip().upper().startswith("CREATE")]
        assert creates and all(spend_allocations.name in s for s in creates)
        assert _tables_and_indexes(store) == complete
        assert {index.name for index in spend_allocations.indexes} <= complete[1]
    finally:
        store.engine.dispose()
