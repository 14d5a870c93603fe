"""pooledbudget: an event-sourced ledger for budgets pooled by several public agencies.

`Ledger` (ledger.py) is the documented API; `open_ledger` and `LedgerApplication` remain for
programs written against them.
"""

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
