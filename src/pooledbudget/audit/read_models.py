"""`verify --read-models`: the stored read models against a rebuild from the log.

The read models are tables anyone with the database can edit, and reports read them. This
rebuilds every one in memory from the log (as `rebuild` would, without touching the stored
ones), then compares them table by table in primary-key order and names the first row that
differs: its table, its key, and the column (or that the row is missing or extra). The
checkpoints as-at reads (decision 0030) are rebuilt and compared the same way, after the read
models: an edited checkpoint is named by its pool and position.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select

from ..projections.live import live_store
from ..projections.projector import LedgerProjection, catch_up
from ..projections.store import ReadModelStore
from ..projections.tables import CHECKPOINT_TABLES, READ_MODEL_TABLES


def _plain(value: Any) -> Any:
    """One spelling per value whatever the backend gave (SQLite drops a time's zone)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (bytes, memoryview)):  # a checkpoint's rows: shown by their digest
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    return value


def _rows(store: ReadModelStore, table: Table) -> dict[tuple[Any, ...], dict[str, Any]]:
    key = [column.name for column in table.primary_key.columns]
    with store.transaction() as conn:
        rows = conn.execute(select(table)).mappings().all()
    return {tuple(_plain(row[k]) for k in key): {c: _plain(v) for c, v in row.items()}
            for row in rows}


def compare_read_models(ledger: Any) -> tuple[int, dict[str, Any] | None]:
    """(rows compared, the first difference or None)."""
    stored = live_store(ledger)  # caught up with the log first, as every report is
    rebuilt = ReadModelStore.in_memory(keeps_text=stored.keeps_text)  # the same text kept
    catch_up(ledger, LedgerProjection(rebuilt, ledger))
    compared = 0
    for table in [*READ_MODEL_TABLES, *CHECKPOINT_TABLES]:
        mine, theirs = _rows(rebuilt, table), _rows(stored, table)
        key_names = [column.name for column in table.primary_key.columns]
        for key in sorted(mine.keys() | theirs.keys(), key=lambda k: [str(v) for v in k]):
            compared += 1
            where = {"table": table.name, "key": dict(zip(key_names, key, strict=True))}
            if key not in theirs:
                return compared, {**where, "problem": "a row the log gives is missing from "
                                  "the stored read models"}
            if key not in mine:
                return compared, {**where, "problem": "a stored row that the log does not give"}
            for column in table.columns:
                if mine[key][column.name] != theirs[key][column.name]:
                    return compared, {**where, "column": column.name,
                                      "problem": "the stored value differs from the log's",
                                      "stored": theirs[key][column.name],
                                      "rebuilt": mine[key][column.name]}
    return compared, None
