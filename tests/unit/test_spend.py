"""Spend R13-R16: recording, limits, allocation by the split in force, and reversals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pooledbudget.aggregates.decision import spend as spend_rules
from pooledbudget.application import LedgerApplication
from pooledbudget.errors import LedgerError
from pooledbudget.money import Money

from .helpers import (
    approve_variation_all,
    approve_variation_cmd,
    approved_decision,
    commitment,
    decision,
    element,
    establish_cmd,
    invalid,
    money,
    pledge_cmd,
    propose_cmd,
    reject,
    reverse_cmd,
    run,
    setup_pool,
    spend_cmd,
    spend_funding,
    total,
    variation_cmd,
    written,
)
from .support import figure, in_pool

THREE = ("ASC", "CFS", "ICB")

# -- R13: recording spend ----------------------------------------------------------------------


def test_r13_spend_is_recorded_against_an_approved_decision(ledger: LedgerApplication) -> None:
    """R13: spend with invoice reference, amount, service date inside the period is recorded."""
    setup_pool(ledger)
    approved_decision(ledger, funding={"ASC": "60", "CFS": "40"})
    result = run(ledger, spend_cmd("D1", "INV-1", "250.00", "2026-05-01") | {"supplier": "Rehab Ltd"})
    assert result.events == ["SpendRecorded"]
    spend = decision(ledger).spends["INV-1"]
    assert (spend.amount, spend.service_date.isoformat(), spend.reversed) == (
        Decimal("250.00"), "2026-05-01", False)
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "150.00", "CFS": "100.00"}
    assert figure(ledger, "spent") == money(ASC="150.00", CFS="100.00")


def test_r13_spend_needs_an_approved_decision(ledger: LedgerApplication) -> None:
    """R13: no spend on a proposed (not yet approved) or unknown decision."""
    setup_pool(ledger)
    run(ledger, propose_cmd("D1"))
    reject(ledger, spend_cmd("D1", "INV-1", "10.00"), rule="R13", code="decision_not_approved")
    reject(ledger, spend_cmd("D9", "INV-1", "10.00"), rule="R13", code="decision_not_found")


def test_r13_service_date_inside_the_service_period(ledger: LedgerApplication) -> None:
    """R13: service date within start..planned end, both ends included."""
    setup_pool(ledger)
    approved_decision(ledger, start="2026-05-01", planned_end="2026-09-30")
    reject(ledger, spend_cmd("D1", "INV-1", "10.00", "2026-04-30"), rule="R13", field="service_date")
    reject(ledger, spend_cmd("D1", "INV-1", "10.00", "2026-10-01"), rule="R13", field="service_date")
    run(ledger, spend_cmd("D1", "INV-1", "10.00", "2026-05-01"))
    run(ledger, spend_cmd("D1", "INV-2", "10.00", "2026-09-30"))


def test_r13_service_date_may_be_after_the_recording_time(ledger: LedgerApplication) -> None:
    """R13: the clock says April 2026; a service date in September is still fine."""
    setup_pool(ledger)
    approved_decision(ledger, planned_end="2026-09-30")
    run(ledger, spend_cmd("D1", "INV-1", "10.00", "2026-09-30"))
    assert decision(ledger).spends["INV-1"].service_date.isoformat() == "2026-09-30"


def test_r13_named_element_must_exist(ledger: LedgerApplication) -> None:
    """R13: a named element must exist."""
    setup_pool(ledger)
    approved_decision(ledger, elements=[element("adult", total("100.00"), {"ASC": "100"})])
    reject(ledger, spend_cmd("D1", "INV-1", "10.00", element="child"), rule="R13",
           code="element_not_found", field="element")


def test_r13_invoice_ref_is_unique_within_the_pool(ledger: LedgerApplication) -> None:
    """R13: an invoice reference is used once in a pool, whatever the decision."""
    setup_pool(ledger)
    approved_decision(ledger, "D1")
    approved_decision(ledger, "D2")
    run(ledger, spend_cmd("D1", "INV-1", "10.00"))
    reject(ledger, spend_cmd("D1", "INV-1", "10.00"), rule="R13", code="invoice_ref_reused",
           field="invoice_ref")
    reject(ledger, spend_cmd("D2", "INV-1", "20.00"), rule="R13", code="invoice_ref_reused")


def test_r13_a_reused_invoice_ref_is_reported_before_the_limits(ledger: LedgerApplication) -> None:
    """R13 comes before R14: a reused invoice reference whose amount would also exceed the
    cost is reported as the reuse (the ledger first assumes a new reference is unused and
    lets the store's uniqueness refuse it, then decides again with the look-up)."""
    setup_pool(ledger)
    approved_decision(ledger)  # cost 1000.00
    run(ledger, spend_cmd("D1", "INV-1", "900.00"))
    reject(ledger, spend_cmd("D1", "INV-1", "900.00"), rule="R13", code="invoice_ref_reused")
    reject(ledger, spend_cmd("D1", "INV-2", "900.00"), rule="R14",
           code="spend_exceeds_approved_cost")


def test_r13_invoice_ref_never_reused_even_after_reversal(ledger: LedgerApplication) -> None:
    """R13: an invoice reference is never reused, even after a reversal."""
    setup_pool(ledger)
    approved_decision(ledger)
    run(ledger, spend_cmd("D1", "INV-1", "10.00"))
    run(ledger, reverse_cmd("INV-1"))
    reject(ledger, spend_cmd("D1", "INV-1", "10.00"), rule="R13", code="invoice_ref_reused")


def test_r13_same_invoice_ref_in_another_pool_is_fine(ledger: LedgerApplication) -> None:
    """R13: uniqueness is within the pool; another pool may use the same reference."""
    setup_pool(ledger)
    approved_decision(ledger)
    run(ledger, establish_cmd(pool_id="Q"))
    run(ledger, in_pool(pledge_cmd("ASC", "100.00"), "Q"))
    run(ledger, in_pool(propose_cmd("D1"), "Q"))
    for code in ("ASC", "CFS"):
        run(ledger, in_pool({"command": "ApproveDecision", "actor": {
            "id": f"bh-{code.lower()}", "partner": code, "role": "budget_holder"},
            "decision_id": "D1", "partner": code}, "Q"))
    run(ledger, spend_cmd("D1", "INV-1", "10.00"))
    result = run(ledger, in_pool(spend_cmd("D1", "INV-1", "20.00"), "Q"))
    assert result.events == ["SpendRecorded"]
    assert ledger.decision("Q", "D1").spends["INV-1"].amount == Decimal("20.00")


def test_r13_state_rule_reported_before_the_r14_limit(ledger: LedgerApplication) -> None:
    """R13 before R14: a spend outside the period and over the cost reports R13."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("100.00"), planned_end="2026-09-30")
    reject(ledger, spend_cmd("D1", "INV-1", "500.00", "2026-10-01"), rule="R13")


# -- R14: limits -------------------------------------------------------------------------------


def test_r14_spend_up_to_the_approved_cost_then_no_more(ledger: LedgerApplication) -> None:
    """R14: spend may reach the approved cost exactly; one penny more is rejected."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"))
    run(ledger, spend_cmd("D1", "INV-1", "999.99"))
    reject(ledger, spend_cmd("D1", "INV-2", "0.02"), rule="R14", code="spend_exceeds_approved_cost",
           field="amount")
    run(ledger, spend_cmd("D1", "INV-2", "0.01"))
    assert commitment(ledger) == money(ASC="0.00", CFS="0.00")
    reject(ledger, spend_cmd("D1", "INV-3", "0.01"), rule="R14")


def test_r14_named_element_cannot_exceed_its_cost(ledger: LedgerApplication) -> None:
    """R14: a named element's total cannot go above the element's cost, even if the decision has room."""
    setup_pool(ledger)
    approved_decision(ledger, elements=[
        element("adult", total("600.00"), {"ASC": "100"}),
        element("child", total("400.00"), {"CFS": "100"}),
    ])
    run(ledger, spend_cmd("D1", "INV-1", "400.00", element="child"))
    reject(ledger, spend_cmd("D1", "INV-2", "0.01", element="child"), rule="R14",
           code="spend_exceeds_element_cost")
    run(ledger, spend_cmd("D1", "INV-2", "600.00", element="adult"))


def test_r14_limit_is_net_of_reversals(ledger: LedgerApplication) -> None:
    """R14: spend net of reversals: a reversal frees the amount for new spend."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("100.00"))
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    reject(ledger, spend_cmd("D1", "INV-2", "40.00"), rule="R14")
    run(ledger, reverse_cmd("INV-1"))
    run(ledger, spend_cmd("D1", "INV-2", "40.00"))
    run(ledger, spend_cmd("D1", "INV-3", "60.00"))
    reject(ledger, spend_cmd("D1", "INV-4", "0.01"), rule="R14")


def test_r14_vary_the_decision_first(ledger: LedgerApplication) -> None:
    """R14: a pending cost rise does not lift the limit; once approved it does."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("100.00"))
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    run(ledger, variation_cmd("D1", "V1", cost=total("150.00")))
    reject(ledger, spend_cmd("D1", "INV-2", "50.00"), rule="R14")
    approve_variation_all(ledger, "D1", "V1")
    run(ledger, spend_cmd("D1", "INV-2", "50.00"))
    reject(ledger, spend_cmd("D1", "INV-3", "0.01"), rule="R14")


# -- R15: allocation -----------------------------------------------------------------------------


def test_r15_spend_allocated_by_split_with_largest_remainder(ledger: LedgerApplication) -> None:
    """R15/R4: 0.07 at 20/30/50 -> 1.4p, 2.1p, 3.5p -> ICB gets the leftover penny."""
    setup_pool(ledger, THREE)
    approved_decision(ledger, funding={"ASC": "20", "CFS": "30", "ICB": "50"})
    run(ledger, spend_cmd("D1", "INV-1", "0.07"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "0.01", "CFS": "0.02", "ICB": "0.04"}


def test_r15_tie_goes_to_the_earlier_partner_in_the_agreement(ledger: LedgerApplication) -> None:
    """R15/R4: 0.05 at 40/30/30 -> 2p, 1.5p, 1.5p: the tie goes to CFS (before ICB)."""
    setup_pool(ledger, THREE)
    approved_decision(ledger, funding={"ICB": "30", "CFS": "30", "ASC": "40"})
    run(ledger, spend_cmd("D1", "INV-1", "0.05"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "0.02", "CFS": "0.02", "ICB": "0.01"}


def test_r15_named_element_uses_that_elements_split(ledger: LedgerApplication) -> None:
    """R15: a spend naming an element is allocated by that element's split alone."""
    setup_pool(ledger, THREE)
    approved_decision(ledger, elements=[
        element("adult", total("600.00"), {"ASC": "100"}),
        element("child", total("400.00"), {"CFS": "75", "ICB": "25"}),
    ])
    run(ledger, spend_cmd("D1", "INV-1", "100.00", element="child"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "0.00", "CFS": "75.00", "ICB": "25.00"}
    assert commitment(ledger) == money(ASC="600.00", CFS="225.00", ICB="75.00")


def test_r15_unnamed_spend_weighted_by_elements_then_r4_once(ledger: LedgerApplication) -> None:
    """R15: an unnamed spend is apportioned to elements by remaining cost, weighted exactly by each
    element's split, then R4 once.

    A 300 at ASC/CFS 50/50, B 300 at ASC/ICB 50/50; spend 0.03 -> 1.5p to each element ->
    exactly ASC 1.5p, CFS 0.75p, ICB 0.75p -> floors 1,0,0; the 2 pence left go to the largest
    remainders CFS and ICB (0.75 > 0.5): 0.01 each.
    """
    setup_pool(ledger, THREE)
    approved_decision(ledger, elements=[
        element("A", total("300.00"), {"ASC": "50", "CFS": "50"}),
        element("B", total("300.00"), {"ASC": "50", "ICB": "50"}),
    ])
    run(ledger, spend_cmd("D1", "INV-1", "0.03"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "0.01", "CFS": "0.01", "ICB": "0.01"}


def test_r15_unnamed_spend_by_remaining_cost_with_different_weights(ledger: LedgerApplication) -> None:
    """R15: adult 900 (ASC), child 100 (CFS/ICB 50/50); 100.00 unnamed -> 90 to adult, 10 to child:
    ASC 90.00, CFS 5.00, ICB 5.00."""
    setup_pool(ledger, THREE)
    approved_decision(ledger, elements=[
        element("adult", total("900.00"), {"ASC": "100"}),
        element("child", total("100.00"), {"CFS": "50", "ICB": "50"}),
    ])
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "90.00", "CFS": "5.00", "ICB": "5.00"}
    d = decision(ledger)
    assert (d.elements["adult"].spent, d.elements["child"].spent) == (90, 10)


def test_r15_split_in_force_on_the_service_date(ledger: LedgerApplication) -> None:
    """R15: the funding split in force on the service date, not the recording date, is used.

    ICB withdraws from 1 Sept (ASC absorbs its share). A late invoice for August service recorded
    after the variation still uses 50/50; September service uses ASC 100.
    """
    setup_pool(ledger, ("ASC", "ICB"))
    approved_decision(ledger, cost=total("1000.00"), funding={"ASC": "50", "ICB": "50"},
                      planned_end="2026-12-31")
    run(ledger, variation_cmd("D1", "V1", effective_from="2026-09-01", funding={"ASC": "100"}))
    assert decision(ledger).waiting_on == ["ASC"]
    approve_variation_all(ledger, "D1", "V1")
    run(ledger, spend_cmd("D1", "INV-AUG", "100.01", "2026-08-31"))
    run(ledger, spend_cmd("D1", "INV-SEP", "100.01", "2026-09-01"))
    assert spend_funding(ledger, "D1", "INV-AUG") == {"ASC": "50.01", "ICB": "50.00"}
    assert spend_funding(ledger, "D1", "INV-SEP") == {"ASC": "100.01", "ICB": "0.00"}
    assert figure(ledger, "spent") == money(ASC="150.02", ICB="50.00")


def test_r15_pending_variation_does_not_change_allocation(ledger: LedgerApplication) -> None:
    """R15/R12: until a variation is approved, spend uses the old split."""
    setup_pool(ledger)
    approved_decision(ledger, funding={"ASC": "50", "CFS": "50"})
    run(ledger, variation_cmd("D1", "V1", funding={"ASC": "90", "CFS": "10"}))
    run(ledger, spend_cmd("D1", "INV-1", "10.00"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "5.00", "CFS": "5.00"}


# -- R16: reversals ------------------------------------------------------------------------------


def test_r16_reversal_reverses_the_exact_allocation(ledger: LedgerApplication) -> None:
    """R16: a reversal by invoice reference takes out exactly that spend's allocation.

    INV-1 0.07 at 50/30/20 -> ASC 0.04, CFS 0.02, ICB 0.01; INV-2 100.00 -> 50/30/20.
    Reversing INV-1 leaves spent exactly INV-2's parts, and restores the commitment.
    """
    setup_pool(ledger, THREE)
    approved_decision(ledger, cost=total("1000.00"), funding={"ASC": "50", "CFS": "30", "ICB": "20"})
    run(ledger, spend_cmd("D1", "INV-1", "0.07"))
    run(ledger, spend_cmd("D1", "INV-2", "100.00"))
    assert figure(ledger, "spent") == money(ASC="50.04", CFS="30.02", ICB="20.01")
    result = run(ledger, reverse_cmd("INV-1", reason="Duplicate invoice"))
    assert result.events == ["SpendReversed"]
    assert decision(ledger).spends["INV-1"].reversed is True
    assert figure(ledger, "spent") == money(ASC="50.00", CFS="30.00", ICB="20.00")
    assert commitment(ledger) == money(ASC="450.00", CFS="270.00", ICB="180.00")
    assert figure(ledger, "committed") == money(ASC="450.00", CFS="270.00", ICB="180.00")


def test_r16_reversal_restores_exact_element_parts(ledger: LedgerApplication) -> None:
    """R16/R11: reversing an unnamed spend on several elements restores their exact remaining cost."""
    setup_pool(ledger)
    approved_decision(ledger, elements=[
        element("A", total("100.00"), {"ASC": "100"}),
        element("B", total("200.00"), {"CFS": "100"}),
    ])
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    run(ledger, reverse_cmd("INV-1"))
    d = decision(ledger)
    assert (d.elements["A"].remaining, d.elements["B"].remaining) == (100, 200)
    assert commitment(ledger) == money(ASC="100.00", CFS="200.00")


def test_r16_reversed_spend_cannot_be_reversed_again(ledger: LedgerApplication) -> None:
    """R16: a reversed spend cannot be reversed again."""
    setup_pool(ledger)
    approved_decision(ledger)
    run(ledger, spend_cmd("D1", "INV-1", "10.00"))
    run(ledger, reverse_cmd("INV-1"))
    reject(ledger, reverse_cmd("INV-1"), rule="R16", code="spend_already_reversed")


def test_r16_reversal_must_name_an_existing_spend(ledger: LedgerApplication) -> None:
    """R16: the reversal names a spend of the pool."""
    setup_pool(ledger)
    approved_decision(ledger)
    reject(ledger, reverse_cmd("NOPE-1"), rule="R16", code="spend_not_found", field="invoice_ref")


def test_r16_reversal_needs_a_reason() -> None:
    """R16: a reversal carries a reason."""
    command = reverse_cmd("INV-1")
    del command["reason"]
    invalid(command, rule=None, field="reason")


def test_r16_nothing_is_edited_or_deleted(ledger: LedgerApplication) -> None:
    """R16: the original spend event stays; the reversal is a new event after it."""
    setup_pool(ledger)
    approved_decision(ledger)
    run(ledger, spend_cmd("D1", "INV-1", "10.00"))
    before = written(ledger)
    run(ledger, reverse_cmd("INV-1"))
    assert written(ledger) == before + 1
    names = [type(e).__name__ for e in ledger.events.get(decision(ledger).id)]
    assert names[-2:] == ["SpendRecorded", "SpendReversed"]
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "5.00", "CFS": "5.00"}


def test_r15_unnamed_spend_skips_exhausted_elements(ledger: LedgerApplication) -> None:
    """R15/R11: an element with no remaining cost takes no part of an unnamed spend."""
    setup_pool(ledger)
    approved_decision(ledger, elements=[
        element("A", total("100.00"), {"ASC": "100"}),
        element("B", total("100.00"), {"CFS": "100"}),
    ])
    run(ledger, spend_cmd("D1", "INV-1", "100.00", element="A"))
    run(ledger, spend_cmd("D1", "INV-2", "50.00"))
    assert spend_funding(ledger, "D1", "INV-2") == {"ASC": "0.00", "CFS": "50.00"}
    assert commitment(ledger) == money(ASC="0.00", CFS="50.00")


def test_r14_last_approval_of_a_variation_cannot_put_spend_above_the_new_cost(
    ledger: LedgerApplication,
) -> None:
    """R14 with R12: spend recorded under the old terms while a cost-lowering variation waits for
    approval must still fit the new cost when the last approval would apply it; that approval is
    rejected (nothing written) and the old terms stand."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"), funding={"ASC": "50", "CFS": "50"})
    run(ledger, variation_cmd("D1", "V1", cost=total("500.00"), funding={"ASC": "70", "CFS": "30"}))
    assert decision(ledger).waiting_on == ["ASC"]
    run(ledger, spend_cmd("D1", "INV-1", "900.00"))
    reject(ledger, approve_variation_cmd("D1", "V1", "ASC"), rule="R14", code="cost_below_spend")
    d = decision(ledger)
    assert d.cost == Money.parse("1000.00")
    assert d.pending is not None and d.pending.variation_id == "V1"


def test_r15_an_exact_part_too_long_to_record_is_refused_and_naming_the_element_still_works(
        ledger: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """R15: spends naming no element, between spends naming one, lengthen the elements' exact
    remaining costs (spends naming none alone keep their ratio); past
    a bound (about 3,000 digits; 64 bits here so that a few spends reach it) such a spend is
    refused with a typed error naming the element field, nothing is written, and a spend naming
    an element is still taken. Before the bound, Python refused to write the part out
    (`ValueError`) after about 2,100 such spends."""
    monkeypatch.setattr(spend_rules, "MAX_PART_BITS", 64)
    setup_pool(ledger, THREE)
    approved_decision(ledger, elements=[
        element("A", total("1000.00"), {"ASC": "60", "CFS": "40"}),
        element("B", total("999.99"), {"ASC": "30", "ICB": "70"}),
    ])
    refused = None
    for i in range(1, 40):
        run(ledger, spend_cmd("D1", f"INV-A{i}", "1.03", element="A"))
        try:
            run(ledger, spend_cmd("D1", f"INV-{i}", "10.07"))
        except LedgerError as error:
            refused = (i, error)
            break
    assert refused is not None, "the parts never grew past the bound"
    i, _ = refused
    reject(ledger, spend_cmd("D1", f"INV-{i}", "10.07"), rule="R15",
           code="exact_part_too_long", field="element")
    run(ledger, spend_cmd("D1", f"INV-{i}", "10.07", element="A"))
