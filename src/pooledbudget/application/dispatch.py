"""The dispatch table: each command class to the one handler registered for it with `@handles`.

Handlers are methods of the handler classes (handlers/); `bound_handlers` binds them to a ledger.
A second handler for one command is refused when it is registered; `unhandled` names the
commands of `pooledbudget.commands.COMMANDS` with none (a test keeps it empty).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import MethodType
from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.domain import Aggregate

from .. import commands as c
from ..aggregates.terms import Actor

Handler = Callable[[Any, Actor, datetime], list[Aggregate]]  # bound: (command, actor, at)
F = TypeVar("F", bound=Callable[..., list[Aggregate]])
# Registered by command name, so that defining the handlers (and `LedgerApplication`) builds no
# command model: a ledger opened only to read never needs them. `HANDLERS`, by class, is made
# from it at the first command (or first look).
_BY_NAME: dict[str, Callable[..., list[Aggregate]]] = {}
_BY_CLASS: dict[type[c.Command], Callable[..., list[Aggregate]]] = {}

if TYPE_CHECKING:
    HANDLERS: dict[type[c.Command], Callable[..., list[Aggregate]]]


def __getattr__(name: str) -> Any:
    if name == "HANDLERS":
        return _handlers_by_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _handlers_by_class() -> dict[type[c.Command], Callable[..., list[Aggregate]]]:
    """The table by command class (`HANDLERS`): made once, then kept up to date by `handles`."""
    if not _BY_CLASS:
        _BY_CLASS.update({c.COMMANDS[name]: method for name, method in _BY_NAME.items()})
    return _BY_CLASS


def handles(command: type[c.Command] | str) -> Callable[[F], F]:
    """Registers the decorated method as the handler of `command` (a class, or its name)."""
    name = command if isinstance(command, str) else command.__name__

    def register(method: F) -> F:
        if name in _BY_NAME:
            raise TypeError(f"{name} already has a handler, "
                            f"{_BY_NAME[name].__qualname__}; {method.__qualname__} is a second")
        _BY_NAME[name] = method
        if _BY_CLASS:
            _BY_CLASS[c.COMMANDS[name]] = method
        return method
    return register


def bound_handlers(ledger: object) -> dict[type[c.Command], Handler]:
    """The table for one ledger: each command class to its handler bound to `ledger`."""
    return {command: MethodType(method, ledger)
            for command, method in _handlers_by_class().items()}


def unhandled() -> list[str]:
    """The commands with no handler registered."""
    table = _handlers_by_class()
    return [name for name, command in c.COMMANDS.items() if command not in table]
