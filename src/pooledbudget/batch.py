"""Applying a JSON-Lines batch: one result per line, each line atomic, failures don't stop it.

Lines are read in chunks; the commands of a chunk go through `LedgerApplication.execute_many`,
which decides them one after another exactly as one-at-a-time execution would, and saves the
accepted ones together (a feed of thousands of spend lines is one transaction per chunk, not per
line). A line that fails to parse is reported in its place and affects nothing else: one that is
not UTF-8, or nests too deeply to decode, included. A byte-order mark opening the file is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from .application import GROUP_SIZE, LedgerApplication
from .commands import Command, parse_json_line
from .errors import InvalidCommandError, LedgerError

BOM = "\ufeff"


def apply_lines(
    ledger: LedgerApplication, lines: Iterable[str | bytes], *, use_command_time: bool = False,
    group_size: int = GROUP_SIZE, allow_future_times: bool = False,
    pause_collection: bool = False,
) -> Iterator[dict[str, Any]]:
    """Yields the wire-format result object for every non-blank line, numbered from 1. Lines may be bytes
    (as read from a file): each is decoded as UTF-8 on its own, so one bad line fails alone.

    `pause_collection` is `execute_many`'s: for a program that owns its process (the `apply`
    command does), never for a ledger embedded in a service."""
    decoded = (_decode(n, raw) for n, raw in enumerate(lines, start=1))
    numbered = ((n, text) for n, text in decoded
                if isinstance(text, LedgerError) or text.strip())
    while chunk := list(islice(numbered, group_size)):
        parsed: list[tuple[int, str, Command | LedgerError]] = []
        for number, raw in chunk:
            if isinstance(raw, LedgerError):
                parsed.append((number, "", raw))
                continue
            try:
                parsed.append((number, raw, parse_json_line(raw)))
            except LedgerError as error:
                parsed.append((number, raw, error))
            except RecursionError:
                parsed.append((number, "", InvalidCommandError(
                    "the line nests too deeply to decode")))
        commands = [p for _, _, p in parsed if not isinstance(p, LedgerError)]
        outcomes = iter(ledger.execute_many(commands, use_command_time=use_command_time,
                                            group_size=group_size,
                                            allow_future_times=allow_future_times,
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


def _decode(number: int, raw: str | bytes) -> tuple[int, str | LedgerError]:
    """One line as text: a byte-order mark opening the file dropped, bad UTF-8 a failed line."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            return number, InvalidCommandError(
                f"the line is not valid UTF-8 (byte {error.start + 1} is {raw[error.start]:#04x})")
    if number == 1 and raw.startswith(BOM):
        raw = raw[len(BOM):]
    return number, raw


def _rejected(number: int, command: str | None, error: LedgerError) -> dict[str, Any]:
    return {"line": number, "ok": False, "command": command, "error": error.as_dict()}


def _name_of(raw: str) -> str | None:
    """The command name of a line that failed to parse, when it can be read at all."""
    import json

    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    name = data.get("command") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None
