"""Comparing reports with a scenario's expected figures: an expected file lists the fields it
checks, and a report may carry more (later rules add fields), so only those are compared."""

from __future__ import annotations

from typing import Any


def as_expected(got: Any, want: Any) -> Any:
    """`got` cut down to the shape of `want`: dicts keep only the keys `want` has (a missing
    key stays missing, so the comparison still fails), lists are cut item by item."""
    if isinstance(want, dict) and isinstance(got, dict):
        return {key: as_expected(got[key], value) for key, value in want.items() if key in got}
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [as_expected(g, w) for g, w in zip(got, want, strict=True)]
    return got
