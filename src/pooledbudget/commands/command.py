"""The base of every command: who sends it, its optional id and time, and its content digest."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from ..one_shot_json import one_shot
from .fields import Identifier, Timestamp
from .values import Actor, Model


class Command(Model):
    actor: Actor
    command_id: Identifier | None = None
    at: Timestamp | None = None

    def content_digest(self) -> str:
        """SHA-256 of the command without `at`, decimals compared by value (R25). Receipts
        keep it, so these bytes never change: `json.dumps(data, sort_keys=True,
        default=_canonical)`, with the encoder that call would build made once (and its C
        encoder too: one_shot_json.py)."""
        data = self.model_dump(mode="python", exclude={"at"})
        return hashlib.sha256(_digest_text(data).encode()).hexdigest()

    @property
    def kind(self) -> str:
        """The command's name, e.g. `RecordSpend`."""
        return type(self).__name__


def _canonical(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


_DIGEST_ENCODER = json.JSONEncoder(sort_keys=True, default=_canonical)
_digest_text = one_shot(_DIGEST_ENCODER)
