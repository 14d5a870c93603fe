"""The dispatch table: each command class to the one handler registered for it with `@handles`.

Handlers are methods of the handler classes (handlers/); `bound_handlers` binds them to a ledger.
A second handler for one command is refused when it is registered; `unhandled` names the
commands of `pooledbudget.commands.COMMANDS` with none (a test keeps it empty).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import MethodType
from typing import Any, TypeVar

from eventsourcing.domain import Aggregate

from .. import commands as c
from ..aggregates.terms import Actor

Handler = Callable[[Any, Actor, datetime], list[Aggregate]]  # bound: (command, actor, at)
F = TypeVar("F", bound=Callable[..., list[Aggregate]])
HANDLERS: dict[type[c.Command], Callable[..., list[Aggregate]]] = {}


def handles(command: type[c.Command]) -> Callable[[F], F]:
    """Registers the decorated method as the handler of `command`."""
    def register(method: F) -> F:
        if command in HANDLERS:
            raise TypeError(f"{command.__name__} already has a handler, "
                            f"{HANDLERS[command].__qualname__}; {method.__qualname__} is a second")
        HANDLERS[command] = method
        return method
    return register


def bound_handlers(ledger: object) -> dict[type[c.Command], Handler]:
    """The table for one ledger: each command class to its handler bound to `ledger`."""
    return {command: MethodType(method, ledger) for command, method in HANDLERS.items()}


def unhandled() -> list[str]:
    """The commands with no handler registered."""
    return [name for name, command in c.COMMANDS.items() if command not in HANDLERS]
