"""Speed: SQLite look-ups of several aggregates in one query, one aggregate's stream read as a
range of the primary key (a group's receipts and caches, the change feed, verify), and a batch
of the log read as plain rows (catching up, decision 0047)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder


class SQLiteFastReads(SQLiteApplicationRecorder):
    def select_after(self, after: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """The events of several aggregates after the versions given, in one query."""
        one = (f"SELECT originator_id, originator_version, topic, state FROM "
               f"{self.events_table_name} WHERE originator_id = ? AND originator_version > ?")
        rows = []
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(after), 200):  # SQLite allows 500 terms in a compound
                chunk = after[start:start + 200]
                c.execute(" UNION ALL ".join([one] * len(chunk)),
                          [value for key, version in chunk for value in (key.hex, version)])
                rows += c.fetchall()
        return self._in_order(rows)

    def notification_rows(self, start: int, limit: int, stop: int,
                          topics: Sequence[str]) -> list[tuple[int, str, int, str, bytes]]:
        """`select_notifications(start, limit, stop, topics, inclusive_of_start=False)` as
        rows of (id, originator id as stored, version, topic, state): no object and no UUID
        made for each (a projection decodes the ids it meets once, `LogReader`)."""
        of_topics = f"AND topic IN ({','.join('?' * len(topics))}) " if topics else ""
        with self.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None  # tuples, not the connection's `sqlite3.Row`
            cursor.execute(f"SELECT rowid, originator_id, originator_version, topic, state "
                           f"FROM {self.events_table_name} WHERE rowid > ? AND rowid <= ? "
                           f"{of_topics}ORDER BY rowid LIMIT ?", [start, stop, *topics, limit])
            return cursor.fetchall()

    def select_stream(self, aggregate_id: UUID, after: int, limit: int,
                      stop: int) -> list[Notification]:
        """One aggregate's events after version `after` and up to notification id `stop`, with
        their ids (a range of the primary key, whose entries hold the rowid: as fast at the end
        of a long history as at its start)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT rowid, originator_version, topic, state FROM "
                      f"{self.events_table_name} WHERE originator_id = ? AND "
                      f"originator_version > ? AND rowid <= ? ORDER BY originator_version "
                      f"LIMIT ?", (aggregate_id.hex, after, stop, limit))
            return [Notification(id=row["rowid"], originator_id=aggregate_id,
                                 originator_version=row["originator_version"],
                                 topic=row["topic"], state=row["state"])
                    for row in c.fetchall()]

    def select_streams_upto(self, ids: Sequence[UUID], stop: int) -> list[StoredEvent]:
        """Several aggregates' events up to notification id `stop`, in order."""
        return self._in_order(self._by_ids(
            f"SELECT originator_id, originator_version, topic, state FROM "
            f"{self.events_table_name} WHERE rowid <= ?", [stop], ids))

    def existing(self, ids: Sequence[UUID], stop: int | None = None) -> set[UUID]:
        """Which of these aggregates have been created (by notification id `stop`, if given):
        one query for a whole group."""
        by, bound = ("", []) if stop is None else (" AND rowid <= ?", [stop])
        return {UUID(row["originator_id"]) for row in self._by_ids(
            f"SELECT originator_id FROM {self.events_table_name} WHERE "
            f"originator_version = 1{by}", bound, ids)}

    def _by_ids(self, query: str, params: list[Any], ids: Sequence[UUID]) -> list[Any]:
        """The rows of `query` (a `WHERE` clause and its `params`) of these aggregates: 500 ids
        a statement, in one read transaction."""
        rows = []
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                c.execute(f"{query} AND originator_id IN ({','.join('?' * len(chunk))})",
                          [*params, *(i.hex for i in chunk)])
                rows += c.fetchall()
        return rows

    def _in_order(self, rows: list[Any]) -> list[StoredEvent]:
        """Stored events of rows, by aggregate and version."""
        events = [StoredEvent(originator_id=self.convert_originator_id(row["originator_id"]),
                              originator_version=row["originator_version"],
                              topic=row["topic"], state=row["state"]) for row in rows]
        return sorted(events, key=lambda e: (str(e.originator_id), e.originator_version))
