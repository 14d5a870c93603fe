"""Applying a JSON-Lines batch: one result per line, each line atomic, failures don't stop it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .application import LedgerApplication
from .commands import parse_json_line
from .errors import LedgerError


def apply_lines(
    ledger: LedgerApplication, lines: Iterable[str], *, use_command_time: bool = False
) -> Iterator[dict[str, Any]]:
    """Yields the INTERCHANGE result object for every non-blank line, numbered from 1."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        command_name: str | None = None
        try:
            command = parse_json_line(raw)
            command_name = command.kind
            result = ledger.execute(command, use_command_time=use_command_time)
        except LedgerError as error:
            yield {"line": number, "ok": False, "command": command_name or _name_of(raw),
                   "error": error.as_dict()}
            continue
        yield {"line": number, "ok": True, "command": result.command, "events": result.events,
               "duplicate": result.duplicate}


def _name_of(raw: str) -> str | None:
    """The command name of a line that failed to parse, when it can be read at all."""
    import json

    try:
        data = json.loads(raw)
    except ValueError:
        return None
    name = data.get("command") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None
