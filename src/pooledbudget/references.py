"""When two references are the same reference (R13): invoices, and outcome evidence (R33).

Clerks key the same invoice as `INV-1`, `inv-01`, `INV_1` or `INV-1.`; each spelling paid once
more is the same invoice paid again. A reference's key is what is left after upper-casing,
dropping every character but A-Z and 0-9, and dropping the leading zeros of each run of digits
(a run of zeros keeps one: `INV-00` is `INV0`). Two references are the same when their keys are.
"""

from __future__ import annotations

import re

_NOT_KEPT = re.compile(r"[^A-Z0-9]+")
_DIGIT_RUN_START = re.compile(r"(?<![0-9])0+(?=[0-9])")


def reference_key(ref: str) -> str:
    """The key two references share exactly when R13 says they are the same reference."""
    kept = _NOT_KEPT.sub("", ref.upper())
    return _DIGIT_RUN_START.sub("", kept)
