"""Read models of paying for outcomes: contingent commitment (R34), each outcome element of an
approved decision as it stands (R35), and which spends were outcome payments (R33).

Like commitments, they are derived from the Decision aggregate's own state after each batch, so
the rules for exposure live in the domain once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, delete

from ..aggregates import Decision
from ..money import to_pence
from .bulk import expect_columns, insert_rows
from .tables import contingent, decision_order, outcome_elements, outcome_payments

if TYPE_CHECKING:
    from .decisions import DecisionState

expect_columns(contingent, "pool_id", "decision_id", "partner", "year", "amount_pence")
expect_columns(decision_order, "pool_id", "decision_id", "year", "sequence")
expect_columns(outcome_elements, "pool_id", "decision_id", "element", "year", "position",
               "measure", "price_pence", "max_count", "count_paid", "paid_pence",
               "remaining_pence")
expect_columns(outcome_payments, "pool_id", "invoice_ref", "decision_id", "element", "year",
               "evidence_ref", "count", "achieved_on", "sequence")

_DELETES = [delete(table).where(table.c.pool_id == bindparam("k_pool"),
                                table.c.decision_id == bindparam("k_decision"))
            for table in (contingent, outcome_elements)]


class OutcomeWriter:
    """Buffers a batch's rows from events: when each decision was proposed (the outcomes
    report lists decisions in recording order) and each outcome payment."""

    def __init__(self, keep_text: bool = True) -> None:
        self._text = keep_text  # False under a cipher key: element names are left out
        self._orders: list[tuple[Any, ...]] = []
        self._payments: list[tuple[Any, ...]] = []

    def apply(self, event: Any, decision: Decision, sequence: int) -> None:
        if isinstance(event, Decision.Proposed):
            self._orders.append((decision.pool_id, decision.decision_id, decision.year,
                                 sequence))
        elif isinstance(event, Decision.OutcomeRecorded):
            self._payments.append((decision.pool_id, event.invoice_ref, decision.decision_id,
                                   event.element if self._text else "", decision.year, event.evidence_ref,
                                   event.count, decision.spends[event.invoice_ref].service_date,
                                   sequence))

    def flush(self, conn: Connection) -> None:
        insert_rows(conn, decision_order, self._orders)
        insert_rows(conn, outcome_payments, self._payments)
        self.discard()

    def discard(self) -> None:
        self._orders = []
        self._payments = []


def write_outcome_states(conn: Connection, states: list[DecisionState],
                         keep_text: bool = True) -> None:
    """Brings each touched decision's contingent and outcome element rows in line with it.
    Only decisions that have, or had, outcome elements have rows to change. Without text (a
    cipher key set) an element is named by its place in the decision and has no measure."""
    touched = [s for s in states if s.decision.has_had_outcomes]
    if not touched:
        return
    keys = [{"k_pool": s.decision.pool_id, "k_decision": s.decision.decision_id}
            for s in touched]
    for statement in _DELETES:
        conn.execute(statement, keys)
    insert_rows(conn, contingent, [row for s in touched for row in _contingent_rows(s)])
    insert_rows(conn, outcome_elements, [row for s in touched
                                               for row in _element_rows(s, keep_text)])


def _contingent_rows(state: DecisionState) -> list[tuple[Any, ...]]:
    d = state.decision
    return [(d.pool_id, d.decision_id, code, d.year, to_pence(amount))
            for code, amount in d.contingent_by_partner(state.order, state.year_closed).items()
            if amount]


def _element_rows(state: DecisionState, keep_text: bool) -> list[tuple[Any, ...]]:
    """R35: outcome elements of an approved decision (ended ones too, their exposure 0.00)."""
    d = state.decision
    if d.status != "approved":
        return []
    live = d.actual_end is None and not state.year_closed
    rows = []
    for position, (name, element) in enumerate(d.elements.items()):
        if element.outcome is None:
            continue
        price = element.outcome.price.pence
        paid = element.count_paid
        remaining = price * (element.outcome.max_count - paid) if live else 0
        rows.append((d.pool_id, d.decision_id, name if keep_text else f"#{position}", d.year,
                     position, element.outcome.measure if keep_text else "",
                     price, element.outcome.max_count, paid, price * paid, remaining))
    return rows
