"""Read models from decision streams: decision status, open commitments, approvals pending.

They are derived from the Decision aggregate's own state after each batch of events, so the
rules for commitment (R11) and for who is still to approve (R10, R12) live in the domain, once.
A batch writes each table with a few statements (one executemany each), not per decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from ..aggregates import Decision
from ..money import to_pence
from .bulk import expect_columns, insert_rows
from .partner_totals import Totals, commitment_moves
from .tables import approvals_pending, commitments, decisions


@dataclass(frozen=True)
class DecisionState:
    """A decision as a batch left it, with what its rows depend on beyond itself."""

    decision: Decision
    new: bool  # proposed in this batch: its row is inserted, not updated
    pending_since: int | None  # notification id at which what awaits approval was proposed
    order: list[str]  # the pool's partner order (R4 ties)
    year_closed: bool


_KEY = (decisions.c.pool_id == bindparam("k_pool"),
        decisions.c.decision_id == bindparam("k_decision"))
_UPDATE_DECISION = update(decisions).where(*_KEY).values(
    status=bindparam("status"), cost_pence=bindparam("cost_pence"), end=bindparam("end"),
    ended=bindparam("ended"))
_DELETE_COMMITMENTS = delete(commitments).where(
    commitments.c.pool_id == bindparam("k_pool"),
    commitments.c.decision_id == bindparam("k_decision"))
_APPROVAL_KEY = (approvals_pending.c.pool_id == bindparam("k_pool"),
                 approvals_pending.c.decision_id == bindparam("k_decision"))
_DELETE_APPROVALS = delete(approvals_pending).where(*_APPROVAL_KEY)
_UPDATE_APPROVALS = update(approvals_pending).where(*_APPROVAL_KEY).values(
    waiting_on=bindparam("waiting_on"), first_signature=bindparam("first_signature"))
_INSERT_APPROVALS = insert(approvals_pending)


def write_decision_states(conn: Connection, states: list[DecisionState], keep_text: bool,
                          totals: Totals) -> None:
    """Brings every touched decision's rows in line with its state at the batch's end
    (without its category when `keep_text` is False: a cipher key is set); the commitments'
    change by partner goes into `totals`."""
    if not states:
        return
    keys = [{"k_pool": s.decision.pool_id, "k_decision": s.decision.decision_id} for s in states]
    _decision_rows(conn, states, keys, keep_text)
    written_before = [key for state, key in zip(states, keys, strict=True) if not state.new]
    new = [row for state in states for row in _commitment_rows(state)]
    old = []
    if written_before:  # a decision proposed in this batch has no rows yet
        old = _commitments_of(conn, written_before)
        conn.execute(_DELETE_COMMITMENTS, written_before)
    commitment_moves(totals, old, new)
    insert_rows(conn, commitments, new)
    _approvals(conn, states)


def _commitments_of(conn: Connection, keys: list[dict[str, str]]) -> list[Any]:
    """The commitment rows of these decisions, as the last batch to touch them wrote them."""
    by_pool: dict[str, list[str]] = {}
    for key in keys:
        by_pool.setdefault(key["k_pool"], []).append(key["k_decision"])
    c = commitments.c
    return [row for pool_id, ids in by_pool.items()
            for row in conn.execute(select(c.pool_id, c.decision_id, c.partner, c.year,
                                           c.amount_pence)
                                    .where(c.pool_id == pool_id, c.decision_id.in_(ids)))]


def _decision_rows(conn: Connection, states: list[DecisionState],
                   keys: list[dict[str, str]], keep_text: bool) -> None:
    inserts, updates = [], []
    for state, key in zip(states, keys, strict=True):
        d = state.decision
        values = {"status": d.status, "cost_pence": d.cost_pence, "end": d.end,
                  "ended": d.actual_end is not None}
        if state.new:
            inserts.append((d.pool_id, d.decision_id, d.year, d.category if keep_text else "",
                            d.status, d.cost_pence, d.start, d.end, d.actual_end is not None))
        else:
            updates.append({**key, **values})
    insert_rows(conn, decisions, inserts)  # in bulk: a rebuild proposes every decision anew
    if updates:
        conn.execute(_UPDATE_DECISION, updates)


def _commitment_rows(state: DecisionState) -> list[tuple[Any, ...]]:
    d = state.decision
    return [(d.pool_id, d.decision_id, code, d.year, to_pence(amount))
            for code, amount in d.commitment_by_partner(state.order, state.year_closed).items()
            if amount]


expect_columns(commitments, "pool_id", "decision_id", "partner", "year", "amount_pence")
expect_columns(decisions, "pool_id", "decision_id", "year", "category", "status", "cost_pence",
               "start", "end", "ended")


def _wanted_approval(state: DecisionState) -> tuple[str | None, object] | None:
    """(variation id or None for the proposal, when it was proposed), if approvals are awaited."""
    d = state.decision
    if state.year_closed:
        return None
    if d.status == "proposed":
        return (None, d.created_on)
    if d.pending is not None and d.actual_end is None:
        return (d.pending.variation_id, d.pending.proposed_at)
    return None


def _approvals(conn: Connection, states: list[DecisionState]) -> None:
    wanted = {(s.decision.pool_id, s.decision.decision_id): (s, _wanted_approval(s))
              for s in states}
    current = {
        (pool_id, decision_id): variation_id
        for pool_id, decision_id, variation_id in conn.execute(
            select(approvals_pending.c.pool_id, approvals_pending.c.decision_id,
                   approvals_pending.c.variation_id)
            .where(approvals_pending.c.pool_id.in_({k[0] for k in wanted}),
                   approvals_pending.c.decision_id.in_({k[1] for k in wanted})))
        if (pool_id, decision_id) in wanted
    }
    deletes, updates, inserts = [], [], []
    for key, (state, want) in wanted.items():
        d = state.decision
        where = {"k_pool": key[0], "k_decision": key[1]}
        if want is None:
            if key in current:
                deletes.append(where)
        elif key in current and current[key] == want[0]:
            updates.append({**where, "waiting_on": d.waiting_on,
                            "first_signature": d.first_signed})
        else:
            if key in current:
                deletes.append(where)
            assert state.pending_since is not None, "a new pending approval was proposed in this batch"
            inserts.append({"pool_id": d.pool_id, "decision_id": d.decision_id,
                            "variation_id": want[0], "year": d.year, "recorded_at": want[1],
                            "sequence": state.pending_since, "waiting_on": d.waiting_on,
                            "first_signature": d.first_signed})
    if deletes:
        conn.execute(_DELETE_APPROVALS, deletes)
    if updates:
        conn.execute(_UPDATE_APPROVALS, updates)
    if inserts:
        conn.execute(_INSERT_APPROVALS, inserts)
