"""What a command gives back and logs: its result, its events' public names, one log line."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import commands as c
from ..errors import LedgerError
from ..logs import ledger_logger

log = ledger_logger()  # silent unless the host asks (logs.py)
Clock = Callable[[], datetime]
# Events the ledger records for its own bookkeeping: not listed in a command's result.
INTERNAL_EVENTS = {"InvoiceRegistered", "EvidenceRegistered", "CommandAccepted",
                   "YearClosureRecorded", "LegacyInvoiceRefsIndexed"}


@dataclass(frozen=True)
class CommandResult:
    """What a command recorded: the names of its events, or that it was a duplicate (R25)."""

    command: str
    events: list[str] = field(default_factory=list)
    duplicate: bool = False



def event_name(event: object) -> str:
    """The stable event name: the last part of the event's explicit topic."""
    return str(type(event).TOPIC).rpartition(":")[2]  # type: ignore[attr-defined]


def utc_now() -> datetime:
    return datetime.now(UTC)


def public_names(events: list[Any]) -> list[str]:
    """The names a result lists: the command's own events, not the bookkeeping ones."""
    return [name for name in map(event_name, events) if name not in INTERNAL_EVENTS]


def log_outcome(command: c.Command, outcome: CommandResult | LedgerError, started: float) -> None:
    duration_ms = round((time.perf_counter() - started) * 1000, 3)
    pool_id = getattr(command, "pool_id", None)
    if isinstance(outcome, LedgerError):
        log.info("command", pool=pool_id, command=command.kind, outcome="rejected",
                 code=outcome.code, rule=outcome.rule, field=outcome.field,
                 duration_ms=duration_ms)
    else:
        log.info("command", pool=pool_id, command=command.kind,
                 outcome="duplicate" if outcome.duplicate else "recorded",
                 events=outcome.events, duration_ms=duration_ms)
