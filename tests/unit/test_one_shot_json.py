"""`one_shot` (one_shot_json.py): `JSONEncoder.encode`'s text with the C encoder built once."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooledbudget.commands.command import _canonical
from pooledbudget.one_shot_json import one_shot

ENCODERS = [
    json.JSONEncoder(sort_keys=True, default=_canonical),  # the content digest's (R25)
    json.JSONEncoder(separators=(",", ":"), ensure_ascii=False),  # eventsourcing's, no default
    json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False),
]
values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.decimals(),
              st.dates(), st.just(object())),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
                            st.dictionaries(st.one_of(st.text(max_size=5), st.integers(0, 3),
                                                      st.booleans(), st.none()),
                                            inner, max_size=5)),
    max_leaves=20,
)


def outcome(encode: Any, value: Any) -> tuple[str, Any]:
    try:
        return "text", encode(value)
    except Exception as error:
        return "raised", type(error)


@settings(max_examples=300)
@given(values, st.sampled_from(range(len(ENCODERS))))
def test_the_text_is_the_encoders_own(value: Any, which: int) -> None:
    """For any value (floats and NaN, keys that are not text, values the `default` refuses),
    `one_shot(encoder)` gives `encoder.encode`'s text or raises its error, so content digests
    and stored events are unchanged."""
    encoder = ENCODERS[which]
    assert outcome(one_shot(encoder), value) == outcome(encoder.encode, value)


def test_a_value_that_contains_itself_is_reported_as_before() -> None:
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular reference"):
        one_shot(json.JSONEncoder())(looped)


def test_a_digest_of_a_command_is_unchanged() -> None:
    data = {"amount": Decimal("12.50"), "on": date(2026, 4, 6), "actor": {"id": "pm"}}
    assert one_shot(ENCODERS[0])(data) == json.dumps(data, sort_keys=True, default=_canonical)
