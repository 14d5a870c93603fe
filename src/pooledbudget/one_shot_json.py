"""`json.JSONEncoder.encode`, with its C encoder built once instead of at every call.

`JSONEncoder.encode` builds a new C encoder (and a float formatter and a dictionary of
containers seen) for every call. For the small documents the ledger encodes thousands of times
in a row (an event's stored state, a command's content digest) that set-up was about a third of
each call. The encoder built here is the one `encode` builds, with the same settings, so the text
is the same. It is built without the check for containers that contain themselves: such a value
makes it recurse until `RecursionError`, and it is then given to `encode`, which reports it as it
always did.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

# json's C encoder, None on an interpreter without json's C speed-ups.
_c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)


def one_shot(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """A function giving `encoder.encode(value)` for any value, built once."""
    if _c_make_encoder is None or encoder.indent is not None:  # no set-up worth saving
        return encoder.encode
    make = _c_make_encoder(
        None, encoder.default, encode_basestring_ascii if encoder.ensure_ascii else encode_basestring,
        None, encoder.key_separator, encoder.item_separator, encoder.sort_keys, encoder.skipkeys,
        encoder.allow_nan)
    reference = encoder.encode

    def encode(value: Any) -> str:
        try:
            return "".join(make(value, 0))
        except RecursionError:
            return reference(value)

    return encode
