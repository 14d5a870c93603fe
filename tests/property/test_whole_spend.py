"""A spend that falls wholly on one element is allocated in integers (`_whole_allocation`);
every other spend with Fractions. The two must record the same event."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pooledbudget.aggregates import Decision
from pooledbudget.aggregates.terms import SplitHistory
from pooledbudget.application import open_ledger
from pooledbudget.money import Money, pence_text

from ..unit.helpers import approved_decision, setup_pool
from .test_allocation import CODES, positive_amounts, splits

AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
ACTOR = {"id": "u1", "role": "pool_manager", "partner": "ASC"}


@cache
def _decision() -> Decision:
    """An approved one-element decision of £1,000,000,000 (whose splits each example replaces)."""
    ledger = open_ledger("memory://")
    setup_pool(ledger)
    return approved_decision(ledger, cost={"total": "1000000000.00"})


def _recorded(decision: Decision, amount: Decimal, order: list[str], *,
              integers: bool) -> dict[str, Any]:
    decision = copy.deepcopy(decision)
    if not integers:
        decision._whole_allocation = lambda *a, **k: None  # type: ignore[method-assign]
    decision.record_spend(invoice_ref="INV-1", amount=Money.of(amount),
                          service_date=date(2026, 5, 1),
                          element=None, supplier=None, order=order, actor=ACTOR, at=AT)
    (event,) = decision.collect_events()
    return dict(event.__dict__)


@settings(max_examples=300, deadline=None)
@given(positive_amounts, splits(), splits())
@example(Decimal("0.01"), ({"ASC": Decimal(50), "CFS": Decimal(50)}, ["CFS", "ASC"]),
         ({"ASC": Decimal(100)}, ["ASC", "CFS"]))
@example(Decimal("0.02"), ({"ASC": Decimal("33.3333"), "CFS": Decimal("33.3333"),
                            "SMS": Decimal("33.3334")}, ["SMS", "CFS", "ASC"]),
         ({"CFS": Decimal("12.5"), "ASC": Decimal("87.5")}, ["CFS", "ASC"]))
def test_a_whole_spend_in_integers_records_what_the_exact_path_records(
    amount: Decimal, funding: tuple[dict[str, Decimal], list[str]],
    responsibility: tuple[dict[str, Decimal], list[str]],
) -> None:
    """For any amount and any funding and responsibility splits (ties included), the spend
    event recorded through the integer path — its allocations, element parts, hash and every
    other field — is the one the Fraction path records."""
    decision = copy.deepcopy(_decision())
    (state,) = decision.elements.values()
    state.funding = SplitHistory([(None, funding[0])])
    state.responsibility = SplitHistory([(None, responsibility[0])])
    order = [*funding[1], *(code for code in CODES if code not in funding[1])]
    assert _recorded(decision, amount, order, integers=True) == \
        _recorded(decision, amount, order, integers=False)


@given(st.integers(min_value=-10**14, max_value=10**14))
@example(0)
@example(-1)
@example(-100)
@example(5)
def test_pence_are_written_as_decimal_formats_them(pence: int) -> None:
    """Pence written as text read exactly as `format(Decimal, "f")` writes the same amount."""
    assert pence_text(pence) == format(Decimal(pence).scaleb(-2), "f")


def test_the_integer_path_is_taken_for_a_whole_spend() -> None:
    """Not vacuous: a one-element spend does take the integer path."""
    decision = copy.deepcopy(_decision())
    taken: list[bool] = []
    original = decision._whole_allocation

    def spy(*args: Any, **kwargs: Any) -> Any:
        taken.append((result := original(*args, **kwargs)) is not None)
        return result

    decision._whole_allocation = spy  # type: ignore[method-assign]
    decision.record_spend(invoice_ref="INV-1", amount=Money.parse("10.00"),
                          service_date=date(2026, 5, 1), element=None, supplier=None,
                          order=["ASC", "CFS"], actor=ACTOR, at=AT)
    assert taken == [True]
    with pytest.raises(ValueError):  # a split naming a partner outside the order: exact path's
        decision.record_spend(invoice_ref="INV-2", amount=Money.parse("10.00"),
                              service_date=date(2026, 5, 1), element=None, supplier=None,
                              order=["ASC"], actor=ACTOR, at=AT)
    assert taken == [True, False]
