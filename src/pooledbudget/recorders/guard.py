"""Conditional appends: a save that is refused if any of some given aggregates exists.

`app.save(*aggregates, unless_exists=[ids])` appends the aggregates' events only if none of the
aggregates `ids` has been created, checked inside the same transaction as the append and after
the lock that serialises appends — so the check and the append are one atomic step:

- PostgreSQL (`eventsourcing.postgres`): every append takes `LOCK TABLE … IN EXCLUSIVE MODE` (that
  is how eventsourcing keeps notification ids in commit order). The guard takes that lock first,
  then looks, then inserts; under READ COMMITTED each statement sees everything committed
  before it, and no other append can commit until this transaction ends.
- SQLite: the guard looks after the inserts, when the transaction already holds the database's
  single write lock; SQLite allows one writer at a time, and a writer reads the latest commit.

A command's append runs inside its write scope (writelock.py): the lock is already held from
before the command decided, and the append joins that transaction instead of opening its own.

A guarded id that exists raises `eventsourcing.persistence.IntegrityError` and nothing is written,
exactly like a version conflict, so the application's reload-and-retry loop applies unchanged.
Used to close the year-close/spend race (R17).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

UNLESS_EXISTS = "unless_exists"


class GuardedSaveRefused(IntegrityError):
    """An aggregate named in `unless_exists` exists: the save was rolled back."""


def guarded(kwargs: dict[str, Any]) -> list[UUID]:
    """The aggregates a save names in `unless_exists`, each once, in order."""
    ids: Iterable[UUID] = kwargs.get(UNLESS_EXISTS) or ()
    return list(dict.fromkeys(ids))
