"""The service layer: one entry point per use — load, check, decide, save atomically.

Checks run in the order docs/reference/rules.md fixes: shape (by the command models), idempotency
(R25), the recording clock, authority (R26), a closed year (R17), the state rules, then the limits. A
rejected command raises a `LedgerError` and nothing is written.

`LedgerApplication` is put together from the parts of this package: loading and its cache,
idempotency, recording time, authority, the handlers by area (handlers/, dispatched through
dispatch.py), the retry of one command and the grouped batch engine.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from .. import commands as c
from ..errors import LedgerError
from ..persistence import Database
from .batches import GROUP_SIZE, Batches
from .handlers import DecisionHandlers, PoolHandlers, RegisterHandlers, SpendHandlers
from .results import Clock, CommandResult, utc_now

if TYPE_CHECKING:
    from ..feed import Change


class LedgerApplication(Batches, PoolHandlers, RegisterHandlers, DecisionHandlers,
                        SpendHandlers):
    """The event-sourced ledger. Build one with `open_ledger(url)`."""

    name = "pooledbudget"

    def __init__(self, env: Mapping[str, str] | None = None, clock: Clock = utc_now,
                 database: Database | None = None, lock_timeout: float | None = None) -> None:
        super().__init__(env=env, clock=clock, database=database, lock_timeout=lock_timeout)

    def execute(self, command: c.Command, *, use_command_time: bool = False,
                allow_future_times: bool = False) -> CommandResult:
        """Runs one command atomically; raises `LedgerError` (nothing written) if rejected.

        `use_command_time`: record it at its `at`, which must not be more than
        `FUTURE_TOLERANCE` after the clock unless `allow_future_times` (simulations)."""
        with self._future_times(allow_future_times):
            return self._execute_logged(command, use_command_time)

    def execute_many(self, commands: Sequence[c.Command], *, use_command_time: bool = False,
                     group_size: int = GROUP_SIZE,
                     allow_future_times: bool = False,
                     pause_collection: bool = False) -> list[CommandResult | LedgerError]:
        """Runs commands in order with exactly the outcomes `execute` gives one at a time, but
        saves the accepted ones of each group of up to `group_size` in one atomic save.

        Each command is decided against the state its predecessors left (their aggregates are
        held in memory until the group is saved), so a rejection is the one `execute` would
        give and writes nothing. If the group's save conflicts with another writer, or a
        rejected command had already changed an aggregate, the group is run again one command
        at a time.

        `pause_collection`: pause Python's automatic garbage collection while each group is
        decided (faster for large feeds, see collection.py). It pauses it for the whole
        process, every other thread included, so it is for programs that own the process (the
        `apply` command, the benchmarks), not for a ledger embedded in a service.
        """
        with self._future_times(allow_future_times):
            return self._execute_many(commands, use_command_time, group_size,
                                      pause_collection)

    def changes(self, after: int = 0, limit: int | None = None,
                pool: str | None = None) -> Iterator[Change]:
        """Every stored event after position `after` (of one pool, if given), oldest first, at
        most `limit`: the change feed (feed.py, docs/developers/integration.md)."""
        from ..feed import changes as _changes

        return _changes(self, after=after, limit=limit, pool=pool)
