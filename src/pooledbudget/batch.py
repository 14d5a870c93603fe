"""Applying a JSON-Lines batch: one result per line, each line atomic, failures don't stop it.

Lines are read in chunks; the commands of a chunk go through `LedgerApplication.execute_many`,
which decides them one after another exactly as one-at-a-time execution would, and saves the
accepted ones together (a feed of thousands of spend lines is one transaction per chunk, not per
line). A line that fails to parse is reported in its place and affects nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from .application import GROUP_SIZE, LedgerApplication
from .commands import Command, parse_json_line
from .errors import LedgerError


def apply_lines(
    ledger: LedgerApplication, lines: Iterable[str], *, use_command_time: bool = False,
    group_size: int = GROUP_SIZE, pause_collection: bool = False,
) -> Iterator[dict[str, Any]]:
    """Yields the wire-format result object for every non-blank line, numbered from 1.

    `pause_collection` is `execute_many`'s: for a program that owns its process (the `apply`
    command does), never for a ledger embedded in a service."""
    numbered = ((n, raw) for n, raw in enumerate(lines, start=1) if raw.strip())
    while chunk := list(islice(numbered, group_size)):
        parsed: list[tuple[int, str, Command | LedgerError]] = []
        for number, raw in chunk:
            try:
                parsed.append((number, raw, parse_json_line(raw)))
            except LedgerError as error:
                parsed.append((number, raw, error))
        commands = [p for _, _, p in parsed if not isinstance(p, LedgerError)]
        outcomes = iter(ledger.execute_many(commands, use_command_time=use_command_time,
                                            group_size=group_size,
                                            pause_collection=pause_collection))
        for number, raw, item in parsed:
            if isinstance(item, LedgerError):
                yield _rejected(number, _name_of(raw), item)
                continue
            outcome = next(outcomes)
            if isinstance(outcome, LedgerError):
                yield _rejected(number, item.kind, outcome)
            else:
                yield {"line": number, "ok": True, "command": outcome.command,
                       "events": outcome.events, "duplicate": outcome.duplicate}


def _rejected(number: int, command: str | None, error: LedgerError) -> dict[str, Any]:
    return {"line": number, "ok": False, "command": command, "error": error.as_dict()}


def _name_of(raw: str) -> str | None:
    """The command name of a line that failed to parse, when it can be read at all."""
    import json

    try:
        data = json.loads(raw)
    except ValueError:
        return None
    name = data.get("command") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None
