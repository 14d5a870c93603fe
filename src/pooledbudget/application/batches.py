"""The grouped batch engine behind `execute_many`: each command decided against what the ones
before it left, in memory, and a group's accepted commands saved in one atomic save; replayed one
at a time if the save conflicts or a rejected command had changed an aggregate part-way."""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

from eventsourcing.persistence import IntegrityError

from .. import commands as c
from ..collection import collection_paused
from ..errors import LedgerError, WriteLockTimeoutError
from ..recorders import UNLESS_EXISTS
from .base import Group
from .results import CommandResult, log_outcome, public_names
from .retry import Retry

GROUP_SIZE = 1000
# Sealing reads the stored log (chain_state), so these run alone, after the group before them
# is saved.
# By name: the classes are the command models, built only when a command is run.
_RUN_ALONE = frozenset({"CloseYear", "SealPool"})


def __getattr__(name: str) -> Any:
    if name == "RUN_ALONE":  # the classes, as this name gave them before
        return tuple(getattr(c, kind) for kind in sorted(_RUN_ALONE))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Replay(Exception):
    """A rejected command had changed the group's aggregates part-way: replay one at a time."""


class Batches(Retry):
    def _execute_many(self, commands: Sequence[c.Command], use_command_time: bool,
                      group_size: int,
                      pause_collection: bool) -> list[CommandResult | LedgerError]:
        outcomes: list[CommandResult | LedgerError] = []
        group: list[c.Command] = []
        for command in commands:
            if command.kind in _RUN_ALONE:
                outcomes += self._run_group(group, use_command_time, pause_collection)
                group = []
                outcomes += self._run_one_by_one([command], use_command_time)
                continue
            group.append(command)
            if len(group) >= group_size:
                outcomes += self._run_group(group, use_command_time, pause_collection)
                group = []
        outcomes += self._run_group(group, use_command_time, pause_collection)
        return outcomes

    def _run_one_by_one(self, commands: Sequence[c.Command],
                        use_command_time: bool) -> list[CommandResult | LedgerError]:
        outcomes: list[CommandResult | LedgerError] = []
        for command in commands:
            try:
                outcomes.append(self._execute_logged(command, use_command_time))
            except LedgerError as error:
                outcomes.append(error)
        return outcomes

    def _run_group(self, commands: Sequence[c.Command], use_command_time: bool,
                   pause_collection: bool = False) -> list[CommandResult | LedgerError]:
        if len(commands) <= 1:
            return self._run_one_by_one(commands, use_command_time)
        # The group's objects live until it is saved: see `execute_many`'s `pause_collection`.
        with collection_paused(force=True) if pause_collection else nullcontext():
            return self._run_paused_group(commands, use_command_time)

    def _run_paused_group(self, commands: Sequence[c.Command],
                          use_command_time: bool) -> list[CommandResult | LedgerError]:
        outcomes: list[CommandResult | LedgerError] = []
        timings: list[float] = []
        started_group = time.perf_counter()
        try:
            with self._writing():
                group = Group(absent=self._absent(commands),
                               current=self._up_to_date(self._touched(commands)))
                self._local.group = group
                for command in commands:
                    started = time.perf_counter()
                    outcomes.append(self._decide_in_group(group, command, use_command_time))
                    timings.append(time.perf_counter() - started)
                saving = time.perf_counter()
                held = [e for a in group.aggregates.values() for e in a.collect_events()]
                if len(held) != len(group.events):  # a handler changed one it didn't return
                    raise RuntimeError(
                        f"{len(held)} pending events but {len(group.events)} decided")
                if group.events:
                    self.save(*group.events, pools={key: getattr(a, "pool_id", None)
                                                    for key, a in group.aggregates.items()},
                              **{UNLESS_EXISTS: group.guards})
        except WriteLockTimeoutError as error:
            for command in commands:
                log_outcome(command, error, started_group)
            return [error for _ in commands]
        except (Replay, IntegrityError):
            self._local.group = None
            return self._run_one_by_one(commands, use_command_time)
        finally:
            self._local.group = None
        if group.events:  # committed: what the next command finds in the cache
            self._cache_saved(group.aggregates.values())
        share = (time.perf_counter() - saving) / len(commands)
        for command, outcome, spent in zip(commands, outcomes, timings, strict=True):
            log_outcome(command, outcome, time.perf_counter() - spent - share)
        return outcomes

    def _decide_in_group(self, group: Group, command: c.Command,
                         use_command_time: bool) -> CommandResult | LedgerError:
        group.marks = {}
        try:
            decided = self._decide(command, use_command_time)
        except LedgerError as error:
            if any(len(group.aggregates[key].pending_events) != mark
                   for key, mark in group.marks.items()):
                raise Replay from error
            return error
        if isinstance(decided, CommandResult):
            return decided
        for aggregate in decided.aggregates:
            group.aggregates[aggregate.id] = aggregate
        group.events += decided.events
        group.guards += decided.guard
        group.last_at = decided.at
        return CommandResult(command.kind, public_names(decided.events))
