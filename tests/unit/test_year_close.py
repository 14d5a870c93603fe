"""Year end and risk share R17-R18: closing fixes the outturn; the risk-share rule divides it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pooledbudget import reports
from pooledbudget.application import LedgerApplication

from .helpers import (
    NEXT_YEAR,
    POOL,
    YEAR,
    approve_cmd,
    approve_variation_cmd,
    approved_decision,
    close_cmd,
    commitment,
    decline_cmd,
    end_cmd,
    join_cmd,
    money,
    pledge_cmd,
    propose_cmd,
    receive_cmd,
    reject,
    reverse_cmd,
    run,
    setup_pool,
    spend_cmd,
    total,
    variation_cmd,
    vary_cmd,
)
from .support import figure, risk_share

THREE = ("ASC", "CFS", "ICB")

# -- R17: closing a year -------------------------------------------------------------------------


def test_r17_projected_then_fixed_outturn(ledger: LedgerApplication) -> None:
    """R17: before closing, outturn = spend + commitments - agreed; closing fixes spend - agreed.

    Agreed ASC 600 + CFS 400 = 1000. Decision 1500 (50/50), spent 300.
    Projected: 300 + 1200 - 1000 = 500 overspend -> proportional 60/40: ASC 300, CFS 200.
    Closed: 300 - 1000 = -700 underspend -> ASC -420, CFS -280.
    """
    setup_pool(ledger, pledges={"ASC": "600.00", "CFS": "400.00"})
    approved_decision(ledger, cost=total("1500.00"))
    run(ledger, spend_cmd("D1", "INV-1", "300.00"))
    before = risk_share(ledger)
    assert (before.closed, before.agreed_total, before.spent_total, before.outturn) == (
        False, "1000.00", "300.00", "500.00")
    assert before.allocation == {"ASC": "300.00", "CFS": "200.00"}
    result = run(ledger, close_cmd())
    assert result.events == ["YearClosed", "PoolSealed"]  # closing also seals the pool (R24)
    after = risk_share(ledger)
    assert (after.closed, after.agreed_total, after.spent_total, after.outturn) == (
        True, "1000.00", "300.00", "-700.00")
    assert after.allocation == {"ASC": "-420.00", "CFS": "-280.00"}


def test_r17_open_commitments_lapse_at_close(ledger: LedgerApplication) -> None:
    """R17/R11: after closing, the year's commitments lapse: nothing is committed."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"))
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    assert commitment(ledger) == money(ASC="450.00", CFS="450.00")
    run(ledger, close_cmd())
    assert commitment(ledger) == money(ASC="0.00", CFS="0.00")
    assert figure(ledger, "committed") == money(ASC="0.00", CFS="0.00")
    assert figure(ledger, "spent") == money(ASC="50.00", CFS="50.00")


def test_r17_pending_proposals_lapse_at_close(ledger: LedgerApplication) -> None:
    """R17: pending decisions and variations of the year lapse: no longer awaiting approval."""
    setup_pool(ledger)
    run(ledger, propose_cmd("D1"))
    approved_decision(ledger, "D2")
    run(ledger, variation_cmd("D2", "V1", cost=total("2000.00")))
    pending = reports.approvals(ledger, POOL, date(2026, 4, 1)).pending
    assert {(p.decision_id, p.variation_id) for p in pending} == {("D1", None), ("D2", "V1")}
    run(ledger, close_cmd())
    assert reports.approvals(ledger, POOL, date(2026, 4, 1)).pending == []
    reject(ledger, approve_cmd("D1", "ASC"), rule="R17", code="year_closed")
    reject(ledger, approve_variation_cmd("D2", "V1", "ASC"), rule="R17")


def _closed_pool(ledger: LedgerApplication) -> None:
    setup_pool(ledger)
    run(ledger, receive_cmd("ASC", "10.00", reference="R1"))
    approved_decision(ledger, "D1", cost=total("1000.00"))
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    run(ledger, propose_cmd("D2"))
    run(ledger, close_cmd())


@pytest.mark.parametrize(
    "command",
    [
        pledge_cmd("ASC", "1.00"),
        vary_cmd("ASC", "200000.00"),
        receive_cmd("ASC", "1.00", reference="R2"),
        propose_cmd("D3"),
        approve_cmd("D2", "ASC"),
        decline_cmd("D2", "CFS"),
        variation_cmd("D1", "V1", cost=total("900.00")),
        end_cmd("D1", "2026-06-30"),
        spend_cmd("D1", "INV-2", "10.00"),
        reverse_cmd("INV-1"),
        close_cmd(),
        join_cmd("ICB", YEAR),
    ],
    ids=lambda c: c["command"],
)
def test_r17_nothing_more_is_recorded_in_a_closed_year(
    ledger: LedgerApplication, command: dict[str, Any]
) -> None:
    """R17: after closing, nothing more is recorded in that year (any command) - rejected under R17."""
    _closed_pool(ledger)
    reject(ledger, command, rule="R17", code="year_closed")


def test_r17_closed_year_checked_before_state_and_limits(ledger: LedgerApplication) -> None:
    """R17 comes before state rules (R13) and limits (R14) in the check order."""
    _closed_pool(ledger)
    reject(ledger, spend_cmd("D1", "INV-1", "10.00"), rule="R17")          # reused invoice ref (R13)
    reject(ledger, spend_cmd("D1", "INV-9", "5000.00"), rule="R17")        # over the cost (R14)
    reject(ledger, spend_cmd("D1", "INV-9", "1.00", "2026-12-01"), rule="R17")  # outside period
    reject(ledger, pledge_cmd("CFS", "1.00"), rule="R17")                  # already pledged (R6)


def test_r17_other_years_stay_open(ledger: LedgerApplication) -> None:
    """R17: closing 2026-27 does not close 2027-28."""
    _closed_pool(ledger)
    run(ledger, pledge_cmd("ASC", "5000.00", year=NEXT_YEAR))
    run(ledger, propose_cmd("N1", year=NEXT_YEAR, start="2027-04-01", planned_end="2027-06-30"))
    run(ledger, join_cmd("ICB", NEXT_YEAR))
    assert ledger.pool(POOL).agreed_amount("ASC", NEXT_YEAR) is not None


def test_r17_outturn_fixed_after_close(ledger: LedgerApplication) -> None:
    """R17: the closed outturn is not moved by later activity in other years."""
    setup_pool(ledger, pledges={"ASC": "100.00", "CFS": "100.00"})
    approved_decision(ledger, cost=total("500.00"))
    run(ledger, spend_cmd("D1", "INV-1", "300.00"))
    run(ledger, close_cmd())
    run(ledger, pledge_cmd("ASC", "999.00", year=NEXT_YEAR))
    report = risk_share(ledger)
    assert (report.outturn, report.allocation) == ("100.00", {"ASC": "50.00", "CFS": "50.00"})


# -- R18: risk share -----------------------------------------------------------------------------


def _overspend(ledger: LedgerApplication, partners: tuple[str, ...], pledges: dict[str, str],
               spend: str, risk: dict[str, Any] | None = None) -> Any:
    """A closed year with agreed `pledges` and `spend` recorded (all funded by ASC)."""
    setup_pool(ledger, partners, pledges, risk_share=risk)
    approved_decision(ledger, cost=total(spend), funding={"ASC": "100"})
    run(ledger, spend_cmd("D1", "INV-1", spend))
    run(ledger, close_cmd())
    return risk_share(ledger)


def test_r18_proportional_by_contribution_share(ledger: LedgerApplication) -> None:
    """R18: proportional (default) divides the outturn by contribution share, with R4.

    Agreed ASC 100, CFS 200 (1/3, 2/3); spend 400 -> outturn 100.00: ASC 3333.33p, CFS 6666.67p
    -> ASC 33.33, CFS 66.67.
    """
    report = _overspend(ledger, ("ASC", "CFS"), {"ASC": "100.00", "CFS": "200.00"}, "400.00")
    assert report.outturn == "100.00"
    assert report.allocation == {"ASC": "33.33", "CFS": "66.67"}


def test_r18_proportional_ignores_who_funded_the_spend(ledger: LedgerApplication) -> None:
    """R18: the outturn is shared by contribution share, not by who funded the spend.

    ASC funds all spend, yet the 300.00 overspend is shared 1:1:1 by equal pledges.
    """
    report = _overspend(ledger, THREE, {"ASC": "100.00", "CFS": "100.00", "ICB": "100.00"}, "600.00")
    assert report.outturn == "300.00"
    assert report.allocation == {"ASC": "100.00", "CFS": "100.00", "ICB": "100.00"}


def test_r18_fixed_percentages(ledger: LedgerApplication) -> None:
    """R18: fixed divides by the agreement's percentages: 100.01 at 70/30 -> ASC 70.01, CFS 30.00
    (7000.7p and 3000.3p; the leftover penny to ASC). Contribution shares (50/50) are ignored."""
    report = _overspend(ledger, ("ASC", "CFS"), {"ASC": "100.00", "CFS": "100.00"}, "300.01",
                        {"rule": "fixed", "percentages": {"ASC": "70", "CFS": "30"}})
    assert report.outturn == "100.01"
    assert report.allocation == {"ASC": "70.01", "CFS": "30.00"}


def test_r18_fixed_underspend_returned_by_the_same_percentages(ledger: LedgerApplication) -> None:
    """R18/R4: an underspend of 100.01 at 70/30 returns ASC -70.01, CFS -30.00."""
    setup_pool(ledger, pledges={"ASC": "150.00", "CFS": "150.01"},
               risk_share={"rule": "fixed", "percentages": {"ASC": "70", "CFS": "30"}})
    approved_decision(ledger, cost=total("200.00"))
    run(ledger, spend_cmd("D1", "INV-1", "200.00"))
    run(ledger, close_cmd())
    report = risk_share(ledger)
    assert report.outturn == "-100.01"
    assert report.allocation == {"ASC": "-70.01", "CFS": "-30.00"}


def test_r18_capped_excess_is_reshared_among_uncapped(ledger: LedgerApplication) -> None:
    """R18: capped: CFS's proportional part (225) exceeds its cap 100; the rest is divided among
    ASC and ICB by their contribution shares (1:2), by R4 once.

    Agreed ASC 100, CFS 100, ICB 200; spend 1300 -> outturn 900. CFS 100.00; rest 800.00 ->
    ASC 26666.67p, ICB 53333.33p -> ASC 266.67, ICB 533.33.
    """
    report = _overspend(ledger, THREE, {"ASC": "100.00", "CFS": "100.00", "ICB": "200.00"}, "1300.00",
                        {"rule": "capped", "caps": {"CFS": "100.00"}})
    assert report.outturn == "900.00"
    assert report.allocation == {"ASC": "266.67", "CFS": "100.00", "ICB": "533.33"}


def test_r18_capped_repeats_until_no_cap_is_exceeded(ledger: LedgerApplication) -> None:
    """R18: capped, repeated: 900 by thirds -> CFS over its 100 cap; the 800 left by halves ->
    ICB 400 is over its 350 cap; ASC bears the remaining 450."""
    report = _overspend(ledger, THREE, {"ASC": "100.00", "CFS": "100.00", "ICB": "100.00"}, "1200.00",
                        {"rule": "capped", "caps": {"CFS": "100.00", "ICB": "350.00"}})
    assert report.outturn == "900.00"
    assert report.allocation == {"ASC": "450.00", "CFS": "100.00", "ICB": "350.00"}


def test_r18_capped_everyone_capped_host_bears_the_rest(ledger: LedgerApplication) -> None:
    """R18: if every partner is capped, the host bears what is left, even above its own cap.

    Caps ASC 200, CFS 100, ICB 350, outturn 900: all capped (650); the host ASC bears 200 + 250.
    """
    report = _overspend(ledger, THREE, {"ASC": "100.00", "CFS": "100.00", "ICB": "100.00"}, "1200.00",
                        {"rule": "capped",
                         "caps": {"ASC": "200.00", "CFS": "100.00", "ICB": "350.00"}})
    assert report.allocation == {"ASC": "450.00", "CFS": "100.00", "ICB": "350.00"}


def test_r18_capped_host_not_first_bears_the_rest(ledger: LedgerApplication) -> None:
    """R18: the host (not the first partner listed) bears what is left when all are capped."""
    run(ledger, {"command": "EstablishPool", "actor": {"id": "pm-cfs", "partner": "CFS",
                                                       "role": "pool_manager"},
                 "pool_id": POOL, "name": "Pool", "host": "CFS",
                 "partners": [{"code": "ASC", "name": "A"}, {"code": "CFS", "name": "C"}],
                 "first_year": YEAR,
                 "risk_share": {"rule": "capped", "caps": {"ASC": "10.00", "CFS": "10.00"}}})
    run(ledger, pledge_cmd("ASC", "100.00"))
    run(ledger, pledge_cmd("CFS", "100.00"))
    cfs_pm = {"id": "pm-cfs", "partner": "CFS", "role": "pool_manager"}
    run(ledger, propose_cmd(cost=total("300.00"), funding={"CFS": "100"}, actor=cfs_pm))
    run(ledger, approve_cmd("D1", "CFS"))
    run(ledger, spend_cmd("D1", "INV-1", "300.00", actor=cfs_pm))
    run(ledger, close_cmd(actor=cfs_pm))
    report = risk_share(ledger)
    assert report.outturn == "100.00"
    assert report.allocation == {"ASC": "10.00", "CFS": "90.00"}


def test_r18_caps_do_not_apply_to_returns(ledger: LedgerApplication) -> None:
    """R18: underspends are returned by the same rule; caps do not apply to returns.

    Agreed 1000 each, spend 2100 -> outturn -900 -> -300 each, despite CFS's cap of 100.
    """
    setup_pool(ledger, THREE, {"ASC": "1000.00", "CFS": "1000.00", "ICB": "1000.00"},
               risk_share={"rule": "capped", "caps": {"CFS": "100.00"}})
    approved_decision(ledger, cost=total("2100.00"), funding={"ASC": "100"})
    run(ledger, spend_cmd("D1", "INV-1", "2100.00"))
    run(ledger, close_cmd())
    report = risk_share(ledger)
    assert report.outturn == "-900.00"
    assert report.allocation == {"ASC": "-300.00", "CFS": "-300.00", "ICB": "-300.00"}


def test_r18_proportional_underspend_uses_r4_negated(ledger: LedgerApplication) -> None:
    """R18/R4: -100.00 by 1/3, 2/3 -> allocated as 100.00 (33.33 / 66.67) and negated."""
    setup_pool(ledger, pledges={"ASC": "100.00", "CFS": "200.00"})
    approved_decision(ledger, cost=total("200.00"), funding={"CFS": "100"})
    run(ledger, spend_cmd("D1", "INV-1", "200.00"))
    run(ledger, close_cmd())
    report = risk_share(ledger)
    assert report.outturn == "-100.00"
    assert report.allocation == {"ASC": "-33.33", "CFS": "-66.67"}
