"""The sign-offs read model: every approval, first signature and decline, as recorded (R29, R30).

An auditor samples approvals against the scheme of delegation: who signed, for how much, under
which limit. Each row is copied from its event, never recomputed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from ..aggregates import Decision
from ..money import stored_pence
from .bulk import expect_columns, insert_rows
from .tables import sign_offs

expect_columns(sign_offs, "pool_id", "sequence", "decision_id", "variation_id", "year", "partner",
               "actor", "outcome", "amount_pence", "limit_pence", "recorded_at")
OUTCOMES: dict[type, str] = {
    Decision.ShareApproved: "approved", Decision.VariationShareApproved: "approved",
    Decision.ShareFirstSigned: "first_signature",
    Decision.VariationFirstSigned: "first_signature",
    Decision.Declined: "declined", Decision.VariationDeclined: "declined",
}


class SignOffWriter:
    """Buffers a batch's sign-off rows."""

    def __init__(self) -> None:
        self._rows: list[tuple[Any, ...]] = []

    def apply(self, event: Any, decision: Decision, sequence: int) -> None:
        outcome = OUTCOMES.get(type(event))
        if outcome is None:
            return
        amount, limit = getattr(event, "amount", None), getattr(event, "limit", None)
        self._rows.append((
            decision.pool_id, sequence, decision.decision_id, getattr(event, "variation_id", None),
            decision.year, event.partner, event.actor["id"], outcome,
            None if amount is None else stored_pence(amount),
            None if limit is None else stored_pence(limit), event.timestamp))

    def flush(self, conn: Connection) -> None:
        insert_rows(conn, sign_offs, self._rows)
        self.discard()

    def discard(self) -> None:
        self._rows = []
