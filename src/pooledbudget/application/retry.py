"""One command, atomically: decided and saved under the write lock, optimistically first (its
receipt and references taken not to exist), again with every look-up if that guess was wrong,
and again after a short random pause if it lost a race to a writer that does not take the lock."""

from __future__ import annotations

import random
import time

from eventsourcing.persistence import IntegrityError

from .. import commands as c
from ..errors import ConcurrencyConflictError, LedgerError, WriteLockTimeoutError
from .base import Decided
from .deciding import Deciding
from .fast_save import FastSave
from .results import CommandResult, log_outcome, public_names

MAX_ATTEMPTS = 5


class Retry(Deciding, FastSave):
    def _execute_logged(self, command: c.Command, use_command_time: bool) -> CommandResult:
        """`_execute`, with its log line."""
        started = time.perf_counter()
        try:
            result = self._execute(command, use_command_time)
        except LedgerError as error:
            log_outcome(command, error, started)
            raise
        log_outcome(command, result, started)
        return result

    def _execute(self, command: c.Command, use_command_time: bool) -> CommandResult:
        # First, optimistically: the command's receipt and invoice reference are taken not to
        # exist without looking (the store's uniqueness refuses the save if one does). Any
        # rejection or refusal is decided again with every look-up, so errors and duplicates
        # are reported exactly as if they had been looked up first.
        #
        # Deciding and saving happen under the database's write lock (`_writing`), so another
        # writer cannot get in between: a refusal is then an optimistic guess proved wrong, or
        # a writer that does not take the lock, and is decided again before it reaches the
        # caller.
        self._local.assumed_absent = self._unique_ids([command])
        try:
            for attempt in range(MAX_ATTEMPTS):
                optimistic = bool(self._local.assumed_absent)
                try:
                    with self._writing():
                        decided = self._decide(command, use_command_time)
                        if isinstance(decided, Decided):
                            self.save(*decided.aggregates, unless_exists=decided.guard)
                except WriteLockTimeoutError:
                    raise
                except LedgerError:
                    if not optimistic:
                        raise
                    self._local.assumed_absent = set()
                    continue
                except IntegrityError:
                    if not optimistic:
                        # Lost a race: reload and decide again, after a short random pause so
                        # that writers colliding on one aggregate spread out.
                        time.sleep(random.uniform(0, 0.002 * 2 ** attempt))
                    self._local.assumed_absent = set()
                    continue
                if isinstance(decided, CommandResult):
                    return decided  # a duplicate (R25)
                self._cache_saved(decided.aggregates)  # committed
                return CommandResult(command.kind, public_names(decided.events))
        finally:
            self._local.assumed_absent = set()
        raise ConcurrencyConflictError(
            f"{command.kind} kept conflicting with concurrent writers; try again")
