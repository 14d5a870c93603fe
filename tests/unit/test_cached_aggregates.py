"""What commands get from the repository's cache: copies to change, or shared read-only instances.

Copying is most of a command's cost, so a decision copies cheaply (its spends are immutable and
shared) and commands that only read a pool use the cached instance itself. Both are only safe
if a copy is independent and a read-only instance is never changed; these tests hold that.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from pooledbudget import commands as c
from pooledbudget.aggregates.terms import VariedElementTerms
from pooledbudget.application import LedgerApplication
from pooledbudget.money import Money
from property.ledger_worlds import state_of

from .helpers import (
    POOL,
    YEAR,
    approve_variation_all,
    approved_decision,
    bh,
    decision,
    pledge_cmd,
    pm,
    reverse_cmd,
    run,
    setup_pool,
    spend_cmd,
    variation_cmd,
    written,
)

AT = datetime(2026, 6, 1, tzinfo=UTC)


def test_a_copied_decision_changes_without_touching_the_original(
    ledger: LedgerApplication,
) -> None:
    """Spending, reversing and varying a copy leaves the original's whole state as it was,
    spends and splits included (shared between copies, never changed in place)."""
    setup_pool(ledger)
    approved_decision(ledger, funding={"ASC": "60", "CFS": "40"})
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    run(ledger, spend_cmd("D1", "INV-2", "50.00"))
    original = decision(ledger)
    before = state_of(original)

    duplicate = copy.deepcopy(original)
    duplicate.reverse_spend("INV-1", "wrong supplier", pm(), AT)
    duplicate.record_spend(invoice_ref="INV-3", amount=Money.parse("10.00"),
                           service_date=datetime(2026, 5, 2).date(), element=None,
                           supplier=None, order=["ASC", "CFS"], actor=pm(), at=AT)
    (name,) = duplicate.elements
    duplicate.propose_variation(
        variation_id="V1", reason="review", effective_from=datetime(2026, 6, 1).date(),
        planned_end=None, elements=[VariedElementTerms(
            name=name, cost=Money.parse("2000.00"), cost_basis={"total": "2000.00"},
            funding={"ASC": Decimal(30), "CFS": Decimal(70)},
            responsibility={"ASC": Decimal(10), "CFS": Decimal(90)})],
        members=["ASC", "CFS"], actor=pm(), at=AT)
    for code in list(duplicate.waiting_on):
        duplicate.approve_variation("V1", code, bh(code), AT)
    assert duplicate.spends["INV-1"].reversed and "INV-3" in duplicate.spends
    assert len(duplicate.elements[name].funding.entries) == 2
    assert duplicate.elements[name].cost == Money.parse("2000.00")
    assert state_of(original) == before
    assert not original.spends["INV-1"].reversed and "INV-3" not in original.spends
    assert len(original.elements[name].funding.entries) == 1
    assert len(original.elements[name].responsibility.entries) == 1


def test_a_reversal_and_a_variation_after_copies_leave_the_recorded_history_intact(
    ledger: LedgerApplication,
) -> None:
    """Through the ledger (which copies from its cache for every command): after a reversal
    and a variation, the cached decision equals the decision replayed from its events."""
    setup_pool(ledger)
    approved_decision(ledger, funding={"ASC": "60", "CFS": "40"})
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    run(ledger, reverse_cmd("INV-1", actor=pm()))
    run(ledger, variation_cmd("D1", "V1", funding={"ASC": "50", "CFS": "50"}, actor=pm()))
    approve_variation_all(ledger, "D1", "V1")
    run(ledger, spend_cmd("D1", "INV-2", "30.00"))
    cached = decision(ledger)
    replayed = ledger.repository.get(cached.id, version=cached.version)  # from the store
    assert state_of(cached) == state_of(replayed)


def test_read_only_loads_share_the_cached_pool_and_updates_get_copies(
    ledger: LedgerApplication,
) -> None:
    """The mechanism itself: read-only loads return the cached instance; the default a copy."""
    setup_pool(ledger)
    assert ledger.pool(POOL, read_only=True) is ledger.pool(POOL, read_only=True)
    assert ledger.pool(POOL) is not ledger.pool(POOL)


def test_a_handler_that_changes_a_pool_it_loaded_read_only_is_stopped(
    ledger: LedgerApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were a handler to change a pool it loaded read-only, the command fails, nothing is
    written, and the change does not survive in the cache to be served as if recorded."""
    setup_pool(ledger, pledges={"ASC": "1000.00"})
    approved_decision(ledger)

    def faulty(cmd: Any, actor: Any, at: Any) -> list[Any]:
        pool = ledger.pool(POOL, read_only=True)
        pool.vary("ASC", YEAR, Money.parse("999.00"), "sneaky", actor, at)
        return []

    monkeypatch.setitem(ledger._handlers, c.RecordSpend, faulty)
    before = written(ledger)
    with pytest.raises(RuntimeError, match="read-only"):
        run(ledger, spend_cmd("D1", "INV-1", "10.00"))
    assert written(ledger) == before
    assert ledger.pool(POOL).agreed_amount("ASC", YEAR) == Decimal("1000.00")
    assert ledger.pool(POOL, read_only=True).agreed_amount("ASC", YEAR) == Decimal("1000.00")
    run(ledger, pledge_cmd("CFS", "500.00"))  # the ledger carries on
