"""The event store's recorders: eventsourcing's, extended with guarded appends (guard.py), the
pool links written in each append's transaction, the write scope, and faster look-ups.

They are chosen through eventsourcing's `APPLICATION_RECORDER_TOPIC` setting
(`pooledbudget.persistence` sets it to one of the topics below).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.utils import register_topic

from .guard import UNLESS_EXISTS, GuardedSaveRefused
from .sqlite import GuardedSQLiteRecorder

if TYPE_CHECKING:
    from .postgres import GuardedPostgresRecorder

SQLITE_RECORDER_TOPIC = "pooledbudget.recorders.sqlite:GuardedSQLiteRecorder"
# PostgreSQL's recorder appends a group's events through typed arrays (decision 0032). Named by
# topic only: its module (and psycopg) loads when a PostgreSQL ledger is opened, not at every
# start-up.
POSTGRES_RECORDER_TOPIC = ("pooledbudget.recorders.postgres_array_append:"
                           "ArrayAppendPostgresRecorder")
# The topic before the recorders moved here, for a setting that still names it (the PostgreSQL
# one is registered by its module).
register_topic("pooledbudget.guards:GuardedSQLiteRecorder", GuardedSQLiteRecorder)


def __getattr__(name: str) -> Any:
    if name == "GuardedPostgresRecorder":
        from .postgres import GuardedPostgresRecorder

        return GuardedPostgresRecorder
    raise AttributeError(name)

__all__ = [
    "POSTGRES_RECORDER_TOPIC",
    "SQLITE_RECORDER_TOPIC",
    "UNLESS_EXISTS",
    "GuardedPostgresRecorder",
    "GuardedSQLiteRecorder",
    "GuardedSaveRefused",
]
