"""The ids of the pool and decision streams, derived from the codes commands name them by.

Apart from the aggregates so that looking a stream up (does this pool exist? which stream is
its?) does not build the aggregates' event classes: a report never needs them.
"""

from __future__ import annotations

import functools
from uuid import NAMESPACE_URL, UUID, uuid5

NAMESPACE = uuid5(NAMESPACE_URL, "https://pooledbudget.example/ids")


@functools.lru_cache(maxsize=4096)  # a command derives each id several times
def pool_uuid(pool_id: str) -> UUID:
    return uuid5(NAMESPACE, f"pool:{pool_id}")


@functools.lru_cache(maxsize=4096)  # a command derives each id several times
def decision_uuid(pool_id: str, decision_id: str) -> UUID:
    return uuid5(NAMESPACE, f"decision:{pool_id}:{decision_id}")
