"""Read models of how the figures moved over recording time, for board packs and exports.

`pb_contribution_events` keeps every pledge, variation (with its reason) and receipt (R6, R7);
`pb_spend_reversals` when each reversal was recorded (R16); `pb_forecast_movements`, per event,
how a decision's net spend and its commitment (R11) changed: summed up to any recording time they
give spend to date and the forecast outturn as the ledger then stood (R17), without replaying the
log. Closing a year lapses its commitments."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from ..aggregates import Decision, Pool
from ..money import stored_pence
from .bulk import expect_columns, insert_rows
from .tables import contribution_events, forecast_movements, spend_reversals

expect_columns(forecast_movements, "pool_id", "sequence", "decision_id", "year", "recorded_at",
               "spent_delta_pence", "committed_delta_pence", "partners")
expect_columns(contribution_events, "pool_id", "sequence", "year", "partner", "kind",
               "amount_pence", "previous_pence", "reason", "reference", "received_on",
               "recorded_at")
expect_columns(spend_reversals, "pool_id", "invoice_ref", "year", "reason", "recorded_at",
               "sequence")
_KINDS = {Pool.ContributionPledged: "pledged", Pool.ContributionVaried: "varied",
          Pool.ContributionReceived: "received"}


Position = tuple[int, int]


def position(decision: Decision) -> Position:
    """(net spend, commitment) of a decision in pence, as the shares report counts them: the
    commitment is the sum of its cost elements' remaining cost, i.e. their cost less their
    spend (R11); outcome elements' exposure is contingent, not firm, and left out (R34).
    Summed, a decision's movements give its position; a closed year's lapse takes the
    commitment off."""
    return decision.spent_pence, decision.firm_remaining_pence


class HistoryWriter:
    """Buffers a batch's history rows."""

    def __init__(self, keep_text: bool = True) -> None:
        self._text = keep_text  # False under a cipher key: reasons are left out
        self._rows: list[tuple[Any, ...]] = []
        self._contributions: list[tuple[Any, ...]] = []
        self._reversals: list[tuple[Any, ...]] = []

    def apply_pool(self, conn: Connection, event: Any, pool_id: str, sequence: int) -> None:
        kind = _KINDS.get(type(event))
        if kind is not None:
            self._contributions.append((
                pool_id, sequence, event.year, event.partner, kind,
                stored_pence(event.amount),
                (stored_pence(event.previous_amount)
                 if isinstance(event, Pool.ContributionVaried) else None),
                getattr(event, "reason", None) if self._text else None,
                getattr(event, "reference", None),
                (date.fromisoformat(event.received_on)
                 if isinstance(event, Pool.ContributionReceived) else None),
                event.timestamp))
        elif isinstance(event, Pool.YearClosed):
            self._lapse(conn, event, pool_id, sequence)

    def apply_decision(self, event: Any, decision: Decision, before: Position,
                       sequence: int, after: Position | None = None, partners: str = "") -> None:
        """`before`: the decision's position before `event` (the projector has the decision
        as it was), so a movement never needs the stored ones summed; `after`, its position
        now, if known; `partners`, how the event moved each partner's figures
        (`partner_moves`): a row is written when either moved."""
        if isinstance(event, Decision.SpendReversed):
            self._reversals.append((decision.pool_id, event.invoice_ref, decision.year,
                                    event.reason if self._text else "", event.timestamp,
                                    sequence))
        if after is None:
            after = position(decision)
        if after != before or partners:
            self._rows.append((decision.pool_id, sequence, decision.decision_id, decision.year,
                               event.timestamp, after[0] - before[0], after[1] - before[1],
                               partners))

    def _lapse(self, conn: Connection, event: Any, pool_id: str, sequence: int) -> None:
        """R17: the year's open commitments lapse when it closes (summed from the movements
        before it: live there are no others, while an as-at over the live rows sees the
        movements up to its end)."""
        self.flush(conn)
        open_ = conn.execute(
            select(forecast_movements.c.decision_id,
                   func.sum(forecast_movements.c.committed_delta_pence))
            .where(forecast_movements.c.pool_id == pool_id, forecast_movements.c.year == event.year,
                   forecast_movements.c.sequence < sequence)
            .group_by(forecast_movements.c.decision_id)).all()
        insert_rows(conn, forecast_movements, [
            (pool_id, sequence, decision_id, event.year, event.timestamp, 0, -int(committed), "")
            for decision_id, committed in open_ if committed])

    def flush(self, conn: Connection) -> None:
        insert_rows(conn, forecast_movements, self._rows)
        insert_rows(conn, contribution_events, self._contributions)
        insert_rows(conn, spend_reversals, self._reversals)
        self.discard()

    def discard(self) -> None:
        """Forgets the rows of a batch (written, or rolled back)."""
        self._rows = []
        self._contributions = []
        self._reversals = []
