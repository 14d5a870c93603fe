"""Loading aggregates: as the commands before this one left them (saved or, in a group, not
yet), and the pool and decision look-ups that fail with the rule by which they exist."""

from __future__ import annotations

from copy import deepcopy
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from .. import aggregates
from ..errors import StateError
from .base import LedgerBase

if TYPE_CHECKING:
    from ..aggregates import Decision, Pool

A = TypeVar("A", bound=Aggregate)


class Loading(LedgerBase):
    def _find(self, cls: type[A], aggregate_id: UUID, *, read_only: bool = False) -> A | None:
        """The aggregate as the commands before this one left it (in a group, they may not be
        saved yet), or None.

        `read_only`: the command will not change it, so the repository's cached instance is
        used as it is instead of a copy (copying a pool or decision on every command is most
        of a command's cost). Outside a group only: a group may change it in a later command.
        """
        group = self._group()
        aggregate: Any = None if group is None else group.aggregates.get(aggregate_id)
        if aggregate is None:
            absent = (group.absent if group is not None
                      else getattr(self._local, "assumed_absent", ()))
            if aggregate_id in absent:
                return None
            shared = read_only and group is None
            current = (group.current if group is not None
                       else getattr(self._local, "current", None))
            if current and aggregate_id in current:  # brought up to date with others
                aggregate = current.pop(aggregate_id)
                if not shared:
                    aggregate = deepcopy(aggregate)
            else:
                try:
                    aggregate = self.repository.get(aggregate_id, deepcopy_from_cache=not shared)
                except AggregateNotFoundError:
                    return None
            if shared:
                self._local.shared = [*getattr(self._local, "shared", []), aggregate]
            if group is not None:
                group.aggregates[aggregate_id] = aggregate
        if group is not None:
            group.marks.setdefault(aggregate_id, len(aggregate.pending_events))
        if not isinstance(aggregate, cls):
            raise TypeError(f"{aggregate_id} is a {type(aggregate).__name__}, not {cls.__name__}")
        return aggregate

    def pool(self, pool_id: str, *, read_only: bool = False) -> Pool:
        pool = self._find(aggregates.Pool, aggregates.pool_uuid(pool_id), read_only=read_only)
        if pool is None:
            raise StateError(f"no pool {pool_id!r} has been established (R5)", field="pool_id",
                             code="pool_not_found", rule="R5")
        return pool

    def decision(self, pool_id: str, decision_id: str) -> Decision:
        """The decision, or `decision_not_found` under R9 (the rule by which decisions exist)."""
        return self._decision(pool_id, decision_id, "R9")

    def _decision(self, pool_id: str, decision_id: str, rule: str) -> Decision:
        """The decision, or `decision_not_found` under the rule of the command looking (R10
        approving, R13 spending)."""
        decision = self._find(aggregates.Decision, aggregates.decision_uuid(pool_id, decision_id))
        if decision is None:
            raise StateError(f"no decision {decision_id!r} in pool {pool_id!r} ({rule})",
                             field="decision_id", code="decision_not_found", rule=rule)
        return decision
