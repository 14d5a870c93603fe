"""Speed: the repository's aggregate cache, kept exactly as recorded and brought up to date for
a command or a whole group in one query rather than one per aggregate."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from copy import deepcopy
from typing import Any
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate

from .. import commands as c
from .base import LedgerBase


class AggregateCache(LedgerBase):
    def _up_to_date(self, ids: Iterable[UUID]) -> dict[UUID, Any]:
        """Those of these aggregates the cache holds, brought up to date in one query (the
        recorder's `select_after`) rather than the repository's one each: a round trip less per
        command, a query per group instead of one per aggregate. Copy on write: a cached
        instance is never changed here; one with newer events is replaced in the cache by an
        updated copy. `_find` takes them from here; the repository loads the rest as usual."""
        cache = self.repository.cache
        select_after = getattr(self.recorder, "select_after", None)
        if cache is None or select_after is None:
            return {}
        found: dict[UUID, Any] = {}
        for aggregate_id in ids:
            try:
                found[aggregate_id] = cache.get(aggregate_id)
            except KeyError:
                continue
        if not found:
            return found
        newer: dict[UUID, list[Any]] = {}
        for stored in select_after([(key, aggregate.version) for key, aggregate in found.items()]):
            newer.setdefault(stored.originator_id, []).append(self.mapper.to_domain_event(stored))
        for aggregate_id, events in newer.items():
            updated = project_aggregate(deepcopy(found[aggregate_id]), events)
            cache.put(aggregate_id, updated)
            found[aggregate_id] = updated
        return found

    @staticmethod
    def _touched(commands: Sequence[c.Command]) -> set[UUID]:
        """The pools and decisions these commands name."""
        from ..aggregates import decision_uuid, pool_uuid

        ids: set[UUID] = set()
        for command in commands:
            pool_id = getattr(command, "pool_id", None)
            if pool_id is None:
                continue
            ids.add(pool_uuid(pool_id))
            if (decision_id := getattr(command, "decision_id", None)) is not None:
                ids.add(decision_uuid(pool_id, decision_id))
        return ids

    def _cache_saved(self, aggregates: Iterable[Aggregate]) -> None:
        """Just saved, these decisions are exactly as recorded: cached, the next command finds
        them current instead of reading back and applying the events it has just written. (The
        repository fast-forwards whatever it serves, so a cached instance another writer has
        since moved on from is brought up to date, never served stale.)"""
        from ..aggregates import Decision
        from ..aggregates.registry import LegacyInvoiceRefs

        cache = self.repository.cache
        for aggregate in aggregates:  # a pool's raw-text claims, just listed, never change
            if type(aggregate) is LegacyInvoiceRefs and not aggregate.pending_events:
                self._legacy_claims[aggregate.pool_id] = aggregate.claims
        if cache is None:
            return
        for aggregate in aggregates:
            if type(aggregate) is Decision and not aggregate.pending_events:
                cache.put(aggregate.id, aggregate)

    def _check_shared_unchanged(self) -> None:
        """A handler changed an aggregate it had loaded read-only (the cached instance itself):
        a bug, caught before the cache could serve the change as if it were recorded."""
        changed = [a for a in getattr(self._local, "shared", []) if a.pending_events]
        self._local.shared = []
        if changed:
            for aggregate in changed:
                self.repository.cache.get(aggregate.id, evict=True)  # type: ignore[union-attr]
            raise RuntimeError(f"{type(changed[0]).__name__} {changed[0].id} was loaded "
                               "read-only but changed")
