"""Deciding one command: dispatched to its handler, checked for a duplicate first (R25), given
its recording time, and its new events gathered with its receipt and year-closure guard (R17)."""

from __future__ import annotations

from functools import cached_property

from .. import aggregates
from .. import commands as c
from ..aggregates.terms import Actor
from ..errors import LedgerError
from .base import Decided
from .cache import AggregateCache
from .dispatch import Handler, bound_handlers
from .idempotency import Idempotency
from .recording_time import RecordingTime
from .results import CommandResult, public_names


class Deciding(Idempotency, RecordingTime, AggregateCache):
    @cached_property
    def _handlers(self) -> dict[type[c.Command], Handler]:
        """The dispatch table (dispatch.py) bound to this ledger, made at its first command: a
        ledger opened only to read never loads the command models. Tests may replace one."""
        return bound_handlers(self)

    def _decide(self, command: c.Command, use_command_time: bool) -> CommandResult | Decided:
        """The command's new events (with the aggregates that hold them and the year-closure
        guard), or the first result if it is a duplicate; raises `LedgerError` if rejected."""
        digest = command.content_digest() if command.command_id else None
        handler = self._handlers[type(command)]
        actor: Actor = command.actor.model_dump()
        if duplicate := self._duplicate(command, digest):
            return duplicate
        self._local.shared = []
        self._local.current = {}  # nothing brought up to date for another command is used
        try:
            at = self._recording_time(command, use_command_time)
            touched = handler(command, actor, at)
            self._check_shared_unchanged()
        except LedgerError:
            self._check_shared_unchanged()
            self._local.current = {}
            # Another process may have applied this very command since the check above, so
            # the handler saw its effects (its invoice taken, say): R25 still comes first.
            if duplicate := self._duplicate(command, digest):
                return duplicate
            raise
        self._local.current = {}  # what this command did not take is not kept for the next
        group = self._group()
        marks = {} if group is None else group.marks
        events = [e for a in touched for e in a.pending_events[marks.get(a.id, 0):]]
        if command.command_id and digest:
            receipt = self._receipt(command, digest, public_names(events), actor, at)
            touched.append(receipt)
            events += receipt.pending_events
        # A decision is written only while its year is open (R17): the save is refused if the
        # year's closure was recorded meanwhile (see recorders/guard.py, 0006).
        decision, closure_uuid = aggregates.Decision, aggregates.closure_uuid
        guard = [closure_uuid(a.pool_id, a.year) for a in touched if isinstance(a, decision)]
        return Decided(touched, events, guard, at)
