"""The one-pass canonical encoder (aggregates/canonical_text.py) against the reference encoder
(chain.reference_canonical_bytes): the hash chain's bytes must not change by a single byte."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooledbudget.aggregates import canonical_text as fast
from pooledbudget.aggregates.chain import (
    CanonicalEncodingError,
    canonical_bytes,
    event_hash,
    reference_canonical_bytes,
)


class Level(enum.IntEnum):
    LOW = 1


class Code(str):
    """A subclass of `str`, as a library might hand one over."""


ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=11)),
         ZoneInfo("Europe/London"), None]

times = st.builds(lambda moment, zone: moment.replace(tzinfo=zone),
                  st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
                  st.sampled_from(ZONES))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-10**30, max_value=10**30),
    st.text(), st.text(alphabet=st.characters(max_codepoint=0x7F)),
    st.decimals(allow_nan=False, allow_infinity=False), st.decimals(places=2),
    times, st.dates(), st.uuids(), st.floats(allow_nan=False),
    st.sampled_from([Level.LOW, Code("x"), Code("$y"), Decimal("1E+3"), Decimal("-0.00")]),
)
keys = st.one_of(st.text(max_size=8), st.sampled_from(["$decimal", "$", "hash", "a", "é", "\x00"]),
                 st.integers(0, 3), st.just(Code("k")))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.lists(inner, max_size=3).map(tuple),
                            st.dictionaries(keys, inner, max_size=5)),
    max_leaves=20,
)
fields = st.dictionaries(keys, values, max_size=8)
topics = st.one_of(st.just("pooledbudget:SpendRecorded"), st.text(max_size=12))


def outcome(encode: Any, topic: str, document: dict[Any, Any]) -> tuple[str, Any]:
    try:
        return "bytes", encode(topic, document)
    except Exception as error:  # the same refusal is the same outcome
        return "raised", type(error)


@settings(max_examples=400)
@given(topics, fields)
def test_the_fast_encoder_writes_exactly_the_reference_bytes(topic: str,
                                                              document: dict[Any, Any]) -> None:
    """For any fields whatever (every JSON type, the tagged types, subclasses, keys starting `$`
    or not text, floats and naive times), `canonical_bytes` gives the reference encoder's bytes,
    or refuses with the same error: no hash in the log can change."""
    assert outcome(canonical_bytes, topic, document) == \
        outcome(reference_canonical_bytes, topic, document)


@given(st.lists(times, min_size=1, max_size=6), st.data())
def test_a_time_shared_by_events_is_written_as_its_own_each_time(moments: list[datetime],
                                                                 data: st.DataObject) -> None:
    """The encoder remembers the last time it wrote: a later event with another time (equal or
    not, the same zone or not), or the same time object again, is still written as the
    reference writes it."""
    for _ in range(3 * len(moments)):
        moment = data.draw(st.sampled_from(moments))
        document = {"timestamp": moment, "at": [moment, moments[0]]}
        assert outcome(canonical_bytes, "t", document) == \
            outcome(reference_canonical_bytes, "t", document)


def test_an_event_of_the_feed_hashes_as_before() -> None:
    """A spend's fields as the ledger records them: the golden vectors' kind, hashed alike."""
    at = datetime(2026, 4, 1, 9, 0, 0, 250000, tzinfo=UTC)
    document = {
        "timestamp": at, "invoice_ref": "INV-1", "amount": "2634.63", "service_date": "2026-04-06",
        "element": None, "supplier": "Café \"Ltd\"\n", "element_parts": {"main": "263463/100"},
        "funding": {"P01": "1712.51", "P02": "922.12"}, "actor": {"id": "pm", "role": "pool_manager"},
        "supplier_is_individual": False, "originator_id": UUID(int=7), "originator_version": 5,
        "prev_hash": "0" * 64, "hash": "left out", "limit": Decimal("12.50"), "on": date(2026, 4, 6),
    }
    assert canonical_bytes("pooledbudget:SpendRecorded", document) == \
        reference_canonical_bytes("pooledbudget:SpendRecorded", document)
    assert b'"hash"' not in canonical_bytes("pooledbudget:SpendRecorded", document)
    assert event_hash("t", document) == event_hash("t", dict(document))


@pytest.mark.parametrize("document", [{"a": 1.5}, {"a": datetime(2026, 4, 1)}, {"$a": 1},
                                      {1: "x"}, {"a": [{"b": 1.5}]}, {"a": ({"$uuid": "x"},)}])
def test_what_the_reference_refuses_is_refused(document: dict[Any, Any]) -> None:
    with pytest.raises(CanonicalEncodingError):
        canonical_bytes("t", document)


def test_the_key_plans_stay_bounded() -> None:
    """A log whose events vary their key sets without end cannot grow the cache without end."""
    for n in range(fast._PLANS_MAX + 10):
        canonical_bytes("t", {f"k{n}": n})
    assert len(fast._PLANS) <= fast._PLANS_MAX
