"""The pool-wide links and the stream index, written by the recorders inside each append.

Every event's own chain (`aggregates/chain.py`) links it to the previous event of its aggregate;
nothing there notices a whole stream, a stream's last events or a year close removed. So each
append also writes, in the same transaction and after the lock that serialises appends (SQLite's
write lock, PostgreSQL's table lock), one **link** per event:
`link = SHA-256(previous link of the pool ":" aggregate_id ":" version ":" hash)`, numbered
`seq` 1, 2, … per pool in notification order, the first from 64 zeros (the fold a seal's
`log_digest` uses). The previous link is the pool's last stored one, read by key: an append
costs the same at any length of history. The last link of a pool is its **head**: written down
outside the database (the board pack and the ledger export carry it), it anchors everything up
to it (`verify --expect-head`).

The same append records, for the first event of a pool or decision stream, which pool (and
year) it belongs to: the **stream index** a pool's as-at replays from (never the read models,
which anyone can edit). `verify` checks both against the log.

A ledger written before these tables existed has no links for its earlier events: the table of
settings records, as `links_from`, the last notification id at the moment they were made; links
are required after it. Its stream index is filled from the log once (`backfill_streams`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from . import aggregates
from .aggregates.chain import GENESIS
from .audit.chain_state import fold_digest

LOG_INDEX = "log_index"  # the save's keyword: one IndexEntry per stored event, in order
NO_POOL = ""  # the pool key of an event that belongs to no pool
LINKS_FROM = "links_from"
STREAMS_READY = "streams_ready"


@dataclass(frozen=True)
class IndexEntry:
    """What the recorder cannot read from an (possibly encrypted) stored event."""

    pool: str
    hash: str
    kind: str | None = None  # "pool" or "decision" on the first event of such a stream
    year: str | None = None


@dataclass(frozen=True)
class Link:
    pool: str
    seq: int
    notification_id: int
    aggregate_id: UUID
    version: int
    link: str


def table_names(events_table: str) -> dict[str, str]:
    return {"links": f"{events_table}_links", "streams": f"{events_table}_streams",
            "meta": f"{events_table}_index_meta", "events": events_table}


def new_links(entries: Sequence[IndexEntry], stored: Sequence[StoredEvent],
              notification_ids: Sequence[int], last: dict[str, tuple[int, str]]) -> list[Link]:
    """The links of these events, carrying on from each pool's `last` (seq, link)."""
    if len(entries) != len(stored) or len(stored) != len(notification_ids):
        raise ValueError(f"{len(entries)} index entries for {len(stored)} events")
    links = []
    for entry, event, notification_id in zip(entries, stored, notification_ids, strict=True):
        seq, previous = last.get(entry.pool, (0, GENESIS))
        aggregate_id = _uuid(event.originator_id)
        link = fold_digest(previous, aggregate_id, event.originator_version, entry.hash)
        last[entry.pool] = (seq + 1, link)
        links.append(Link(entry.pool, seq + 1, notification_id, aggregate_id,
                          event.originator_version, link))
    return links


def new_streams(entries: Sequence[IndexEntry], stored: Sequence[StoredEvent],
                notification_ids: Sequence[int]) -> list[tuple[UUID, str, str, str | None, int]]:
    return [(_uuid(event.originator_id), entry.pool, entry.kind, entry.year, nid)
            for entry, event, nid in zip(entries, stored, notification_ids, strict=True)
            if entry.kind is not None]


def _uuid(value: Any) -> UUID:
    """A stored event's id as a `UUID` (a copy of none when it is one already)."""
    return value if type(value) is UUID else UUID(str(value))


def entry_for(event: Any, pool: str | None) -> IndexEntry:
    """The index entry of one domain event of an aggregate of `pool`."""
    kind = year = None
    if isinstance(event, aggregates.Pool.Established):  # the classes are loaded at first use
        kind = "pool"
    elif isinstance(event, aggregates.Decision.Proposed):
        kind, year = "decision", event.year
    return IndexEntry(NO_POOL if pool is None else pool, event.hash, kind, year)


# -- the statements, written once with `?` and `{table}` for both backends ----------------------

SQLITE_CREATE = [
    "CREATE TABLE IF NOT EXISTS {links} (pool_id TEXT NOT NULL, seq INTEGER NOT NULL, "
    "notification_id INTEGER NOT NULL UNIQUE, originator_id TEXT NOT NULL, "
    "originator_version INTEGER NOT NULL, link TEXT NOT NULL, PRIMARY KEY (pool_id, seq)) "
    "WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS {streams} (originator_id TEXT PRIMARY KEY, pool_id TEXT NOT NULL, "
    "kind TEXT NOT NULL, year TEXT, notification_id INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS {streams}_pool ON {streams} (pool_id, kind, year)",
    "CREATE TABLE IF NOT EXISTS {meta} (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO {meta} SELECT 'links_from', COALESCE(MAX(rowid), 0) FROM {events}",
    "INSERT OR IGNORE INTO {meta} SELECT 'streams_ready', 0 FROM {meta} "
    "WHERE name = 'links_from' AND value = 0",
]
POSTGRES_CREATE = [
    "CREATE TABLE IF NOT EXISTS {links} (pool_id text NOT NULL, seq bigint NOT NULL, "
    "notification_id bigint NOT NULL UNIQUE, originator_id uuid NOT NULL, "
    "originator_version bigint NOT NULL, link text NOT NULL, PRIMARY KEY (pool_id, seq))",
    "CREATE TABLE IF NOT EXISTS {streams} (originator_id uuid PRIMARY KEY, pool_id text NOT NULL, "
    "kind text NOT NULL, year text, notification_id bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS {streams_index} ON {streams} (pool_id, kind, year)",
    "CREATE TABLE IF NOT EXISTS {meta} (name text PRIMARY KEY, value bigint NOT NULL)",
    "INSERT INTO {meta} SELECT 'links_from', COALESCE(MAX(notification_id), 0) FROM {events} "
    "ON CONFLICT DO NOTHING",
    "INSERT INTO {meta} SELECT 'streams_ready', 0 FROM {meta} "
    "WHERE name = 'links_from' AND value = 0 ON CONFLICT DO NOTHING",
]
LAST_LINK = "SELECT seq, link FROM {links} WHERE pool_id = ? ORDER BY seq DESC LIMIT 1"
LAST_LINKS_POSTGRES = ("SELECT p.pool_id, l.seq, l.link FROM unnest(?::text[]) AS p(pool_id) "
                       "JOIN LATERAL (SELECT seq, link FROM {links} WHERE pool_id = p.pool_id "
                       "ORDER BY seq DESC LIMIT 1) AS l ON true")
HEAD = ("SELECT pool_id, seq, notification_id, link FROM {links} WHERE pool_id = ? "
        "ORDER BY seq DESC LIMIT 1")
INSERT_LINK = "INSERT INTO {links} VALUES (?, ?, ?, ?, ?, ?)"
INSERT_LINKS_POSTGRES = ("INSERT INTO {links} SELECT * FROM unnest(?::text[], ?::bigint[], "
                         "?::bigint[], ?::uuid[], ?::bigint[], ?::text[])")
INSERT_STREAM = "INSERT INTO {streams} VALUES (?, ?, ?, ?, ?)"
BACKFILL_STREAM = {"sqlite": "INSERT OR IGNORE INTO {streams} VALUES (?, ?, ?, ?, ?)",
                   "postgres": "INSERT INTO {streams} VALUES (?, ?, ?, ?, ?) "
                               "ON CONFLICT DO NOTHING"}
LINKS_AFTER = ("SELECT pool_id, seq, notification_id, originator_id, originator_version, link "
               "FROM {links} WHERE notification_id > ? ORDER BY notification_id LIMIT ?")
ALL_STREAMS = "SELECT originator_id, pool_id, kind, year, notification_id FROM {streams}"
STREAMS_AFTER = ALL_STREAMS + " WHERE notification_id > ?"
POOL_STREAMS = ("SELECT originator_id, year FROM {streams} WHERE pool_id = ? AND kind = ? "
                "ORDER BY notification_id")
STREAM_OF = "SELECT pool_id, kind FROM {streams} WHERE originator_id = ?"
STREAMS_OF = {"sqlite": "SELECT originator_id, pool_id, kind, year FROM {streams} "
                        "WHERE originator_id IN (SELECT value FROM json_each(?))",
              "postgres": "SELECT originator_id, pool_id, kind, year FROM {streams} "
                          "WHERE originator_id = ANY(?::uuid[])"}
FIRST_STREAM = "SELECT MIN(notification_id) AS first FROM {streams} WHERE pool_id = ? AND kind = ?"
FIRST_STREAM_OF_YEAR = FIRST_STREAM + " AND year = ?"
META = "SELECT name, value FROM {meta}"
SET_META = "INSERT INTO {meta} VALUES (?, ?)"


# -- reading and writing through either recorder ------------------------------------------------


def has_index(recorder: Any) -> bool:
    return callable(getattr(recorder, "index_rows", None))


def settings(recorder: Any) -> dict[str, int]:
    return {row["name"]: int(row["value"]) for row in recorder.index_rows(META, ())}


def head(recorder: Any, pool: str) -> dict[str, Any] | None:
    """The pool's last link as stored (None: nothing of the pool linked yet)."""
    if not has_index(recorder):
        return None
    rows = recorder.index_rows(HEAD, (pool,))
    if not rows:
        return None
    row = rows[0]
    return {"pool": row["pool_id"], "head": row["link"], "seq": int(row["seq"]),
            "notification_id": int(row["notification_id"])}


def links_after(recorder: Any, after: int, limit: int) -> list[Link]:
    return [Link(row["pool_id"], int(row["seq"]), int(row["notification_id"]),
                 UUID(str(row["originator_id"])), int(row["originator_version"]), row["link"])
            for row in recorder.index_rows(LINKS_AFTER, (after, limit))]


def all_streams(recorder: Any, after: int = 0) -> dict[UUID, tuple[str, str, str | None, int]]:
    """The stream index (its rows of streams begun after the position `after`, if given)."""
    rows = (recorder.index_rows(ALL_STREAMS, ()) if not after
            else recorder.index_rows(STREAMS_AFTER, (after,)))
    return {UUID(str(row["originator_id"])): (row["pool_id"], row["kind"], row["year"],
                                              int(row["notification_id"]))
            for row in rows}


def pool_streams(recorder: Any, pool: str, kind: str) -> list[tuple[UUID, str | None]]:
    return [(UUID(str(row["originator_id"])), row["year"])
            for row in recorder.index_rows(POOL_STREAMS, (pool, kind))]


def stream_of(recorder: Any, aggregate_id: UUID) -> tuple[str, str] | None:
    """The pool and kind of one stream, by its key (None: not in the index)."""
    rows = recorder.index_rows(STREAM_OF, (aggregate_id,))
    return (rows[0]["pool_id"], rows[0]["kind"]) if rows else None


def streams_of(recorder: Any, ids: Sequence[UUID]) -> dict[UUID, tuple[str, str, str | None]]:
    """The pool, kind and year of each of these streams that the index holds, in one query."""
    if recorder.index_backend == "sqlite":
        rows = recorder.index_rows(STREAMS_OF["sqlite"], (json.dumps([i.hex for i in ids]),))
    else:
        rows = recorder.index_rows(STREAMS_OF["postgres"], (list(ids),))
    return {_uuid(row["originator_id"]): (row["pool_id"], row["kind"], row["year"])
            for row in rows}


def first_stream_at(recorder: Any, pool: str, kind: str, year: str | None) -> int | None:
    """The log position at which the pool's first stream of this kind (of `year`, if given)
    began; None when it has none."""
    rows = (recorder.index_rows(FIRST_STREAM, (pool, kind)) if year is None
            else recorder.index_rows(FIRST_STREAM_OF_YEAR, (pool, kind, year)))
    first = rows[0]["first"] if rows else None
    return None if first is None else int(first)


def streams_ready(recorder: Any) -> bool:
    return has_index(recorder) and STREAMS_READY in settings(recorder)


def backfill_streams(app: Any) -> int:
    """Fills the stream index for a ledger written before it existed: the pools and decisions
    created up to `links_from`, from the log (once; the rows are keyed, so two processes doing
    it at once write each row once). Returns how many streams were found."""
    recorder = app.recorder
    if not has_index(recorder):
        return 0
    found = settings(recorder)
    if STREAMS_READY in found:
        return 0
    upto = found.get(LINKS_FROM, 0)
    from .audit.log_scan import scan_log

    rows = []
    for logged in scan_log(app, up_to=upto):
        if logged.version != 1 or logged.event is None:
            continue
        entry = entry_for(logged.event, logged.pool_id)
        if entry.kind is not None:
            rows.append((logged.aggregate_id, entry.pool, entry.kind, entry.year,
                         logged.notification_id))
    recorder.index_write(BACKFILL_STREAM[recorder.index_backend], rows)
    recorder.index_write(BACKFILL_META[recorder.index_backend], [(STREAMS_READY, upto)])
    return len(rows)


BACKFILL_META = {"sqlite": "INSERT OR IGNORE INTO {meta} VALUES (?, ?)",
                 "postgres": "INSERT INTO {meta} VALUES (?, ?) ON CONFLICT DO NOTHING"}
