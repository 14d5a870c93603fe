"""Pools and contributions R5-R8: establishing and joining, pledges, variations, receipts, shares."""

from __future__ import annotations

from decimal import Decimal

from pooledbudget.application import LedgerApplication

from .helpers import (
    NEXT_YEAR,
    POOL,
    YEAR,
    approved_decision,
    close_cmd,
    establish_cmd,
    invalid,
    join_cmd,
    pledge_cmd,
    propose_cmd,
    receive_cmd,
    reject,
    run,
    setup_pool,
    spend_cmd,
    total,
    vary_cmd,
)
from .support import dec, event_names, figure, pool_events, risk_share, shares_by_partner

# -- R5: establishing and joining -------------------------------------------------------------


def test_r5_establish_pool_records_partners_host_and_risk_share(ledger: LedgerApplication) -> None:
    """R5: a pool with >= 2 partners, a host among them, and a risk-share rule (default proportional)."""
    result = run(ledger, establish_cmd(partners=("ASC", "CFS", "ICB")))
    assert result.events == ["PoolEstablished"]
    pool = ledger.pool(POOL)
    assert pool.host == "ASC"
    assert pool.partner_order == ["ASC", "CFS", "ICB"]
    assert pool.risk_share == {"rule": "proportional"}
    assert pool.members(YEAR) == ["ASC", "CFS", "ICB"]


def test_r5_pool_is_established_only_once(ledger: LedgerApplication) -> None:
    """R5: a second EstablishPool for the same pool id is rejected."""
    run(ledger, establish_cmd())
    reject(ledger, establish_cmd(partners=("ASC", "ICB")), rule="R5", code="pool_exists",
           field="pool_id")


def test_r5_pool_needs_two_partners(ledger: LedgerApplication) -> None:
    """R5: a pool has at least two partners."""
    reject(ledger, establish_cmd(partners=("ASC",)), rule="R5", code="too_few_partners")


def test_r5_host_must_be_a_partner(ledger: LedgerApplication) -> None:
    """R5: the host is among the partners."""
    reject(ledger, establish_cmd(partners=("CFS", "ICB"), host="ASC"), rule="R5",
           code="host_not_partner", field="host")


def test_r5_partner_listed_twice_is_rejected(ledger: LedgerApplication) -> None:
    """R5: each partner once."""
    reject(ledger, establish_cmd(partners=("ASC", "CFS", "ASC")), rule="R5", code="duplicate_partner")


def test_r5_risk_share_caps_must_name_partners(ledger: LedgerApplication) -> None:
    """R5: the risk-share rule is the pool's: caps for a non-partner are rejected."""
    reject(ledger, establish_cmd(risk_share={"rule": "capped", "caps": {"ICB": "100.00"}}),
           rule="R5", field="risk_share.caps")


def test_r5_partner_joins_from_a_given_year(ledger: LedgerApplication) -> None:
    """R5: a partner joining from 2027-28 is a partner then, not in 2026-27."""
    setup_pool(ledger)
    result = run(ledger, join_cmd("ICB", NEXT_YEAR))
    assert result.events == ["PartnerJoined"]
    pool = ledger.pool(POOL)
    assert pool.partner_order == ["ASC", "CFS", "ICB"]
    assert pool.members(YEAR) == ["ASC", "CFS"]
    assert pool.members(NEXT_YEAR) == ["ASC", "CFS", "ICB"]
    reject(ledger, pledge_cmd("ICB", "100.00", year=YEAR), rule="R5", code="not_a_partner")
    reject(ledger, propose_cmd(funding={"ASC": "50", "ICB": "50"}), rule="R3")
    run(ledger, pledge_cmd("ICB", "100.00", year=NEXT_YEAR))
    assert ledger.pool(POOL).agreed_amount("ICB", NEXT_YEAR) == Decimal("100.00")


def test_r5_join_before_the_pool_starts_is_rejected(ledger: LedgerApplication) -> None:
    """R5: a partner cannot join from a year before the pool's first year."""
    setup_pool(ledger)
    reject(ledger, join_cmd("ICB", "2025-26"), rule="R5", field="from_year")


def test_r5_existing_partner_cannot_join_again(ledger: LedgerApplication) -> None:
    """R5: a partner is listed once; joining again is rejected."""
    setup_pool(ledger)
    reject(ledger, join_cmd("CFS", NEXT_YEAR), rule="R5", code="already_a_partner")


def test_r5_commands_on_an_unknown_pool_are_rejected(ledger: LedgerApplication) -> None:
    """R5: nothing can be recorded in a pool that was never established."""
    reject(ledger, pledge_cmd("ASC", "100.00"), rule="R5", code="pool_not_found")


def test_r5_pledge_for_a_year_before_the_pool_is_rejected(ledger: LedgerApplication) -> None:
    """R5: the pool runs from its first year."""
    setup_pool(ledger)
    reject(ledger, pledge_cmd("ASC", "100.00", year="2025-26"), rule="R5")


def test_r5_partner_code_and_year_formats_are_shape_errors() -> None:
    """R5, wire format: bad partner codes and years are shape errors (rule null)."""
    invalid(establish_cmd() | {"partners": [{"code": "asc", "name": "x"}, {"code": "CFS", "name": "y"}]},
            rule=None)
    invalid(establish_cmd(first_year="2026-28"), rule=None, field="first_year")


# -- R6: pledge, then only variations with a reason --------------------------------------------


def test_r6_pledge_sets_the_agreed_contribution(ledger: LedgerApplication) -> None:
    """R6: a pledge sets the agreed contribution for (partner, year)."""
    setup_pool(ledger, pledges={"ASC": "250000.00"})
    assert ledger.pool(POOL).agreed_amount("ASC", YEAR) == Decimal("250000.00")
    assert ledger.pool(POOL).agreed_amount("CFS", YEAR) is None


def test_r6_second_pledge_is_rejected(ledger: LedgerApplication) -> None:
    """R6: the agreed contribution is changed only by a variation, not a second pledge."""
    setup_pool(ledger, pledges={"ASC": "1000.00"})
    reject(ledger, pledge_cmd("ASC", "2000.00"), rule="R6")
    assert ledger.pool(POOL).agreed_amount("ASC", YEAR) == Decimal("1000.00")


def test_r6_variation_changes_agreed_and_keeps_history(ledger: LedgerApplication) -> None:
    """R6: a variation with a reason changes the agreed amount; pledge and variation are both kept."""
    setup_pool(ledger, pledges={"ASC": "1000.00", "CFS": "500.00"})
    result = run(ledger, vary_cmd("ASC", "1200.50", reason="Winter pressures"))
    assert result.events == ["ContributionVaried"]
    assert ledger.pool(POOL).agreed_amount("ASC", YEAR) == Decimal("1200.50")
    events = pool_events(ledger)
    assert event_names(events) == ["Established", "ContributionPledged", "ContributionPledged",
                                   "ContributionVaried"]
    varied = events[-1]
    assert (varied.partner, varied.amount, varied.previous_amount, varied.reason) == (
        "ASC", "1200.50", "1000.00", "Winter pressures")
    assert figure(ledger, "agreed") == dec(ASC="1200.50", CFS="500.00")


def test_r6_variation_needs_a_reason() -> None:
    """R6: a variation states a reason (missing or empty reason is a shape error)."""
    command = vary_cmd("ASC", "100.00")
    del command["reason"]
    invalid(command, rule=None, field="reason")
    invalid(vary_cmd("ASC", "100.00", reason=""), rule=None, field="reason")


def test_r6_variation_without_pledge_is_rejected(ledger: LedgerApplication) -> None:
    """R6: there is nothing to vary before a pledge."""
    setup_pool(ledger, pledges={"ASC": "1000.00"})
    reject(ledger, vary_cmd("CFS", "100.00"), rule="R6")


def test_r6_variation_below_received_is_rejected(ledger: LedgerApplication) -> None:
    """R6: a variation cannot take the agreed amount below what was already received."""
    setup_pool(ledger, pledges={"ASC": "1000.00"})
    run(ledger, receive_cmd("ASC", "600.00", reference="R1"))
    reject(ledger, vary_cmd("ASC", "599.99"), rule="R6", code="contribution_below_received",
           field="amount")
    run(ledger, vary_cmd("ASC", "600.00"))  # exactly what was received is fine
    assert ledger.pool(POOL).agreed_amount("ASC", YEAR) == Decimal("600.00")


def test_r6_variation_downwards_is_allowed_when_nothing_received(ledger: LedgerApplication) -> None:
    """R6: lowering the agreed amount is a variation like any other."""
    setup_pool(ledger, pledges={"ASC": "1000.00"})
    run(ledger, vary_cmd("ASC", "0.01"))
    assert ledger.pool(POOL).agreed_amount("ASC", YEAR) == Decimal("0.01")


# -- R7: receipts --------------------------------------------------------------------------------


def test_r7_receipts_in_instalments_up_to_agreed(ledger: LedgerApplication) -> None:
    """R7: receipts accumulate for (partner, year) and may reach the agreed amount exactly."""
    setup_pool(ledger, pledges={"ASC": "1000.00", "CFS": "400.00"})
    result = run(ledger, receive_cmd("ASC", "333.33", reference="R1", received_on="2026-04-10"))
    assert result.events == ["ContributionReceived"]
    run(ledger, receive_cmd("ASC", "666.67", reference="R2", received_on="2026-07-10"))
    assert ledger.pool(POOL).received_amount("ASC", YEAR) == Decimal("1000.00")
    assert figure(ledger, "received") == dec(ASC="1000.00", CFS="0.00")
    received = [e for e in pool_events(ledger) if type(e).__name__ == "ContributionReceived"]
    assert [(e.amount, e.received_on, e.reference) for e in received] == [
        ("333.33", "2026-04-10", "R1"), ("666.67", "2026-07-10", "R2")]


def test_r7_receipt_above_agreed_is_rejected(ledger: LedgerApplication) -> None:
    """R7: total received cannot exceed agreed; one penny over is rejected."""
    setup_pool(ledger, pledges={"ASC": "1000.00"})
    run(ledger, receive_cmd("ASC", "999.99", reference="R1"))
    reject(ledger, receive_cmd("ASC", "0.02", reference="R2"), rule="R7",
           code="receipt_exceeds_agreed", field="amount")
    run(ledger, receive_cmd("ASC", "0.01", reference="R2"))
    assert ledger.pool(POOL).received_amount("ASC", YEAR) == Decimal("1000.00")


def test_r7_receipt_without_pledge_is_rejected(ledger: LedgerApplication) -> None:
    """R7: with nothing agreed, nothing can be received."""
    setup_pool(ledger, pledges={"ASC": "1000.00"})
    reject(ledger, receive_cmd("CFS", "1.00"), rule="R7")


def test_r7_raise_agreed_by_variation_then_receive_more(ledger: LedgerApplication) -> None:
    """R7: raise the agreed amount by a variation first, then the extra can be received."""
    setup_pool(ledger, pledges={"ASC": "1000.00"})
    run(ledger, receive_cmd("ASC", "1000.00", reference="R1"))
    reject(ledger, receive_cmd("ASC", "250.00", reference="R2"), rule="R7")
    run(ledger, vary_cmd("ASC", "1250.00", reason="Extra in-year funding"))
    run(ledger, receive_cmd("ASC", "250.00", reference="R2"))
    assert ledger.pool(POOL).received_amount("ASC", YEAR) == Decimal("1250.00")


def test_r7_receipt_for_non_partner_is_rejected(ledger: LedgerApplication) -> None:
    """R5/R7: receipts are for partners of the pool in that year."""
    setup_pool(ledger)
    reject(ledger, receive_cmd("ICB", "1.00"), rule="R5")


# -- R8: contribution share ----------------------------------------------------------------------


def test_r8_contribution_share_is_rounded_half_even_to_4dp(ledger: LedgerApplication) -> None:
    """R8: 12345.65 / 100000.00 = 12.34565% -> 12.3456 (half-even, not 12.3457);
    87654.35 / 100000.00 = 87.65435% -> 87.6544."""
    setup_pool(ledger, pledges={"ASC": "12345.65", "CFS": "87654.35"})
    shares = shares_by_partner(ledger)
    assert shares["ASC"]["contribution_share"] == "12.3456"
    assert shares["CFS"]["contribution_share"] == "87.6544"


def test_r8_contribution_share_thirds(ledger: LedgerApplication) -> None:
    """R8: three equal pledges are 33.3333% each (as reported)."""
    setup_pool(ledger, ("ASC", "CFS", "ICB"), {"ASC": "1.00", "CFS": "1.00", "ICB": "1.00"})
    assert [r["contribution_share"] for r in shares_by_partner(ledger).values()] == [
        "33.3333", "33.3333", "33.3333"]


def test_r8_contribution_share_follows_variations(ledger: LedgerApplication) -> None:
    """R8: the share is of the agreed contribution, i.e. after variations."""
    setup_pool(ledger, pledges={"ASC": "100.00", "CFS": "100.00"})
    run(ledger, vary_cmd("CFS", "300.00"))
    shares = shares_by_partner(ledger)
    assert (shares["ASC"]["contribution_share"], shares["CFS"]["contribution_share"]) == (
        "25.0000", "75.0000")


def test_r8_money_divided_by_contribution_share_uses_the_exact_ratio(
    ledger: LedgerApplication,
) -> None:
    """R8: dividing money by contribution share uses the exact ratio (1/3, 2/3), not 33.3333%.

    Agreed ASC 1.00 and CFS 2.00; spend 1,000,003.00 gives an outturn of 1,000,000.00 once the year
    is closed. Exactly: ASC 333,333.33p... -> 333333.33, CFS 666666.67 (R4). With the rounded
    percentage 33.3333% ASC would bear 333,333.00.
    """
    setup_pool(ledger, pledges={"ASC": "1.00", "CFS": "2.00"})
    approved_decision(ledger, cost=total("1000003.00"), funding={"ASC": "100"})
    run(ledger, spend_cmd("D1", "INV-1", "1000003.00"))
    run(ledger, close_cmd())
    report = risk_share(ledger)
    assert report.outturn == "1000000.00"
    assert report.allocation == {"ASC": "333333.33", "CFS": "666666.67"}


def test_r5_joined_partner_takes_part_from_its_first_year(ledger: LedgerApplication) -> None:
    """R5: a partner that joined from 2027-28 can fund (and must approve) decisions of 2027-28."""
    setup_pool(ledger)
    run(ledger, join_cmd("ICB", NEXT_YEAR))
    run(ledger, propose_cmd(year=NEXT_YEAR, start="2027-04-01", planned_end="2027-06-30",
                            funding={"ASC": "50", "ICB": "50"}))
    assert ledger.decision(POOL, "D1").waiting_on == ["ASC", "ICB"]
