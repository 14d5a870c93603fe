"""eventsourcing's JSON transcoder, encoding with a C encoder built once and decoding with a
faster parser, for speed; the bytes stored and the values read are eventsourcing's own.

Every event saved is encoded for storage by `JSONTranscoder.encode`, which builds a new C
encoder for each call (see one_shot_json.py): a third of the encoding of a small event's state.
`StoredJSONTranscoder` encodes with one built once, with the same settings, so the stored bytes
are the same. tests/unit/test_stored_json.py compares the two on generated values.

Every event read is decoded by `JSONTranscoder.decode`: the standard library's parser, calling
back into Python for every object in the text to look for a registered type
(`{"_type_": ..., "_data_": ...}`). An event has a few such objects, all at its top level (its
timestamp). `decode` here parses with pydantic's Rust parser, which calls nothing back, and
decodes the registered types of the top level itself. It counts the `"_type_"` keys in the bytes
first (a string cannot hold that spelling: its quotes would be escaped), and any text with one
anywhere else — nested, unregistered, malformed — or that the fast parser refuses goes to
eventsourcing's decoder, which gives the value or the error it always gave
(tests/unit/test_stored_json.py: the same values or errors on generated texts; decision 0047).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import JSONTranscoder
from pydantic_core import from_json

from ..one_shot_json import one_shot

_TYPE_KEY = b'"_type_"'


class StoredJSONTranscoder(JSONTranscoder):
    """`JSONTranscoder`, whose `encode` gives the same bytes and `decode` the same values,
    faster (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self._encode = one_shot(self.encoder)

    def encode(self, obj: Any) -> bytes:
        return self._encode(obj).encode("utf8")

    def decode(self, data: bytes) -> Any:
        typed = data.count(_TYPE_KEY)
        try:
            # only keys kept for reuse: an event's values (hashes, references, amounts) rarely
            # repeat, and looking each up costs more than making it (a tenth of a parse)
            value = from_json(data, cache_strings="keys")
        except Exception:  # noqa: BLE001 - eventsourcing's parser gives its value or its error
            return super().decode(data)
        if not typed:
            return value
        if type(value) is not dict:
            return super().decode(data)
        found = 0
        for key, item in value.items():
            if type(item) is dict and len(item) == 2 and "_type_" in item and "_data_" in item:
                transcoding = self.names.get(item["_type_"])
                if transcoding is None:
                    return super().decode(data)
                value[key] = transcoding.decode(item["_data_"])
                found += 1
        return value if found == typed else super().decode(data)
