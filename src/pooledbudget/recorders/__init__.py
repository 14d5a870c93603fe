"""The event store's recorders: eventsourcing's, extended with guarded appends (guard.py), the
pool links written in each append's transaction, the write scope, and faster look-ups.

They are chosen through eventsourcing's `APPLICATION_RECORDER_TOPIC` setting
(`pooledbudget.persistence` sets it to one of the topics below).
"""

from __future__ import annotations

from eventsourcing.utils import register_topic

from .guard import UNLESS_EXISTS, GuardedSaveRefused
from .postgres import GuardedPostgresRecorder
from .sqlite import GuardedSQLiteRecorder

SQLITE_RECORDER_TOPIC = "pooledbudget.recorders.sqlite:GuardedSQLiteRecorder"
POSTGRES_RECORDER_TOPIC = "pooledbudget.recorders.postgres:GuardedPostgresRecorder"
# The topics before the recorders moved here, for a setting that still names them.
register_topic("pooledbudget.guards:GuardedSQLiteRecorder", GuardedSQLiteRecorder)
register_topic("pooledbudget.guards:GuardedPostgresRecorder", GuardedPostgresRecorder)

__all__ = [
    "POSTGRES_RECORDER_TOPIC",
    "SQLITE_RECORDER_TOPIC",
    "UNLESS_EXISTS",
    "GuardedPostgresRecorder",
    "GuardedSQLiteRecorder",
    "GuardedSaveRefused",
]
