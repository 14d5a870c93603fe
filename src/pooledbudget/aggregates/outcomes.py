"""Outcome elements (R32) and paying for outcomes (R33): the checks the Decision applies.

An outcome element is an element whose cost is price x max_count: the most the pool can pay for
it. Its payments are spend (R15, R16); what is left of it is contingent, never firm (R34).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from ..errors import LimitError, StateError
from ..money import Money
from .terms import ElementTerms, Outcome, VariedElementTerms, year_bounds

if TYPE_CHECKING:
    from .decision import Decision, ElementState


def _error(message: str, field: str, code: str, rule: str = "R33") -> StateError:
    return StateError(message, field=field, code=code, rule=rule)


def check_outcome(decision: Decision, element: str, count: int, achieved_on: date,
                  at: datetime) -> Money:
    """The state rules of R33, then its count limit; returns the element's price."""
    if decision.status != "approved":
        raise _error(f"decision {decision.decision_id} is {decision.status}; outcomes are paid "
                     "on an approved decision (R33)", "decision_id", "decision_not_approved")
    state = decision.elements.get(element)
    if state is None:
        raise _error(f"decision {decision.decision_id} has no element {element!r} (R33)",
                     "element", "element_not_found")
    if state.outcome is None:
        raise _error(f"element {element} is a cost element: record its spend with RecordSpend "
                     "(R33)", "element", "not_an_outcome_element")
    _check_achieved_on(decision, achieved_on, at)
    paid, most = state.count_paid, state.outcome.max_count
    if paid + count > most:
        raise LimitError(f"count {count} would take element {element} to {paid + count} "
                         f"outcomes paid; {paid} paid of a maximum of {most} (R33)",
                         field="count", code="outcome_count_exceeded", rule="R33")
    return state.outcome.price


def _check_achieved_on(decision: Decision, achieved_on: date, at: datetime) -> None:
    """On or after the start, not after an actual end, the year's end or the recording date."""
    if achieved_on < decision.start:
        raise _error(f"achieved_on {achieved_on} is before the decision's start "
                     f"{decision.start} (R33)", "achieved_on", "achieved_before_start")
    if decision.actual_end is not None and achieved_on > decision.actual_end:
        raise _error(f"achieved_on {achieved_on} is after the decision ended on "
                     f"{decision.actual_end} (R33)", "achieved_on", "achieved_after_end")
    year_end = year_bounds(decision.year)[1]
    if achieved_on > year_end:
        raise _error(f"achieved_on {achieved_on} is after the end of {decision.year} (R33)",
                     "achieved_on", "achieved_after_year")
    recorded_on = at.astimezone(UTC).date()
    if achieved_on > recorded_on:
        raise _error(f"achieved_on {achieved_on} is after the date it is recorded, "
                     f"{recorded_on} (R33)", "achieved_on", "achieved_after_recording")


def outcome_variation_error(item: VariedElementTerms, current: ElementState | None,
                            where: str) -> StateError | None:
    """What a variation may not do to an element's outcome terms (R32): give an outcome
    element a cost, give a cost element a max_count, or change a measure or a price."""
    if current is None:
        if item.max_count is not None and item.cost is not None:
            return _error(f"new element {item.name} has either a cost or an outcome (R32)",
                          where, "outcome_element_cost", "R32")
        return None
    if current.outcome is None:
        if item.max_count is not None:
            return _error(f"element {item.name} is a cost element; only an outcome element has "
                          "a max_count (R32)", f"{where}.outcome", "not_an_outcome_element",
                          "R32")
        return None
    if item.cost is not None:
        return _error(f"element {item.name} is an outcome element: its cost is price x "
                      "max_count; vary its max_count (R32)", f"{where}.cost",
                      "outcome_element_cost", "R32")
    fixed: dict[str, Any] = {"measure": item.measure, "price": item.price}
    for name, value in fixed.items():
        if value is not None and value != getattr(current.outcome, name):
            return _error(f"element {item.name}'s {name} never changes; only its max_count may "
                          "be varied (R32)", f"{where}.outcome.{name}", "outcome_terms_fixed",
                          "R32")
    return None


def outcome_terms(item: VariedElementTerms, where: str) -> ElementTerms:
    """A new outcome element added by a variation: measure, price and funding all given."""
    if item.measure is None or item.price is None or item.max_count is None \
            or item.funding is None:
        raise _error(f"new outcome element {item.name} needs a measure, a price, a max_count "
                     "and a funding split (R12)", where, "new_element_incomplete", "R12")
    outcome = Outcome(item.measure, item.price, item.max_count)
    return ElementTerms(item.name, outcome.cost, {}, item.funding, item.responsibility,
                        outcome)
