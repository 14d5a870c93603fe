"""The canonical encoding (docs/audit/hash-chain.md) written straight to text, for speed.

`chain.py` keeps the reference encoder: `_canonical` rebuilds the event's fields as plain JSON
values and `json` writes them, sorted. That was about half of an event's hash, and every
imported line hashes three events (decision 0037). This module writes the same bytes in one
pass instead. Each object's key set is checked and sorted once (its keys quoted once too), and
the recording time shared by a line's events is converted once. Anything other than the
common exact types (`str`, `int`, `bool`, `None`, `dict`, `list`, `tuple`, `Decimal`, `datetime`,
`date`, `UUID`) is handed to the reference encoder, so subclasses and refusals behave exactly as
they did. A property test compares the two on generated values (tests/property/).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any
from uuid import UUID

# JSON string escaping as `json.dumps(..., ensure_ascii=False)` does it (its C function).
_quote: Callable[[str], str] = encode_basestring


class _Refused(Exception):
    """A value the reference must judge: raised before anything is written for it."""


# Per key set (and left-out key): the keys in sorted order, each with its quoted `"key":`.
# An event's fields repeat a few key sets; bounded, since a tampered log could vary them.
_PLANS: dict[tuple[tuple[Any, ...], str | None], list[tuple[str, str]]] = {}
_PLANS_MAX = 4096


def _plan(keys: tuple[Any, ...], skip: str | None) -> list[tuple[str, str]]:
    plan = _PLANS.get((keys, skip))
    if plan is None:
        for key in keys:
            if type(key) is not str or key[:1] == "$":
                raise _Refused  # the reference refuses it, or judges a subclass of str
        plan = [(key, _quote(key) + ":") for key in sorted(keys) if key != skip]
        if len(_PLANS) < _PLANS_MAX:
            _PLANS[(keys, skip)] = plan
    return plan


def _object(value: dict[str, Any], skip: str | None = None) -> str:
    parts = []
    for key, quoted in _plan(tuple(value), skip):
        item = value[key]
        kind = type(item)
        if kind is str:
            parts.append(quoted + _quote(item))
        elif item is None:
            parts.append(quoted + "null")
        else:
            parts.append(quoted + _WRITERS.get(kind, _other)(item))
    return "{" + ",".join(parts) + "}"


def _array(value: list[Any] | tuple[Any, ...]) -> str:
    return "[" + ",".join([_WRITERS.get(type(item), _other)(item) for item in value]) + "]"


# The last date-time written and its text: a line's events share their recording time. One
# tuple, replaced whole, so a thread never pairs one time with another's text; matched by
# identity, which is safe because a `datetime` is immutable and the tuple keeps it alive.
_last_time: tuple[datetime | None, str] = (None, "")


def _datetime(value: datetime) -> str:
    global _last_time
    last = _last_time
    if value is last[0]:
        return last[1]
    if value.tzinfo is None:
        raise _Refused
    text = '{"$datetime":' + _quote(value.astimezone(UTC).isoformat()) + "}"
    _last_time = (value, text)
    return text


def _other(value: Any) -> str:
    raise _Refused


_WRITERS: dict[type, Callable[[Any], str]] = {
    str: _quote,
    int: int.__repr__,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
    dict: _object,
    list: _array,
    tuple: _array,
    Decimal: lambda value: '{"$decimal":' + _quote(format(value, "f")) + "}",
    datetime: _datetime,
    date: lambda value: '{"$date":' + _quote(value.isoformat()) + "}",
    UUID: lambda value: '{"$uuid":"' + str(value) + '"}',
}


def canonical_text(topic: str, fields: Mapping[str, Any], skip: str,
                   reference: Callable[[str, Mapping[str, Any]], bytes]) -> bytes:
    """`reference(topic, fields)`'s bytes, written directly when every value is of an exact
    common type; otherwise (a subclass, a refused value) by `reference` itself."""
    if type(fields) is dict and type(topic) is str:
        try:
            return ('{"event":' + _object(fields, skip) + ',"topic":' + _quote(topic)
                    + "}").encode("utf-8")
        except _Refused:
            pass
    return reference(topic, fields)
