"""Golden vectors for the hash chain: event -> canonical bytes -> SHA-256 (docs/audit/hash-chain.md)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.audit.golden import golden_vectors

from pooledbudget.aggregates.chain import GENESIS, CanonicalEncodingError, canonical_bytes

GOLDEN = Path(__file__).parent / "data" / "golden_vectors.json"


@pytest.fixture(scope="module")
def vectors() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


def test_the_code_still_produces_the_golden_vectors(vectors: list[dict[str, Any]]) -> None:
    """The same commands give byte-for-byte the same canonical encodings and hashes, so the
    encoding cannot drift without this file (and the documentation) changing too."""
    assert golden_vectors() == vectors


def test_each_hash_is_plain_sha256_of_the_canonical_bytes(vectors: list[dict[str, Any]]) -> None:
    """What an independent verifier does: hashlib over the UTF-8 bytes, nothing else."""
    for vector in vectors:
        assert hashlib.sha256(vector["canonical"].encode("utf-8")).hexdigest() == vector["sha256"]


def test_the_canonical_form_is_compact_sorted_json(vectors: list[dict[str, Any]]) -> None:
    for vector in vectors:
        document = json.loads(vector["canonical"])
        assert json.dumps(document, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False) == vector["canonical"]
        assert document["topic"] == vector["topic"]
        assert "hash" not in document["event"]
        assert document["event"]["prev_hash"] == vector["prev_hash"]


def test_prev_hash_links_each_event_to_the_one_before_in_its_aggregate(
    vectors: list[dict[str, Any]],
) -> None:
    heads: dict[str, str] = {}
    for vector in vectors:
        assert vector["prev_hash"] == heads.get(vector["originator_id"], GENESIS)
        heads[vector["originator_id"]] = vector["sha256"]
    assert len(heads) < len(vectors)  # at least one aggregate has a chain of two


@pytest.mark.parametrize("value", [1.5, datetime(2026, 4, 1), {"$decimal": "1"}, {1: "x"}, object()])
def test_values_without_a_canonical_encoding_are_refused(value: Any) -> None:
    with pytest.raises(CanonicalEncodingError):
        canonical_bytes("t", {"value": value})


def test_typed_values_are_tagged_so_they_cannot_be_confused_with_strings() -> None:
    assert canonical_bytes("t", {"a": Decimal("1.50")}) != canonical_bytes("t", {"a": "1.50"})
    assert canonical_bytes("t", {"a": Decimal("1.50")}) == b'{"event":{"a":{"$decimal":"1.50"}},"topic":"t"}'


@pytest.mark.parametrize("fields", [{"$x": "1"}, {2: "x"}, {"a": [{"b": 1.5}]},
                                    {"a": ({"$uuid": "x"},)}])
def test_keys_and_nested_values_are_checked_at_every_level(fields: dict[Any, Any]) -> None:
    """The event's own fields, and values inside lists and tuples, get the same checks."""
    with pytest.raises(CanonicalEncodingError):
        canonical_bytes("t", fields)


def test_the_hash_field_is_left_out_and_nothing_else() -> None:
    assert canonical_bytes("t", {"hash": "h", "a": "1", "hashes": "2"}) == \
        b'{"event":{"a":"1","hashes":"2"},"topic":"t"}'
