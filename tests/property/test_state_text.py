"""Finding a few decisions' rows in a checkpoint's state text (`state_text.decode_for`) against
decoding the whole text and keeping them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pooledbudget.projections import state_text
from pooledbudget.projections.state_text import decode_for

# Strings that look, in the text, like what the search looks for: a row's start, a list's end
# and the next table's name, quotes and escapes.
TRAPS = ['["P1",', '["P1","D1",', '],"pb_c":[', ']],"pb_c":', "]]", '"', "\\", '\\"', "],[",
         "é", "\u2028", "P1", "D1", ","]
trap_text = st.lists(st.sampled_from(TRAPS) | st.text(max_size=4), max_size=4).map("".join)
identifier = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,5}", fullmatch=True)
decision_id = identifier | trap_text | st.sampled_from(["D1", "D2", "D1.", "D1/x", "d1"])
pool_id = identifier | trap_text
scalar = st.none() | st.booleans() | st.integers(-10**12, 10**12) | trap_text
nested = st.recursive(scalar, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(trap_text, inner, max_size=3), max_leaves=8)

ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))  # as `checkpoint_state`
NAMES = ["pb_a", "pb_b", "pb_c", "pb_d", "pb_e"]
BY_DECISION = {"pb_b", "pb_d"}


@st.composite
def states(draw: Any) -> tuple[str, dict[str, list[list[Any]]]]:
    """A pool's state as a checkpoint spells it: tables of any JSON values, and two of flat
    rows keyed by the pool's id, a decision's and a partner's, sorted by that key."""
    pool = draw(pool_id)
    tables: dict[str, list[list[Any]]] = {}
    for name in NAMES:
        if name in BY_DECISION:
            keys = draw(st.lists(st.tuples(decision_id, st.sampled_from(["ASC", "CFS", "X"])),
                                 unique=True, max_size=12))
            tables[name] = [[pool, d, p, *draw(st.lists(scalar, max_size=3))]
                            for d, p in sorted(keys)]
        else:
            tables[name] = draw(st.lists(st.lists(nested, max_size=4), max_size=3))
    return pool, tables


@given(state=states(), data=st.data())
def test_the_rows_found_are_those_of_the_decisions_asked_for(
        state: tuple[str, dict[str, list[list[Any]]]], data: st.DataObject) -> None:
    """For any state text (strings in it that look like a row's start or a list's end, quotes,
    escapes, any pool and decision ids) and any decisions asked for (some with no rows), the
    search gives every table but the two of a row per decision as decoding gives it, and those
    two holding exactly the rows of the decisions asked for, in the text's order; or nothing,
    when the pool's id begins with what may follow a string's end (the caller decodes)."""
    pool, tables = state
    present = sorted({row[1] for name in BY_DECISION for row in tables[name]})
    asked = set(data.draw(st.lists(st.sampled_from(present), max_size=5) if present
                          else st.just([]))) | set(data.draw(st.lists(decision_id, max_size=2)))
    text = ENCODER.encode(tables)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(state_text, "SEARCH_COST", 0)  # searched however short the text
        found = decode_for(text, NAMES, BY_DECISION, pool, asked)
    if found is None:
        assert json.dumps(pool)[1:2] in ',:]}"\\ \t\r\n'
        return
    expected = {name: [row for row in rows if row[1] in asked] if name in BY_DECISION else rows
                for name, rows in json.loads(text).items()}
    assert found == expected


def test_the_search_gives_way_to_decoding_when_it_would_cost_more() -> None:
    """The whole text is decoded instead (None) once the bisections, one a decision asked for
    and one for the walk, would cost more than the text's length (`SEARCH_COST` bytes each)."""
    names, by_decision = ["pb_a", "pb_b", "pb_c"], {"pb_b"}
    short = ENCODER.encode({"pb_a": [], "pb_b": [["P", "D", 1]], "pb_c": []})
    assert decode_for(short, names, by_decision, "P", {"D"}) is None
    padding = ["x" * 5 * state_text.SEARCH_COST]
    longer = ENCODER.encode({"pb_a": padding, "pb_b": [["P", "D", 1]], "pb_c": []})
    assert decode_for(longer, names, by_decision, "P", {"D"}) \
        == {"pb_a": padding, "pb_b": [["P", "D", 1]], "pb_c": []}
    assert decode_for(longer, names, by_decision, "P", {f"D{i}" for i in range(5)}) is None


@pytest.mark.parametrize("text", [
    '{"pb_a":[],"pb_b":[["P","D",1]]}',  # a table of a row per decision last
    '{"pb_a":[],"pb_b":[["P","D",1]],"pb_c":[]}x',  # more after the last table
    '{"pb_a":[],"pb_c":[],"pb_b":[]}',  # the names out of order
    '{"pb_a":[],"pb_b":[["P","D",1]]',  # cut short
    '{"pb_a":[],"pb_b":',  # cut short after a name
    '{"pb_a":[],"pb_b":[["P",7,1]],"pb_c":[]}',  # a decision id that is not text
    '{"pb_a":[],"pb_b":[["P","D",1],["P","E",1]],"pb_c":[]',  # cut short after a row
])
def test_a_text_not_spelled_as_a_checkpoint_is_refused(text: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A text that does not have a checkpoint's shape (which a digest recomputed over edited
    rows could give) raises, rather than giving rows the text does not hold as a checkpoint
    would."""
    monkeypatch.setattr(state_text, "SEARCH_COST", 0)
    with pytest.raises(ValueError, match="state text"):
        decode_for(text, ["pb_a", "pb_b", "pb_c"], {"pb_b"}, "P", {"D"})
