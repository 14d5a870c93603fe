"""A checkpoint's state text, decoded whole, or with a few decisions' rows of its tables of a
row per decision found in it without decoding the rest (decision 0046).

An as-at over the live rows restores those tables' rows of the decisions its replay goes on
with only (decision 0045): about forty of six thousand at a million events. Decoding the whole
text to keep them cost 14-25 ms there, the one part of the as-at that grew with the pool.

The text is the state part's canonical JSON (`checkpoint_state`): `{"name":[rows],...}`, the
names sorted, no spaces, ASCII only, every state table's name present. A table with no JSON
column is a list of flat lists, sorted by primary key. Two facts make its rows findable by
searching the text:
- in such a list, `[` followed by the pool's id spelled as JSON and a comma is the start of a
  row: were the `[` inside a string, the quote after it would end that string, and what follows
  a string's end is one of `,:]}`, which no identifier begins with;
- the list ends at the first `],` followed by the next table's name and a colon: inside a
  string the quote would end it before the name, and between flat rows `],` is followed by `[`.
For a table whose key begins with the pool's id and the decision's, a decision's rows are next
to each other, found by bisecting the list's bytes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

Rows = list[list[Any]]
_DECODER = json.JSONDecoder()
_NOT_AFTER_A_STRING = frozenset(',:]}"\\ \t\r\n')
SEARCH_COST = 4096
"""Bytes of text whose decoding costs about as much as finding one decision's rows by
bisection (measured: 10 ns a byte decoded, 35-45 µs a decision found, at a million events);
the walk past the other tables is counted as one more."""


def decode_for(text: str, names: Sequence[str], by_decision: Collection[str], pool_id: str,
               decisions: Collection[str]) -> dict[str, Rows] | None:
    """The state text's tables (`names`, sorted, as the text holds them), those named in
    `by_decision` — flat rows keyed by pool id, decision id first — holding only the rows of
    `decisions`. None when the search would cost more than decoding the whole text, or the
    pool's id could be mistaken inside a string: the caller decodes it whole."""
    pool = json.dumps(pool_id)
    if pool[1:2] in _NOT_AFTER_A_STRING or (len(decisions) + 1) * SEARCH_COST > len(text):
        return None
    wanted = sorted(set(decisions))
    prefix = "[" + pool + ","
    tables: dict[str, Rows] = {}
    at = 0
    for i, name in enumerate(names):
        key = ("{" if i == 0 else ",") + json.dumps(name) + ":"
        if not text.startswith(key, at):
            raise ValueError(f"state text: no {name!r} at {at}")
        at += len(key)
        if name not in by_decision:
            tables[name], at = _DECODER.raw_decode(text, at)
            continue
        if i + 1 == len(names) or text[at:at + 1] != "[":
            raise ValueError(f"state text: {name!r} is not a list followed by another table")
        end = text.find("]," + json.dumps(names[i + 1]) + ":", at)
        if end < 0:
            raise ValueError(f"state text: no end to {name!r}")
        tables[name] = _rows_of(text, at + 1, end, prefix, wanted)
        at = end + 1
    if text[at:] != "}":
        raise ValueError("state text: more after its last table")
    return tables


def _rows_of(text: str, start: int, end: int, prefix: str, wanted: list[str]) -> Rows:
    """The rows, between `start` and `end`, of each decision in `wanted` (sorted)."""
    rows: Rows = []
    lowest = start
    for decision in wanted:
        low, high = lowest, end
        while low < high:  # the first offset from which the next row is this decision's or later
            middle = (low + high) // 2
            found = text.find(prefix, middle, end)
            if found < 0 or _decision_at(text, found + len(prefix)) >= decision:
                high = middle
            else:
                low = middle + 1
        found = text.find(prefix, low, end)
        while found >= 0 and _decision_at(text, found + len(prefix)) == decision:
            row, after = _DECODER.raw_decode(text, found)
            rows.append(row)
            lowest = after
            found = text.find(prefix, after, end) if text[after:after + 1] == "," else -1
    return rows


def _decision_at(text: str, at: int) -> str:
    """The JSON string at `at` (a row's decision id), read without the decoder when it holds no
    escape."""
    close = text.find('"', at + 1)
    value = text[at + 1:close]
    if text[at:at + 1] == '"' and close > at and "\\" not in value:
        return value
    decoded = _DECODER.raw_decode(text, at)[0]
    if not isinstance(decoded, str):
        raise ValueError(f"state text: a row's decision id at {at} is not text")
    return decoded
