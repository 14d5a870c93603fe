"""Read models from decision streams: decision status, open commitments, approvals pending.

They are derived from the Decision aggregate's own state after each event, so the rules for
commitment (R11) and for who is still to approve (R10, R12) live in the domain, once.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, update

from ..aggregates import Decision
from ..money import to_pence
from .tables import approvals_pending, commitments, decisions


def apply_decision_state(
    conn: Connection, decision: Decision, pending_since: int | None, order: list[str],
    year_closed: bool
) -> None:
    """Brings the decision's rows in line with its current state; `pending_since` is the
    notification id at which what now awaits approval was proposed, if that was just now."""
    key = (decisions.c.pool_id == decision.pool_id, decisions.c.decision_id == decision.decision_id)
    values = {"status": decision.status, "cost_pence": to_pence(decision.cost),
              "end": decision.end, "ended": decision.actual_end is not None}
    if conn.execute(update(decisions).where(*key).values(**values)).rowcount == 0:
        conn.execute(insert(decisions).values(
            pool_id=decision.pool_id, decision_id=decision.decision_id, year=decision.year,
            category=decision.category, start=decision.start, **values))
    _commitments(conn, decision, order, year_closed)
    _approvals(conn, decision, pending_since, year_closed)


def _commitments(conn: Connection, decision: Decision, order: list[str], year_closed: bool) -> None:
    conn.execute(delete(commitments).where(commitments.c.pool_id == decision.pool_id,
                                           commitments.c.decision_id == decision.decision_id))
    rows = [
        {"pool_id": decision.pool_id, "decision_id": decision.decision_id, "partner": code,
         "year": decision.year, "amount_pence": to_pence(amount)}
        for code, amount in decision.commitment_by_partner(order, year_closed).items() if amount
    ]
    if rows:
        conn.execute(insert(commitments), rows)


def _approvals(conn: Connection, decision: Decision, pending_since: int | None,
               year_closed: bool) -> None:
    key = (approvals_pending.c.pool_id == decision.pool_id,
           approvals_pending.c.decision_id == decision.decision_id)
    wanted: tuple[str | None, object] | None = None
    if not year_closed and decision.status == "proposed":
        wanted = (None, decision.created_on)
    elif not year_closed and decision.pending is not None and decision.actual_end is None:
        wanted = (decision.pending.variation_id, decision.pending.proposed_at)
    current = conn.execute(select(approvals_pending.c.variation_id).where(*key)).first()
    if wanted is None:
        if current is not None:
            conn.execute(delete(approvals_pending).where(*key))
        return
    if current is not None and current[0] == wanted[0]:
        conn.execute(update(approvals_pending).where(*key)
                     .values(waiting_on=decision.waiting_on))
        return
    if current is not None:
        conn.execute(delete(approvals_pending).where(*key))
    assert pending_since is not None, "a new pending approval was proposed in this batch"
    conn.execute(insert(approvals_pending).values(
        pool_id=decision.pool_id, decision_id=decision.decision_id, variation_id=wanted[0],
        year=decision.year, recorded_at=wanted[1], sequence=pending_since,
        waiting_on=decision.waiting_on))
