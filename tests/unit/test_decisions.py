"""Decisions R9-R12: proposal, approval, commitment, variations and early end."""

from __future__ import annotations

import pytest

from pooledbudget.application import LedgerApplication
from pooledbudget.errors import StateError
from pooledbudget.money import Money

from .helpers import (
    POOL,
    approve_all,
    approve_cmd,
    approve_variation_all,
    approve_variation_cmd,
    approved_decision,
    commitment,
    decision,
    decline_cmd,
    decline_variation_cmd,
    element,
    end_cmd,
    invalid,
    money,
    propose_cmd,
    reject,
    run,
    setup_pool,
    spend_cmd,
    spend_funding,
    spend_responsibility,
    total,
    variation_cmd,
    weekly,
)
from .support import figure

THREE = ("ASC", "CFS", "ICB")

# -- R9: proposal ------------------------------------------------------------------------------


def test_r9_one_element_form_has_one_element_named_main(ledger: LedgerApplication) -> None:
    """R9: a decision in the one-element form has one element named `main`; its cost is that cost."""
    setup_pool(ledger)
    result = run(ledger, propose_cmd(cost=weekly("2450.00", 26), funding={"ASC": "60", "CFS": "40"}))
    assert result.events == ["DecisionProposed"]
    d = decision(ledger)
    assert list(d.elements) == ["main"]
    assert d.cost == Money.parse("63700.00")
    assert d.status == "proposed"
    assert (d.start.isoformat(), d.planned_end.isoformat(), d.year) == (
        "2026-04-01", "2026-09-30", "2026-27")
    assert d.case_ref == "CASE-0001"


def test_r9_cost_is_sum_of_element_costs(ledger: LedgerApplication) -> None:
    """R9: cost = Σ element costs: 26 x 2450.00 + 26 x 350.50 + 1200.00 = 74,013.00."""
    setup_pool(ledger)
    run(ledger, propose_cmd(elements=[
        element("adult", weekly("2450.00", 26), {"ASC": "100"}),
        element("child", weekly("350.50", 26), {"CFS": "100"}),
        element("setup", total("1200.00"), {"ASC": "50", "CFS": "50"}),
    ]))
    d = decision(ledger)
    assert list(d.elements) == ["adult", "child", "setup"]
    assert {n: e.cost for n, e in d.elements.items()} == {
        "adult": Money.parse("63700.00"), "child": Money.parse("9113.00"),
        "setup": Money.parse("1200.00")}
    assert d.cost == Money.parse("74013.00")


def test_r9_responsibility_defaults_to_funding(ledger: LedgerApplication) -> None:
    """R9: without a responsibility split, responsibility = the funding split as proposed."""
    setup_pool(ledger)
    approved_decision(ledger, funding={"ASC": "70", "CFS": "30"})
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    assert spend_responsibility(ledger, "D1", "INV-1") == {"ASC": "70.00", "CFS": "30.00"}


def test_r9_explicit_responsibility_is_kept(ledger: LedgerApplication) -> None:
    """R9: an explicit responsibility split is used for responsibility, funding for funding."""
    setup_pool(ledger)
    approved_decision(ledger, funding={"ASC": "70", "CFS": "30"},
                      responsibility={"ASC": "20", "CFS": "80"})
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "70.00", "CFS": "30.00"}
    assert spend_responsibility(ledger, "D1", "INV-1") == {"ASC": "20.00", "CFS": "80.00"}


@pytest.mark.parametrize("case_ref", ["john-smith-1", "John Smith", "SMITH 01/02/1990",
                                      "ABC", "A" * 33, "CASE_0001", "01.02.1990"])
def test_r9_case_ref_must_be_pseudonymous(case_ref: str) -> None:
    """R9: case reference pattern [A-Z0-9-]{4,32}: no names, no dates of birth."""
    invalid(propose_cmd(case_ref=case_ref), rule="R9", field="case_ref")


@pytest.mark.parametrize("case_ref", ["ABCD", "FR-2026-0042", "A" * 32])
def test_r9_pseudonymous_case_refs_are_accepted(ledger: LedgerApplication, case_ref: str) -> None:
    """R9: 4 to 32 of A-Z 0-9 - are accepted."""
    setup_pool(ledger)
    run(ledger, propose_cmd(case_ref=case_ref))
    assert decision(ledger).case_ref == case_ref


@pytest.mark.parametrize(
    "start,planned_end,field",
    [
        ("2026-03-31", "2026-09-30", "start"),        # starts in the previous year
        ("2026-04-01", "2027-04-01", "planned_end"),  # ends in the next year
        ("2026-09-30", "2026-09-29", "planned_end"),  # ends before it starts
        ("2027-04-01", "2027-05-01", "start"),
    ],
)
def test_r9_service_period_inside_the_year(
    ledger: LedgerApplication, start: str, planned_end: str, field: str
) -> None:
    """R9: start <= planned end, both inside the financial year (1 April - 31 March)."""
    setup_pool(ledger)
    reject(ledger, propose_cmd(start=start, planned_end=planned_end), rule="R9", field=field)


def test_r9_whole_year_and_single_day_periods_are_accepted(ledger: LedgerApplication) -> None:
    """R9: periods include both end dates: 1 April to 31 March, and start == planned end."""
    setup_pool(ledger)
    run(ledger, propose_cmd("D1", start="2026-04-01", planned_end="2027-03-31"))
    run(ledger, propose_cmd("D2", start="2026-06-15", planned_end="2026-06-15"))
    assert decision(ledger, "D2").planned_end.isoformat() == "2026-06-15"


def test_r9_decision_id_is_unique(ledger: LedgerApplication) -> None:
    """R9: a decision id is proposed once."""
    setup_pool(ledger)
    run(ledger, propose_cmd("D1"))
    reject(ledger, propose_cmd("D1", cost=total("5.00")), rule="R9", code="decision_exists")


def test_r9_decision_needs_elements_or_cost_and_funding() -> None:
    """R9: the one-element form needs cost and funding; mixing both forms is a shape error."""
    command = propose_cmd()
    del command["funding"]
    invalid(command, rule=None)
    mixed = propose_cmd() | {"elements": [element("a", total("1.00"), {"ASC": "100"})]}
    invalid(mixed, rule=None)
    invalid(propose_cmd(elements=[element("a", total("1.00"), {"ASC": "100"}),
                                  element("a", total("2.00"), {"ASC": "100"})]), rule=None)


# -- R10: approval -----------------------------------------------------------------------------


def test_r10_every_funding_partner_must_approve(ledger: LedgerApplication) -> None:
    """R10: approved when the last required approval arrives; only then does it commit money."""
    setup_pool(ledger, THREE)
    run(ledger, propose_cmd(funding={"ASC": "50", "ICB": "50"}))
    assert decision(ledger).waiting_on == ["ASC", "ICB"]
    assert commitment(ledger) == money(ASC="0.00", CFS="0.00", ICB="0.00")
    first = run(ledger, approve_cmd("D1", "ICB"))
    assert first.events == ["DecisionShareApproved"]
    assert decision(ledger).status == "proposed"
    assert decision(ledger).waiting_on == ["ASC"]
    assert figure(ledger, "committed") == money(ASC="0.00", CFS="0.00", ICB="0.00")
    last = run(ledger, approve_cmd("D1", "ASC"))
    assert last.events == ["DecisionShareApproved", "DecisionApproved"]
    assert decision(ledger).status == "approved"
    assert commitment(ledger) == money(ASC="500.00", CFS="0.00", ICB="500.00")
    assert figure(ledger, "committed") == money(ASC="500.00", CFS="0.00", ICB="500.00")


def test_r10_partner_without_a_share_cannot_approve(ledger: LedgerApplication) -> None:
    """R10: only partners with a non-zero funding share approve."""
    setup_pool(ledger, THREE)
    run(ledger, propose_cmd(funding={"ASC": "50", "ICB": "50"}))
    reject(ledger, approve_cmd("D1", "CFS"), rule="R10", code="approval_not_required")


def test_r10_partner_approves_once(ledger: LedgerApplication) -> None:
    """R10: a second approval by the same partner is rejected."""
    setup_pool(ledger)
    run(ledger, propose_cmd())
    run(ledger, approve_cmd("D1", "ASC"))
    reject(ledger, approve_cmd("D1", "ASC"), rule="R10", code="already_approved")


def test_r10_one_decline_declines_the_decision(ledger: LedgerApplication) -> None:
    """R10: one decline (with a reason) declines the decision, even after other approvals."""
    setup_pool(ledger, THREE)
    run(ledger, propose_cmd(funding={"ASC": "40", "CFS": "30", "ICB": "30"}))
    run(ledger, approve_cmd("D1", "ASC"))
    result = run(ledger, decline_cmd("D1", "CFS", reason="Not within CFS criteria"))
    assert result.events == ["DecisionDeclined"]
    assert decision(ledger).status == "declined"
    assert commitment(ledger) == money(ASC="0.00", CFS="0.00", ICB="0.00")
    reject(ledger, approve_cmd("D1", "ICB"), rule="R10", code="decision_not_pending")
    reject(ledger, spend_cmd("D1", "INV-1", "1.00"), rule="R13")


def test_r10_decline_needs_a_reason() -> None:
    """R10: a decline carries a reason."""
    command = decline_cmd("D1", "CFS")
    del command["reason"]
    invalid(command, rule=None, field="reason")


def test_r10_approving_an_approved_or_unknown_decision_is_rejected(ledger: LedgerApplication) -> None:
    """R10: approvals apply to a decision awaiting approval."""
    setup_pool(ledger)
    approved_decision(ledger)
    reject(ledger, approve_cmd("D1", "ASC"), rule="R10")
    reject(ledger, approve_cmd("D9", "ASC"), rule="R10", code="decision_not_found")


# -- R11: commitment -----------------------------------------------------------------------------


def test_r11_commitment_is_approved_cost_minus_spend(ledger: LedgerApplication) -> None:
    """R11: commitment = approved cost - spend, per partner by the split (60/40)."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"), funding={"ASC": "60", "CFS": "40"})
    assert commitment(ledger) == money(ASC="600.00", CFS="400.00")
    run(ledger, spend_cmd("D1", "INV-1", "250.00"))
    assert commitment(ledger) == money(ASC="450.00", CFS="300.00")
    assert figure(ledger, "committed") == money(ASC="450.00", CFS="300.00")
    assert figure(ledger, "spent") == money(ASC="150.00", CFS="100.00")


def test_r11_commitment_uses_r4_with_agreement_order_ties(ledger: LedgerApplication) -> None:
    """R11: 100.01 at 50/50 -> 5000.5p each; the tie goes to ASC (first in the agreement)."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("100.01"), funding={"CFS": "50", "ASC": "50"})
    assert commitment(ledger) == money(ASC="50.01", CFS="50.00")


def test_r11_commitment_is_exact_over_elements_then_r4_once(ledger: LedgerApplication) -> None:
    """R11: Σ over elements exactly, then R4 once.

    A 100.01 at ASC/CFS 50/50 and B 100.01 at ASC/ICB 50/50: exactly ASC 10001p, CFS 5000.5p,
    ICB 5000.5p -> ASC 100.01, CFS 50.01 (tie, earlier), ICB 50.00. Rounding element by element
    would wrongly give ASC 100.02.
    """
    setup_pool(ledger, THREE)
    approved_decision(ledger, elements=[
        element("A", total("100.01"), {"ASC": "50", "CFS": "50"}),
        element("B", total("100.01"), {"ASC": "50", "ICB": "50"}),
    ])
    assert commitment(ledger) == money(ASC="100.01", CFS="50.01", ICB="50.00")


def test_r11_unnamed_spend_reduces_elements_by_remaining_cost(ledger: LedgerApplication) -> None:
    """R11: a spend naming no element reduces each element in proportion to its remaining cost.

    adult 600 (ASC), child 400 (CFS). 200 named adult -> remaining 400/400. Then 100 unnamed is
    split 50/50 by remaining cost (not 60/40 by original cost): remaining 350/350.
    """
    setup_pool(ledger)
    approved_decision(ledger, elements=[
        element("adult", total("600.00"), {"ASC": "100"}),
        element("child", total("400.00"), {"CFS": "100"}),
    ])
    run(ledger, spend_cmd("D1", "INV-1", "200.00", element="adult"))
    assert commitment(ledger) == money(ASC="400.00", CFS="400.00")
    run(ledger, spend_cmd("D1", "INV-2", "100.00"))
    assert spend_funding(ledger, "D1", "INV-2") == {"ASC": "50.00", "CFS": "50.00"}
    assert commitment(ledger) == money(ASC="350.00", CFS="350.00")


def test_r11_element_parts_are_exact_fractions(ledger: LedgerApplication) -> None:
    """R11: A 100 (ASC) and B 200 (CFS); 100 unnamed -> A 33.33.., B 66.66.. exactly.

    Remaining A 200/3, B 400/3 -> commitment ASC 6666.67p, CFS 13333.33p -> 66.67 / 133.33.
    The spend itself: ASC 3333.33p, CFS 6666.67p -> 33.33 / 66.67. Spent + committed = cost.
    """
    setup_pool(ledger)
    approved_decision(ledger, elements=[
        element("A", total("100.00"), {"ASC": "100"}),
        element("B", total("200.00"), {"CFS": "100"}),
    ])
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "33.33", "CFS": "66.67"}
    assert commitment(ledger) == money(ASC="66.67", CFS="133.33")
    d = decision(ledger)
    assert d.elements["A"].remaining * 3 == 200
    assert d.elements["B"].remaining * 3 == 400
    # a second unnamed spend is apportioned by the exact remaining costs (1/3, 2/3)
    run(ledger, spend_cmd("D1", "INV-2", "30.00"))
    assert spend_funding(ledger, "D1", "INV-2") == {"ASC": "10.00", "CFS": "20.00"}
    assert commitment(ledger) == money(ASC="56.67", CFS="113.33")


def test_r11_commitment_uses_latest_split_even_if_effective_later(ledger: LedgerApplication) -> None:
    """R11: each partner's part uses the latest approved split, even if its effective_from is future."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"), funding={"ASC": "50", "CFS": "50"})
    run(ledger, spend_cmd("D1", "INV-1", "100.00", "2026-04-10"))
    run(ledger, variation_cmd("D1", "V1", effective_from="2026-08-01",
                              funding={"ASC": "80", "CFS": "20"}))
    approve_variation_all(ledger, "D1", "V1")
    assert commitment(ledger) == money(ASC="720.00", CFS="180.00")
    assert figure(ledger, "committed") == money(ASC="720.00", CFS="180.00")


def test_r11_ended_decision_commits_nothing(ledger: LedgerApplication) -> None:
    """R11/R12: an ended decision commits nothing; its remaining commitment is released."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"), funding={"ASC": "50", "CFS": "50"})
    run(ledger, spend_cmd("D1", "INV-1", "200.00", "2026-05-01"))
    result = run(ledger, end_cmd("D1", "2026-06-30"))
    assert result.events == ["DecisionEnded"]
    assert commitment(ledger) == money(ASC="0.00", CFS="0.00")
    assert figure(ledger, "committed") == money(ASC="0.00", CFS="0.00")
    assert figure(ledger, "spent") == money(ASC="100.00", CFS="100.00")


# -- R12: variations -----------------------------------------------------------------------------


def test_r12_cost_decrease_applies_at_once(ledger: LedgerApplication) -> None:
    """R12: no partner's share or amount rises -> no approval needed; it applies at once."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"))
    result = run(ledger, variation_cmd("D1", "V1", cost=total("800.00")))
    assert result.events == ["VariationProposed", "VariationApplied"]
    d = decision(ledger)
    assert d.cost == Money.parse("800.00")
    assert d.pending is None
    assert commitment(ledger) == money(ASC="400.00", CFS="400.00")


def test_r12_cost_increase_needs_every_payer_and_old_terms_stand(ledger: LedgerApplication) -> None:
    """R12: a cost rise at 50/50 raises both amounts: both approve; until then the old terms stand."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"))
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    result = run(ledger, variation_cmd("D1", "V1", cost=weekly("100.00", 15)))
    assert result.events == ["VariationProposed"]
    d = decision(ledger)
    assert d.waiting_on == ["ASC", "CFS"]
    assert d.cost == Money.parse("1000.00")
    assert commitment(ledger) == money(ASC="450.00", CFS="450.00")
    reject(ledger, spend_cmd("D1", "INV-2", "900.01"), rule="R14")
    first = run(ledger, approve_variation_cmd("D1", "V1", "CFS"))
    assert first.events == ["VariationShareApproved"]
    assert decision(ledger).cost == Money.parse("1000.00")
    last = run(ledger, approve_variation_cmd("D1", "V1", "ASC"))
    assert last.events == ["VariationShareApproved", "VariationApplied"]
    assert decision(ledger).cost == Money.parse("1500.00")
    assert commitment(ledger) == money(ASC="700.00", CFS="700.00")


def test_r12_split_change_needs_only_the_partner_whose_share_rises(ledger: LedgerApplication) -> None:
    """R12: 50/50 -> 70/30 at the same cost: only ASC (share and amount rise) approves."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"))
    run(ledger, variation_cmd("D1", "V1", funding={"ASC": "70", "CFS": "30"}))
    assert decision(ledger).waiting_on == ["ASC"]
    assert commitment(ledger) == money(ASC="500.00", CFS="500.00")
    reject(ledger, approve_variation_cmd("D1", "V1", "CFS"), rule="R12", code="approval_not_required")
    run(ledger, approve_variation_cmd("D1", "V1", "ASC"))
    assert commitment(ledger) == money(ASC="700.00", CFS="300.00")


def test_r12_partner_whose_amount_rises_approves_though_share_falls(ledger: LedgerApplication) -> None:
    """R12: 1000 at 50/50 -> 2000 at 70/30: CFS's % falls but its money rises 500 -> 600."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"))
    run(ledger, variation_cmd("D1", "V1", cost=total("2000.00"), funding={"ASC": "70", "CFS": "30"}))
    assert decision(ledger).waiting_on == ["ASC", "CFS"]


def test_r12_partner_whose_share_rises_approves_though_amount_falls(ledger: LedgerApplication) -> None:
    """R12: a rise in percentage in any element requires approval even when the money falls.

    adult 1000 at ASC/CFS 50/50, child 1000 at CFS 100. New: adult 500 at 40/60, child 100.
    CFS: % rises in adult (50 -> 60) though its money falls 1500 -> 400: it approves.
    ASC: % falls and money falls 500 -> 200: it does not.
    """
    setup_pool(ledger)
    approved_decision(ledger, elements=[
        element("adult", total("1000.00"), {"ASC": "50", "CFS": "50"}),
        element("child", total("1000.00"), {"CFS": "100"}),
    ])
    run(ledger, variation_cmd("D1", "V1", elements=[
        {"name": "adult", "cost": total("500.00"), "funding": {"ASC": "40", "CFS": "60"}},
        {"name": "child", "cost": total("100.00")},
    ]))
    assert decision(ledger).waiting_on == ["CFS"]


def test_r12_money_rise_across_elements_needs_approval(ledger: LedgerApplication) -> None:
    """R12: same splits, costs moved between elements: only the partner whose money rises approves."""
    setup_pool(ledger)
    approved_decision(ledger, elements=[
        element("adult", total("1000.00"), {"ASC": "100"}),
        element("child", total("1000.00"), {"CFS": "100"}),
    ])
    run(ledger, variation_cmd("D1", "V1", elements=[
        {"name": "adult", "cost": total("1200.00")},
        {"name": "child", "cost": total("800.00")},
    ]))
    assert decision(ledger).waiting_on == ["ASC"]


def test_r12_one_pending_variation_at_a_time(ledger: LedgerApplication) -> None:
    """R12: a second variation while one is pending is rejected."""
    setup_pool(ledger)
    approved_decision(ledger)
    run(ledger, variation_cmd("D1", "V1", cost=total("2000.00")))
    reject(ledger, variation_cmd("D1", "V2", cost=total("500.00")), rule="R12",
           code="variation_pending")


def test_r12_variation_id_is_not_reused(ledger: LedgerApplication) -> None:
    """R12: a variation id names one variation of the decision."""
    setup_pool(ledger)
    approved_decision(ledger)
    run(ledger, variation_cmd("D1", "V1", cost=total("900.00")))
    reject(ledger, variation_cmd("D1", "V1", cost=total("800.00")), rule="R12")


def test_r12_variation_only_on_an_approved_decision(ledger: LedgerApplication) -> None:
    """R12: a variation is proposed on an approved decision."""
    setup_pool(ledger)
    run(ledger, propose_cmd())
    reject(ledger, variation_cmd("D1", "V1", cost=total("900.00")), rule="R12",
           code="decision_not_approved")
    reject(ledger, variation_cmd("D9", "V1", cost=total("900.00")), rule="R12",
           code="decision_not_found")


def test_r12_declined_variation_leaves_old_terms(ledger: LedgerApplication) -> None:
    """R12: a decline ends the variation; old terms stand; another may then be proposed."""
    setup_pool(ledger)
    approved_decision(ledger)
    run(ledger, variation_cmd("D1", "V1", cost=total("2000.00")))
    run(ledger, approve_variation_cmd("D1", "V1", "ASC"))
    result = run(ledger, decline_variation_cmd("D1", "V1", "CFS", reason="No budget"))
    assert result.events == ["VariationDeclined"]
    d = decision(ledger)
    assert d.cost == Money.parse("1000.00")
    assert d.pending is None
    reject(ledger, approve_variation_cmd("D1", "V1", "CFS"), rule="R12", code="variation_not_pending")
    run(ledger, variation_cmd("D1", "V2", cost=total("1200.00")))
    assert decision(ledger).waiting_on == ["ASC", "CFS"]


def test_r12_new_split_applies_from_effective_date(ledger: LedgerApplication) -> None:
    """R12/R15: spend on or after effective_from uses the new split; earlier service keeps the old;
    spend already recorded keeps its allocation."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"), funding={"ASC": "50", "CFS": "50"})
    run(ledger, spend_cmd("D1", "INV-1", "100.00", "2026-07-15"))
    run(ledger, variation_cmd("D1", "V1", effective_from="2026-07-01",
                              funding={"ASC": "80", "CFS": "20"}))
    approve_variation_all(ledger, "D1", "V1")
    run(ledger, spend_cmd("D1", "INV-2", "100.00", "2026-06-30"))
    run(ledger, spend_cmd("D1", "INV-3", "100.00", "2026-07-01"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "50.00", "CFS": "50.00"}
    assert spend_funding(ledger, "D1", "INV-2") == {"ASC": "50.00", "CFS": "50.00"}
    assert spend_funding(ledger, "D1", "INV-3") == {"ASC": "80.00", "CFS": "20.00"}
    assert figure(ledger, "spent") == money(ASC="180.00", CFS="120.00")


def test_r12_effective_from_defaults_to_the_decision_start(ledger: LedgerApplication) -> None:
    """R12 (wire format): effective_from defaults to the decision's start."""
    setup_pool(ledger)
    approved_decision(ledger, funding={"ASC": "50", "CFS": "50"}, start="2026-05-01")
    run(ledger, variation_cmd("D1", "V1", funding={"ASC": "80", "CFS": "20"}))
    approve_variation_all(ledger, "D1", "V1")
    run(ledger, spend_cmd("D1", "INV-1", "10.00", "2026-05-01"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "8.00", "CFS": "2.00"}


def test_r12_responsibility_changes_only_when_stated(ledger: LedgerApplication) -> None:
    """R12/R9: varying funding leaves responsibility at the funding split as first proposed."""
    setup_pool(ledger, ("ASC", "CFS", "ICB"))
    approved_decision(ledger, funding={"ASC": "50", "ICB": "50"})
    run(ledger, variation_cmd("D1", "V1", funding={"ASC": "100"}))
    approve_variation_all(ledger, "D1", "V1")
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "100.00", "CFS": "0.00", "ICB": "0.00"}
    assert spend_responsibility(ledger, "D1", "INV-1") == {"ASC": "50.00", "CFS": "0.00",
                                                           "ICB": "50.00"}
    run(ledger, variation_cmd("D1", "V2", responsibility={"ASC": "100"}, effective_from="2026-06-01"))
    approve_variation_all(ledger, "D1", "V2")
    run(ledger, spend_cmd("D1", "INV-2", "100.00", "2026-06-01"))
    assert spend_responsibility(ledger, "D1", "INV-2") == {"ASC": "100.00", "CFS": "0.00",
                                                           "ICB": "0.00"}


def test_r12_element_left_out_is_removed(ledger: LedgerApplication) -> None:
    """R12: an element left out of the list is removed (unspent: fine; amounts fall: no approval)."""
    setup_pool(ledger)
    approved_decision(ledger, elements=[
        element("adult", total("600.00"), {"ASC": "100"}),
        element("child", total("400.00"), {"CFS": "100"}),
    ])
    result = run(ledger, variation_cmd("D1", "V1", elements=[{"name": "adult"}]))
    assert result.events == ["VariationProposed", "VariationApplied"]
    d = decision(ledger)
    assert list(d.elements) == ["adult"]
    assert d.cost == Money.parse("600.00")
    assert commitment(ledger) == money(ASC="600.00", CFS="0.00")
    reject(ledger, spend_cmd("D1", "INV-1", "1.00", element="child"), rule="R13")


def test_r12_element_with_spend_cannot_be_removed(ledger: LedgerApplication) -> None:
    """R12: removing an element that has spend is rejected."""
    setup_pool(ledger)
    approved_decision(ledger, elements=[
        element("adult", total("600.00"), {"ASC": "100"}),
        element("child", total("400.00"), {"CFS": "100"}),
    ])
    run(ledger, spend_cmd("D1", "INV-1", "10.00", element="child"))
    reject(ledger, variation_cmd("D1", "V1", elements=[{"name": "adult"}]), rule="R12",
           code="element_has_spend")


def test_r12_new_element_needs_its_payers_approval(ledger: LedgerApplication) -> None:
    """R12: adding an element raises the amounts of those who fund it; it needs cost and funding."""
    setup_pool(ledger, THREE)
    approved_decision(ledger, elements=[element("adult", total("600.00"), {"ASC": "100"})])
    reject(ledger, variation_cmd("D1", "V0", elements=[{"name": "adult"}, {"name": "transport"}]),
           rule="R12", code="new_element_incomplete")
    run(ledger, variation_cmd("D1", "V1", elements=[
        {"name": "adult"},
        {"name": "transport", "cost": total("50.00"), "funding": {"ICB": "100"}},
    ]))
    assert decision(ledger).waiting_on == ["ICB"]
    run(ledger, approve_variation_cmd("D1", "V1", "ICB"))
    d = decision(ledger)
    assert d.cost == Money.parse("650.00")
    assert commitment(ledger) == money(ASC="600.00", CFS="0.00", ICB="50.00")


def test_r12_top_level_terms_only_for_a_one_element_decision(ledger: LedgerApplication) -> None:
    """R12: top-level cost/funding vary a one-element decision; several elements must be listed."""
    setup_pool(ledger)
    approved_decision(ledger, elements=[
        element("adult", total("600.00"), {"ASC": "100"}),
        element("child", total("400.00"), {"CFS": "100"}),
    ])
    reject(ledger, variation_cmd("D1", "V1", cost=total("100.00")), rule="R12")


def test_r12_variation_split_must_name_partners(ledger: LedgerApplication) -> None:
    """R3/R12: a varied split names only partners of the pool."""
    setup_pool(ledger)
    approved_decision(ledger)
    reject(ledger, variation_cmd("D1", "V1", funding={"ASC": "50", "ICB": "50"}), rule="R3")


def test_r12_cost_cannot_fall_below_spend(ledger: LedgerApplication) -> None:
    """R12/R14: a variation cannot take an element's cost below what was spent on it."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"))
    run(ledger, spend_cmd("D1", "INV-1", "400.00"))
    reject(ledger, variation_cmd("D1", "V1", cost=total("399.99")), rule="R14")
    run(ledger, variation_cmd("D1", "V2", cost=total("400.00")))
    assert commitment(ledger) == money(ASC="0.00", CFS="0.00")


def test_r12_planned_end_variation_extends_the_service_period(ledger: LedgerApplication) -> None:
    """R12: a new planned end (no money rises) applies at once and extends the service period."""
    setup_pool(ledger)
    approved_decision(ledger, planned_end="2026-09-30")
    reject(ledger, spend_cmd("D1", "INV-1", "10.00", "2026-10-15"), rule="R13")
    result = run(ledger, variation_cmd("D1", "V1", planned_end="2026-12-31"))
    assert result.events == ["VariationProposed", "VariationApplied"]
    run(ledger, spend_cmd("D1", "INV-1", "10.00", "2026-10-15"))
    assert decision(ledger).planned_end.isoformat() == "2026-12-31"


def test_r12_varied_period_stays_inside_the_year(ledger: LedgerApplication) -> None:
    """R12/R9: the varied planned end stays inside the year (R9); effective_from too (R12)."""
    setup_pool(ledger)
    approved_decision(ledger, start="2026-05-01")
    reject(ledger, variation_cmd("D1", "V1", planned_end="2027-04-01"), rule="R9")
    reject(ledger, variation_cmd("D1", "V1", planned_end="2026-04-30"), rule="R9")
    reject(ledger, variation_cmd("D1", "V1", funding={"ASC": "100"}, effective_from="2027-04-01"),
           rule="R12")


def test_r12_variation_changes_something() -> None:
    """R12: a variation names a new cost, planned end or split (else it is a shape error)."""
    invalid(variation_cmd("D1", "V1"), rule=None)
    invalid(variation_cmd("D1", "V1", cost=total("1.00")) | {"reason": ""}, rule=None, field="reason")


# -- R12: early end ------------------------------------------------------------------------------


def test_r12_early_end_limits_later_service_but_allows_late_invoices(ledger: LedgerApplication) -> None:
    """R12/R13: after an early end, service after the end is rejected; late invoices for earlier
    service are fine."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"))
    run(ledger, end_cmd("D1", "2026-06-30"))
    assert decision(ledger).actual_end is not None
    reject(ledger, spend_cmd("D1", "INV-1", "10.00", "2026-07-01"), rule="R13",
           code="service_date_outside_period")
    run(ledger, spend_cmd("D1", "INV-1", "10.00", "2026-06-30"))
    assert commitment(ledger) == money(ASC="0.00", CFS="0.00")


def test_r12_end_date_inside_the_service_period(ledger: LedgerApplication) -> None:
    """R12: the actual end date lies in the service period."""
    setup_pool(ledger)
    approved_decision(ledger, start="2026-05-01", planned_end="2026-09-30")
    reject(ledger, end_cmd("D1", "2026-04-30"), rule="R12")
    reject(ledger, end_cmd("D1", "2026-10-01"), rule="R12")


def test_r12_end_once_and_only_approved(ledger: LedgerApplication) -> None:
    """R12: a decision is ended once; a merely proposed decision cannot be ended; nor varied after."""
    setup_pool(ledger)
    run(ledger, propose_cmd("D0"))
    reject(ledger, end_cmd("D0", "2026-06-30"), rule="R12")
    approved_decision(ledger)
    run(ledger, end_cmd("D1", "2026-06-30"))
    reject(ledger, end_cmd("D1", "2026-06-15"), rule="R12", code="decision_ended")
    reject(ledger, variation_cmd("D1", "V1", cost=total("100.00")), rule="R12", code="decision_ended")


def test_r12_end_before_recorded_service_is_rejected(ledger: LedgerApplication) -> None:
    """R12/R13: ending before the service date of recorded spend would leave that spend outside
    the period: rejected."""
    setup_pool(ledger)
    approved_decision(ledger)
    run(ledger, spend_cmd("D1", "INV-1", "10.00", "2026-08-01"))
    reject(ledger, end_cmd("D1", "2026-07-31"), rule="R12")


def test_r12_end_releases_pending_variation(ledger: LedgerApplication) -> None:
    """R12: an ended decision has nothing pending; its approvers are no longer waited on."""
    setup_pool(ledger)
    approved_decision(ledger)
    run(ledger, variation_cmd("D1", "V1", cost=total("5000.00")))
    run(ledger, end_cmd("D1", "2026-06-30"))
    assert decision(ledger).waiting_on == []
    reject(ledger, approve_variation_cmd("D1", "V1", "ASC"), rule="R12")


def test_r10_approve_all_helper_sanity(ledger: LedgerApplication) -> None:
    """R10: three funders -> three approvals, the last one approves the decision."""
    setup_pool(ledger, THREE)
    run(ledger, propose_cmd(funding={"ASC": "20", "CFS": "30", "ICB": "50"}))
    d = approve_all(ledger)
    assert d.status == "approved"
    assert d.approvals == ["ASC", "CFS", "ICB"]
    assert commitment(ledger) == money(ASC="200.00", CFS="300.00", ICB="500.00")
    assert d.pool_id == POOL


def test_r12_decline_variation_only_by_a_required_partner(ledger: LedgerApplication) -> None:
    """R12: only a partner whose approval the variation needs can decline it."""
    setup_pool(ledger)
    approved_decision(ledger)
    run(ledger, variation_cmd("D1", "V1", funding={"ASC": "70", "CFS": "30"}))
    reject(ledger, decline_variation_cmd("D1", "V1", "CFS"), rule="R12", code="approval_not_required")
    run(ledger, decline_variation_cmd("D1", "V1", "ASC"))
    assert decision(ledger).pending is None


def test_r5_r9_decision_year_before_the_pool_is_rejected(ledger: LedgerApplication) -> None:
    """R5: a decision cannot be in a year before the pool's first year."""
    setup_pool(ledger)
    reject(ledger, propose_cmd(year="2025-26", start="2025-04-01", planned_end="2025-06-30"),
           rule="R5", code="year_before_pool")


def test_a_decision_is_looked_up_without_naming_a_rule(ledger: LedgerApplication) -> None:
    """`ledger.decision(pool, id)` for callers outside a command; a missing one fails under R9."""
    setup_pool(ledger)
    run(ledger, propose_cmd())
    assert ledger.decision(POOL, "D1").decision_id == "D1"
    with pytest.raises(StateError) as missing:
        ledger.decision(POOL, "NOPE")
    assert (missing.value.code, missing.value.rule, missing.value.field) == (
        "decision_not_found", "R9", "decision_id")
    with pytest.raises(StateError) as under_r13:  # a handler's look-up names its command's rule
        ledger._decision(POOL, "NOPE", "R13")  # noqa: SLF001
    assert under_r13.value.rule == "R13"
