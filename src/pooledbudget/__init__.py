"""pooledbudget: an event-sourced ledger for budgets pooled by several public agencies.

`Ledger` (ledger.py) is the documented API; `open_ledger` and `LedgerApplication` remain for
programs written against them.

Every name below is imported when first used (lazy.py): importing a submodule, as each command
of the command line does, does not load the application, the command models or the aggregates.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .lazy import lazy_names

if TYPE_CHECKING:
    from .application import CommandResult, LedgerApplication, open_ledger
    from .commands import COMMANDS, Command, parse_command, parse_json_line
    from .errors import (
        AuthorisationError,
        ConcurrencyConflictError,
        IdempotencyConflictError,
        InvalidCommandError,
        LedgerError,
        LimitError,
        StateError,
        TimeWentBackwardsError,
        WriteLockTimeoutError,
        YearClosedError,
    )
    from .ledger import Ledger
    from .logs import configure_logging
    from .money import allocate

__all__ = [
    "COMMANDS",
    "AuthorisationError",
    "Command",
    "CommandResult",
    "ConcurrencyConflictError",
    "IdempotencyConflictError",
    "InvalidCommandError",
    "Ledger",
    "LedgerApplication",
    "LedgerError",
    "LimitError",
    "StateError",
    "TimeWentBackwardsError",
    "WriteLockTimeoutError",
    "YearClosedError",
    "allocate",
    "configure_logging",
    "open_ledger",
    "parse_command",
    "parse_json_line",
]

_WHERE = {
    **dict.fromkeys(["CommandResult", "LedgerApplication", "open_ledger"], ".application"),
    **dict.fromkeys(["COMMANDS", "Command", "parse_command", "parse_json_line"], ".commands"),
    **dict.fromkeys(["AuthorisationError", "ConcurrencyConflictError", "IdempotencyConflictError",
                     "InvalidCommandError", "LedgerError", "LimitError", "StateError",
                     "TimeWentBackwardsError", "WriteLockTimeoutError", "YearClosedError"],
                    ".errors"),
    "Ledger": ".ledger",
    "configure_logging": ".logs",
    "allocate": ".money",
}
_public, __dir__ = lazy_names(__name__, _WHERE, globals())

# Stored events name their classes by short topics, "pooledbudget:PoolEstablished", which
# eventsourcing finds in its registry once the class is defined, or else as an attribute of this
# package. The aggregates are no longer imported with the package, so the first event decoded
# imports them (defining every class registers its topic) and its topic is resolved again.
_AGGREGATES = (".aggregates.pool", ".aggregates.decision", ".aggregates.registry",
               ".aggregates.closure")
_resolving: set[str] = set()


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return _public(name)
    # Only a class name can be an event's topic: `from . import commands` asks for a submodule
    # by its (lower-case) name first, and must not load the aggregates.
    if not name[:1].isupper() or name in _resolving:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from eventsourcing.utils import TopicError, resolve_topic

    _resolving.add(name)
    try:
        for module in _AGGREGATES:
            import_module(module, __name__)
        return resolve_topic(f"{__name__}:{name}")
    except TopicError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    finally:
        _resolving.discard(name)
