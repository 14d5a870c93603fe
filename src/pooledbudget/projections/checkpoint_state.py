"""A checkpoint's state part written table by table, a few hundred rows at a time (decision 0039).

The state part copies every changing row of the pool (a row per decision, and per decision and
partner): at a million events of one pool-year, tens of thousands of rows. Built whole, as
lists, then one JSON text, then its compressed copy, they raised a rebuild's peak memory with
the history. Here each table's rows are read in primary-key order, `CHUNK` at a time, and their
JSON goes straight into the part's compressor and digest, so a checkpoint holds one chunk.

The bytes are the same as the whole part spelled at once (`checkpoints.whole_parts`): JSON of
a dictionary with sorted keys and no spaces is `{`, then `"name":` and the rows' list for each
name in sorted order, joined by `,`, then `}`; a list is `[`, its items joined by `,`, `]`. The
rows are sorted by primary key in Python there (one order on every backend, whatever its
collation); here the database orders them (PostgreSQL compares text by code point, `COLLATE
"C"`, as SQLite does), and every row's key is checked to be greater than the one before: a
backend that orders otherwise makes `write_state` raise `OutOfOrderError` before anything is
stored, and the caller spells the checkpoint whole instead.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, String, Table, select

CHUNK = 500  # rows read, spelled and compressed at a time
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
Spell = Callable[[Sequence[Any]], list[Any]]


class OutOfOrderError(Exception):
    """The database returned a table's rows in another order than Python sorts their keys."""


class Part:
    """One part's JSON text, fed in pieces to its zlib compressor (level 6, as `zlib.compress`)
    and to its SHA-256 (begun with the place the digest binds it to)."""

    def __init__(self, where: bytes) -> None:
        self._zip = zlib.compressobj(6)
        self._sha = hashlib.sha256(where)
        self._out: list[bytes] = []

    def write(self, text: str) -> None:
        data = text.encode()
        self._sha.update(data)
        self._out.append(self._zip.compress(data))

    def finish(self, digested_after: bytes) -> tuple[str, bytes]:
        """(SHA-256 hex of the place, the text and `digested_after`; the text compressed)."""
        self._sha.update(digested_after)
        self._out.append(self._zip.flush())
        return self._sha.hexdigest(), b"".join(self._out)


def write_state(conn: Connection, part: Part, tables: list[Table], pool_id: str,
                spell: Spell) -> None:
    """Writes `{"name":[rows],...}` of the pool's rows of `tables` into `part`, names sorted,
    each row the list of its values in column order as `spell` gives it."""
    part.write("{")
    for i, table in enumerate(sorted(tables, key=lambda t: t.name)):
        part.write(("," if i else "") + json.dumps(table.name) + ":[")
        first = True
        for rows in _ordered_chunks(conn, table, pool_id, spell):
            part.write(("" if first else ",") + _ENCODER.encode(rows)[1:-1])
            first = False
        part.write("]")
    part.write("}")


def _ordered_chunks(conn: Connection, table: Table, pool_id: str,
                    spell: Spell) -> Iterator[list[list[Any]]]:
    """The pool's rows of `table` in primary-key order, `CHUNK` at a time, each checked to
    follow the one before. A table with rows per decision is read through a server-side
    cursor on PostgreSQL (the driver would otherwise hold the whole result); the few rows per
    partner and year of the others are not worth its round trips."""
    names = [c.name for c in table.columns]
    key = itemgetter(*[names.index(c.name) for c in table.primary_key.columns])
    last: Any = None
    query = select(table).where(table.c.pool_id == pool_id).order_by(*_order(conn, table))
    if "decision_id" in table.c:  # rows per decision: a server-side cursor where there is one
        query = query.execution_options(yield_per=CHUNK)
    result = conn.execute(query)
    try:
        for partition in result.partitions(CHUNK):
            rows = [spell(row) for row in partition]
            for row in rows:
                this = key(row)
                if last is not None and not last < this:
                    raise OutOfOrderError(f"{table.name}: {this!r} after {last!r}")
                last = this
            yield rows
    finally:
        result.close()


def _order(conn: Connection, table: Table) -> list[Any]:
    """The primary key's columns, text compared by code point as Python compares it (SQLite's
    default; PostgreSQL's `"C"` collation, whatever the database's)."""
    postgres = conn.dialect.name == "postgresql"
    return [c.collate("C") if postgres and isinstance(c.type, String) else c
            for c in table.primary_key.columns]
