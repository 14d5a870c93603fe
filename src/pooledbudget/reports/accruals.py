"""Service delivered by a month's end but not yet invoiced: an estimate, per partner.

For each decision of the year approved by the month's end (recording time), under the terms in
force then, each element accrues what its service period up to the month's end should have cost
less the spend recorded for it (by the month's end) with a service date up to the month's end,
never below zero:

- a weekly element: elapsed whole weeks of the service period (days from the start to the
  month's end, or to the end of the period if earlier, both days counted, divided by 7 and
  rounded down, never more than its planned weeks) × the weekly rate;
- a total-cost element: its cost × days elapsed ÷ days in the service period;
- an outcome element (or any other kind): never accrues.

Spend naming no element counts against each element by the part recorded for it (R11, R15).
Each element's accrual is rounded half-even to the penny, then divided among partners by the
element's funding split in force at the month's end (R4). A decision in a year already closed by
then accrues nothing: nothing more can be recorded in it (R17).
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import Any

from eventsourcing.application import project_aggregate

from ..aggregates import Decision, decision_uuid
from ..application import LedgerApplication
from ..money import Money, allocate, exact, round_half_even_pence, split_weights, to_pence


def decision_as_at(ledger: LedgerApplication, pool: str, decision_id: str,
                   before: datetime) -> Decision | None:
    """The decision as its events recorded before `before` left it (None: not yet proposed)."""
    stored = ledger.recorder.select_events(decision_uuid(pool, decision_id))
    events: list[Any] = []
    for item in stored:
        event: Any = ledger.mapper.to_domain_event(item)
        if event.timestamp >= before:
            break
        events.append(event)
    if not events:
        return None
    decision: Decision | None = project_aggregate(None, events)
    return decision


def element_expected(cost_basis: dict[str, str], cost: Money, start: date, end: date,
                     month_end: date) -> Fraction:
    """What an element's service up to `month_end` should have cost (see the module's doc)."""
    if month_end < start:
        return Fraction(0)
    days = (min(month_end, end) - start).days + 1
    if "weekly" in cost_basis:
        weeks = min(days // 7, int(cost_basis.get("weeks", days // 7)))
        return exact(Money.of(cost_basis["weekly"]).times(weeks))
    if "total" in cost_basis:
        period = (end - start).days + 1
        return exact(cost) * Fraction(min(days, period), period)
    return Fraction(0)  # outcome elements never accrue


def spent_to(decision: Decision, month_end: date) -> dict[str, Fraction]:
    """Each element's part of the spend recorded (and not reversed) with a service date up to
    `month_end`."""
    spent: dict[str, Fraction] = {}
    for spend in decision.spends.values():
        if spend.reversed or spend.service_date > month_end:
            continue
        for name, part in spend.element_parts.items():
            spent[name] = spent.get(name, Fraction(0)) + Fraction(part)
    return spent


def decision_accrual(decision: Decision, month_end: date, order: list[str]) -> dict[str, int]:
    """Pence by partner for one decision as it stood at the month's end."""
    parts = dict.fromkeys(order, 0)
    if decision.status != "approved":
        return parts
    spent = spent_to(decision, month_end)
    for name, element in decision.elements.items():
        if getattr(element, "outcome", None) is not None:
            continue  # an outcome element (R32) is paid on evidence, never by time
        expected = element_expected(element.cost_basis, element.cost, decision.start,
                                    decision.end, month_end)
        owed = expected - spent.get(name, Fraction(0))
        if owed <= 0:
            continue
        amount = round_half_even_pence(owed)
        if not amount:
            continue
        weights = split_weights(element.funding.in_force(month_end))
        for code, part in allocate(amount, weights, order).items():
            parts[code] += to_pence(part)
    return parts


def accruals(ledger: LedgerApplication, pool: str, decision_ids: list[str], before: datetime,
             month_end: date, order: list[str]) -> dict[str, int]:
    """Pence by partner over these decisions, each as it stood before `before`."""
    total = dict.fromkeys(order, 0)
    for decision_id in decision_ids:
        decision = decision_as_at(ledger, pool, decision_id, before)
        if decision is None:
            continue
        for code, pence in decision_accrual(decision, month_end, order).items():
            total[code] += pence
    return total
