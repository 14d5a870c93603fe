"""Every read-model row as plain data, to compare two sets of read models exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from pooledbudget.projections import ReadModelStore
from pooledbudget.projections.tables import READ_MODEL_TABLES, tracking


def dump(store: ReadModelStore) -> dict[str, list[str]]:
    """Each table's rows (and the tracking position), order-independent."""
    tables: dict[str, list[str]] = {}
    with store.transaction() as conn:
        for table in [*READ_MODEL_TABLES, tracking]:
            rows = conn.execute(select(table)).mappings().all()
            tables[table.name] = sorted(json.dumps(dict(row), default=_plain, sort_keys=True)
                                        for row in rows)
    return tables


def dump_pool(store: ReadModelStore, pool: str | None) -> dict[str, list[str]]:
    """Each read-model table's rows of one pool (None: every pool's), order-independent."""
    tables: dict[str, list[str]] = {}
    with store.transaction() as conn:
        for table in READ_MODEL_TABLES:
            query = select(table) if pool is None else select(table).where(table.c.pool_id == pool)
            rows = conn.execute(query).mappings().all()
            tables[table.name] = sorted(json.dumps(dict(row), default=_plain, sort_keys=True)
                                        for row in rows)
    return tables


def _plain(value: Any) -> str:
    """Times as UTC whatever the backend hands back (SQLite drops the zone, PostgreSQL keeps it)."""
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value)
