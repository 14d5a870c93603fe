"""The transcoder events are stored with (recorders/stored_json.py): eventsourcing's bytes,
written faster, and its values, read faster."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
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


def decoded(transcoder: JSONTranscoder, data: bytes) -> tuple[str, Any]:
    """What decoding gives, spelled so that two equal outcomes compare equal (a NaN included,
    and a value's types: `repr` tells 1 from 1.0 and a Decimal from a float)."""
    try:
        return "value", repr(transcoder.decode(data))
    except Exception as error:
        return "raised", type(error)


@settings(max_examples=400)
@given(st.dictionaries(st.text(max_size=10), values, max_size=8))
def test_stored_states_decode_to_eventsourcings_values(state: dict[str, Any]) -> None:
    """Whatever a state holds (registered types at any depth, floats, NaN, nesting, keys that
    are not text), its stored bytes decode to exactly the values eventsourcing's decoder
    gives: the fast parser's answer is kept only when every registered type in the text was
    one it decoded itself."""
    try:
        data = REFERENCE.encode(state)
    except Exception:  # not storable: nothing to read back
        return
    assert decoded(FAST, data) == decoded(REFERENCE, data)


def _cut_or_spliced(data: bytes, at: int, insert: bytes) -> bytes:
    at %= len(data) + 1
    return data[:at] + insert + data[at:]


@settings(max_examples=400)
@given(st.dictionaries(st.text(max_size=6), values, max_size=5), st.integers(0, 400),
       st.sampled_from([b"", b"}", b",", b'"', b"\\", b"\xff", b"\xed\xa0\x80", b"\x00",
                        b'"_type_"', b'{"_type_":"decimal_str","_data_":"1"}', b" "]),
       st.booleans())
def test_damaged_texts_get_eventsourcings_value_or_error(state: dict[str, Any], at: int,
                                                         insert: bytes, cut: bool) -> None:
    """A stored text cut short or with bytes spliced in (quotes, escapes, bytes that are not
    UTF-8, a registered type's object where none was) decodes to eventsourcing's value, or
    raises eventsourcing's error: the fast parser never reads a text differently."""
    try:
        data = REFERENCE.encode(state)
    except Exception:
        return
    data = data[:at % (len(data) + 1)] if cut else _cut_or_spliced(data, at, insert)
    assert decoded(FAST, data) == decoded(REFERENCE, data)


@pytest.mark.parametrize("text", [
    b'{"at":{"_type_":"decimal_str","_data_":"1.50"}}',  # the usual case: decoded here
    b'{"at":{"_type_":"decimal_str","_data_":"1.50","x":1}}',  # three keys: not a type
    b'{"at":{"_type_":"no_such_type","_data_":"1"}}',  # unregistered: eventsourcing's error
    b'{"at":{"_type_":"decimal_str"}}',  # no data: a plain object
    b'{"at":[{"_type_":"decimal_str","_data_":"2"}]}',  # nested in a list
    b'{"_type_":"decimal_str","_data_":"3"}',  # the whole text one typed value
    b'[{"_type_":"decimal_str","_data_":"4"}]',
    b'{"note":"\\"_type_\\"","n":1}',  # the spelling inside a string, escaped
    b'{"k":{"_type_":"uuid_hex","_data_":{"_type_":"decimal_str","_data_":"5"}}}',
    b'{"s":"\\ud800"}',  # a lone surrogate, which only the standard parser reads
    b'\xef\xbb\xbf{"a":1}', b'{"a":1} x', b'{"a":NaN}', b'{"a":1,"a":2}', b"[1e400]",
])
def test_texts_the_fast_path_must_not_misread(text: bytes) -> None:
    """Texts at the edge of what the fast path decodes itself: each gives eventsourcing's value
    or eventsourcing's error."""
    assert decoded(FAST, text) == decoded(REFERENCE, text)
