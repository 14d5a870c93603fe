"""Passwords never leave the process: every message and log line goes through `redact`."""

from __future__ import annotations

import re

# `scheme://user:password@host`, whatever the scheme (a mistyped `postgress://` included), and
# libpq's `password=...` keyword form as drivers quote it in their errors.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\s'\"]*:)[^\s'\"/]*(?=@)")
_KEYWORD_PASSWORD = re.compile(r"(?i)(?P<head>password\s*=\s*)('[^']*'|\"[^\"]*\"|[^\s'\"]+)")
HIDDEN = "***"


def redact(text: str) -> str:
    """`text` with any password in a URL or a `password=` setting replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: m["head"] + HIDDEN, text)
    return _KEYWORD_PASSWORD.sub(lambda m: m["head"] + HIDDEN, text)
