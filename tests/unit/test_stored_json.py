"""The transcoder events are stored with (recorders/stored_json.py): eventsourcing's bytes,
written faster; decoding unchanged."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoding,
    UUIDAsHex,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from backends import ledger_url
from pooledbudget import open_ledger
from pooledbudget.recorders.stored_json import StoredJSONTranscoder


class Level(enum.IntEnum):
    LOW = 1


class Code(str):
    pass


class CodeAsText(Transcoding):
    """A transcoding registered for a subclass of `str`: json writes such a value as a string
    and never asks the transcoding, so the fast encoder must not either."""

    type = Code
    name = "code"

    def encode(self, obj: Any) -> str:
        return "never"

    def decode(self, data: Any) -> Any:
        return Code(data)


def both() -> tuple[JSONTranscoder, StoredJSONTranscoder]:
    reference, fast = JSONTranscoder(), StoredJSONTranscoder()
    for transcoder in (reference, fast):
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), CodeAsText()):
            transcoder.register(transcoding)
    return reference, fast


REFERENCE, FAST = both()
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(), st.floats(), st.uuids(), st.decimals(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-3))])),
    st.dates(), st.sampled_from([Level.LOW, Code("c"), float("nan")]),
)
keys = st.one_of(st.text(max_size=6), st.integers(0, 3), st.booleans(), st.none(),
                 st.just(Code("k")), st.just(1.5))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
                            st.dictionaries(keys, inner, max_size=5)),
    max_leaves=20,
)


def outcome(transcoder: JSONTranscoder, value: Any) -> tuple[str, Any]:
    try:
        return "bytes", transcoder.encode(value)
    except Exception as error:
        return "raised", type(error)


@settings(max_examples=400)
@given(st.dictionaries(st.text(max_size=10), values, max_size=8))
def test_the_stored_bytes_are_eventsourcings(state: dict[str, Any]) -> None:
    """Any event state whatever (the registered types, floats, subclasses, keys that are not
    text, nesting) is stored as eventsourcing's `JSONTranscoder` would store it, byte for byte,
    or refused with the same error."""
    assert outcome(FAST, state) == outcome(REFERENCE, state)


def test_a_ledger_stores_with_it_and_reads_back_what_it_stored() -> None:
    """An event's stored state decodes to the event's own fields, the typed ones included."""
    ledger = open_ledger(ledger_url())
    try:
        assert isinstance(ledger.mapper.transcoder, StoredJSONTranscoder)
        state = {"at": datetime(2026, 4, 1, 9, tzinfo=UTC), "amount": Decimal("12.50"),
                 "parts": {"main": "1/3"}, "names": ["a", "é\n"], "count": 3, "none": None}
        encoded = ledger.mapper.transcoder.encode(state)
        assert encoded == JSONTranscoder.encode(ledger.mapper.transcoder, state)
        assert ledger.mapper.transcoder.decode(encoded) == state
    finally:
        ledger.close()
