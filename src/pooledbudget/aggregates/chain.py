"""The hash chain every event carries (rule R24), and its canonical encoding.

Each event records `prev_hash`, the hash of the previous event of its aggregate (64 zeros for
the first), and `hash`, the SHA-256 of the canonical encoding of everything else it records. The
encoding is specified in docs/audit/hash-chain.md, with golden vectors, so an auditor's own tool
can check a chain without this code. Pure functions: no storage is involved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import Aggregate, _check_explicit_topic_is_registered
from eventsourcing.utils import get_topic

from .canonical_text import canonical_text

GENESIS = "0" * 64
HASH_FIELD = "hash"


class CanonicalEncodingError(TypeError):
    """A value that has no canonical encoding (a float, a naive time, a `$` key)."""


_AS_IS = frozenset({str, int, bool, type(None)})


def _canonical(value: Any) -> Any:
    kind = type(value)
    if kind in _AS_IS:  # the common case, first; subclasses take the checks below
        return value
    exact = _BY_TYPE.get(kind)
    if exact is not None:
        return exact(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, datetime):
        return _datetime(value)
    if isinstance(value, date):
        return _date(value)
    if isinstance(value, UUID):
        return _uuid(value)
    if isinstance(value, (list, tuple)):
        return _sequence(value)
    if isinstance(value, Mapping):
        return _mapping(value)
    raise CanonicalEncodingError(f"{type(value).__name__} {value!r} has no canonical encoding")


def _mapping(value: Mapping[Any, Any], skip: str | None = None) -> Any:
    """A mapping with text keys (none starting `$`), its values encoded; a flat mapping of
    text (splits, actors) is encoded as it is. `skip`: a key left out (the hash itself)."""
    if skip is None and type(value) is dict:
        for key, item in value.items():
            if type(key) is not str or type(item) is not str or key[:1] == "$":
                break
        else:
            return value
    keys = tuple(value)
    if not _KEY_SETS.get(keys):
        for key in keys:
            if not isinstance(key, str) or key.startswith("$"):
                raise CanonicalEncodingError(f"key {key!r} has no canonical encoding")
        if len(_KEY_SETS) < _KEY_SETS_MAX:
            _KEY_SETS[keys] = True
    return {key: item if type(item) in _AS_IS else _canonical(item)
            for key, item in value.items() if key != skip}


# The key sets found to be text not starting `$`: an event's fields repeat a few key sets, so
# each is checked once rather than key by key for every event of a long log (bounded: a
# tampered log could vary them without end).
_KEY_SETS: dict[tuple[Any, ...], bool] = {}
_KEY_SETS_MAX = 4096


def _sequence(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [_canonical(item) for item in value]


def _decimal(value: Decimal) -> dict[str, str]:
    return {"$decimal": format(value, "f")}


def _datetime(value: datetime) -> dict[str, str]:
    if value.tzinfo is None:
        raise CanonicalEncodingError(f"naive datetime {value!r} has no canonical encoding")
    return {"$datetime": value.astimezone(UTC).isoformat()}


def _date(value: date) -> dict[str, str]:
    return {"$date": value.isoformat()}


def _uuid(value: UUID) -> dict[str, str]:
    return {"$uuid": str(value)}


# Exact types, looked up before the `isinstance` checks (subclasses take those).
_BY_TYPE: dict[type, Callable[[Any], Any]] = {
    dict: _mapping, list: _sequence, tuple: _sequence, Decimal: _decimal, datetime: _datetime,
    date: _date, UUID: _uuid,
}
# No circularity check: the encoding above builds new containers, so a cycle never reaches it.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            check_circular=False)


def reference_canonical_bytes(topic: str, fields: Mapping[str, Any]) -> bytes:
    """`{"event":{...fields but hash...},"topic":...}` as compact, key-sorted UTF-8 JSON: the
    reference encoder, which `canonical_bytes` must match byte for byte."""
    document = {"topic": topic, "event": _mapping(fields, skip=HASH_FIELD)}
    return _ENCODER.encode(document).encode("utf-8")


def canonical_bytes(topic: str, fields: Mapping[str, Any]) -> bytes:
    """The reference's bytes, written in one pass (canonical_text.py) where it can be."""
    return canonical_text(topic, fields, HASH_FIELD, reference_canonical_bytes)


def event_hash(topic: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(topic, fields)).hexdigest()


def stored_fields(event: Any) -> dict[str, Any]:
    """Everything a domain event records, as the hash saw it."""
    return dict(event.__dict__)


class ChainedAggregate(Aggregate):
    """An aggregate whose events each carry `prev_hash` and `hash` (R24)."""

    chain_head: str = GENESIS

    class Event(Aggregate.Event):
        prev_hash: str
        hash: str

        def mutate(self, aggregate: Any) -> Any:
            result = super().mutate(aggregate)
            if result is not None:
                result.chain_head = self.hash
            return result

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        kwargs["timestamp"] = kwargs.get("timestamp") or event_class.create_timestamp()
        kwargs.update(originator_id=self.id, originator_version=self.version + 1,
                      prev_hash=self.chain_head)
        kwargs["hash"] = event_hash(get_topic(event_class), kwargs)  # over all but the hash
        super().trigger_event(event_class, **kwargs)

    @classmethod
    def _create(cls, event_class: type[Any], *, id: Any = None, **kwargs: Any) -> Self:  # noqa: A002
        """eventsourcing's `Aggregate._create` for the deterministic id given, the event hashed:
        its fields gathered in one dictionary (the generic method copies them twice more and
        picks out `create_id`'s arguments, which a given id never needs)."""
        if id is None:
            raise ValueError("chained aggregates are created with a deterministic id")
        if not isinstance(id, (UUID, str)):
            raise TypeError(f"Given id was not a UUID or str: {id!r}")
        if getattr(cls, "TOPIC", None):
            _check_explicit_topic_is_registered(event_class)
        kwargs["timestamp"] = kwargs.get("timestamp") or event_class.create_timestamp()
        kwargs.update(originator_topic=get_topic(cls), originator_id=id,
                      originator_version=cls.INITIAL_VERSION, prev_hash=GENESIS)
        kwargs["hash"] = event_hash(get_topic(event_class), kwargs)  # over all but the hash
        try:
            created = event_class(**kwargs)
        except TypeError as error:
            raise TypeError(f"Unable to construct '{event_class.__qualname__}' event: "
                            f"{error}") from error
        aggregate: Self = created.mutate(None)
        aggregate.pending_events.append(created)
        return aggregate
