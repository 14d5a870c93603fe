"""From a JSON line (or a decoded object) to a command, or an `InvalidCommandError` that names
the field, the rule and the code of the first failure."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..errors import InvalidCommandError
from .catalogue import COMMANDS, AnyCommand
from .command import Command
from .fields import CODE_OF_ERROR, DUPLICATE_KEYS, RULE_OF_ERROR

_ADAPTER: TypeAdapter[Command] = TypeAdapter(AnyCommand)


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    duplicates = []
    for key, value in pairs:
        if key in result:
            duplicates.append(key)
        result[key] = value
    if duplicates:
        result[DUPLICATE_KEYS] = duplicates
    return result


def parse_json_line(line: str) -> Command:
    """Parses one JSON-Lines command; raises `InvalidCommandError` naming field and rule."""
    try:
        data = json.loads(line, object_pairs_hook=_pairs_hook)
    except ValueError as error:
        raise InvalidCommandError(f"the line is not valid JSON: {error}") from None
    return parse_command(data)


def parse_command(data: Any) -> Command:
    if not isinstance(data, dict):
        raise InvalidCommandError("a command line must be a JSON object")
    name = data.get("command")
    if not isinstance(name, str) or name not in COMMANDS:
        raise InvalidCommandError(
            f"unknown command {name!r}; expected one of {', '.join(COMMANDS)}", field="command"
        )
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as error:
        raise invalid_command_from(error) from None


def invalid_command_from(error: ValidationError) -> InvalidCommandError:
    """The first validation failure as our typed error, keeping rule-bearing ones first."""
    errors = error.errors()
    ruled = [e for e in errors if e["type"] in RULE_OF_ERROR]
    first = (ruled or errors)[0]
    loc = [str(p) for p in first["loc"]]
    if loc and loc[0] in COMMANDS:
        loc = loc[1:]
    loc = [p for p in loc if not p.startswith("function-")]
    field = ".".join(loc) or None
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = f"unexpected field {field!r}"
        if field and field.endswith(DUPLICATE_KEYS):
            message = "an object names the same key twice"
    elif first["type"] == "missing":
        message = f"missing field {field!r}"
    return InvalidCommandError(
        f"{field}: {message}" if field else message, field=field,
        rule=RULE_OF_ERROR.get(first["type"]), code=CODE_OF_ERROR.get(first["type"]),
    )
