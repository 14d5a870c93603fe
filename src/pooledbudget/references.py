"""When two references are the same reference (R13): invoice and outcome evidence references.

Finance systems write one reference several ways (`inv-01`, `INV_1`, `INV-1.`); the ledger
treats them as one, so a reference cannot be reused by spelling it differently.
"""

from __future__ import annotations

import re

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def reference_key(ref: str) -> str:
    """The form two references are compared in (R13, R33): upper-cased, every character but
    A-Z and 0-9 dropped, and the leading zeros of each run of digits dropped (a run of zeros
    keeps one)."""
    kept = _NOT_ALNUM.sub("", ref.upper())
    return _LEADING_ZEROS.sub("", kept)
