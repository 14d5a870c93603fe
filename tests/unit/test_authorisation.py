"""Authority R26: who may issue which command; everything else is an R26 rejection writing nothing."""

from __future__ import annotations

from typing import Any

import pytest

from pooledbudget.application import LedgerApplication

from .helpers import (
    NEXT_YEAR,
    POOL,
    YEAR,
    approve_cmd,
    approve_variation_cmd,
    approved_decision,
    auditor,
    bh,
    close_cmd,
    decline_cmd,
    decline_variation_cmd,
    end_cmd,
    establish_cmd,
    join_cmd,
    pledge_cmd,
    pm,
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

THREE = ("ASC", "CFS", "ICB")


def _world(ledger: LedgerApplication) -> None:
    """Pool hosted by ASC (ASC, CFS, ICB); ASC and CFS pledged; D1 approved with INV-1 spent;
    D2 proposed; D3 approved with variation V1 pending (both ASC and CFS to approve)."""
    setup_pool(ledger, THREE, {"ASC": "1000.00", "CFS": "1000.00"})
    approved_decision(ledger, "D1")
    run(ledger, spend_cmd("D1", "INV-1", "10.00"))
    run(ledger, propose_cmd("D2"))
    approved_decision(ledger, "D3")
    run(ledger, variation_cmd("D3", "V1", cost=total("2000.00")))


CASES: list[tuple[str, dict[str, Any]]] = [
    ("establish by a pool manager of a non-host", establish_cmd(pool_id="Q", actor=pm("CFS"))),
    ("establish by the host's budget holder", establish_cmd(pool_id="Q", actor=bh("ASC"))),
    ("establish by an auditor", establish_cmd(pool_id="Q", actor=auditor("ASC"))),
    ("join by a non-host pool manager", join_cmd("SMS", NEXT_YEAR, actor=pm("CFS"))),
    ("join by an auditor", join_cmd("SMS", NEXT_YEAR, actor=auditor())),
    ("pledge by the host's pool manager", pledge_cmd("ICB", "10.00", actor=pm("ASC"))),
    ("pledge by another partner's budget holder", pledge_cmd("ICB", "10.00", actor=bh("ASC"))),
    ("pledge by the partner's own auditor", pledge_cmd("ICB", "10.00", actor=auditor("ICB"))),
    ("vary by another partner's budget holder", vary_cmd("CFS", "2000.00", actor=bh("ASC"))),
    ("vary by the pool manager", vary_cmd("CFS", "2000.00", actor=pm("ASC"))),
    ("receive by a budget holder", receive_cmd("CFS", "10.00", actor=bh("CFS"))),
    ("receive by a non-host pool manager", receive_cmd("CFS", "10.00", actor=pm("CFS"))),
    ("propose by a non-host pool manager", propose_cmd("D9", actor=pm("CFS"))),
    ("propose by a budget holder", propose_cmd("D9", actor=bh("ASC"))),
    ("approve for ASC by CFS's budget holder", approve_cmd("D2", "ASC", actor=bh("CFS"))),
    ("approve by a pool manager", approve_cmd("D2", "ASC", actor=pm("ASC"))),
    ("approve by an auditor", approve_cmd("D2", "ASC", actor=auditor("ASC"))),
    ("decline for CFS by ASC's budget holder", decline_cmd("D2", "CFS", actor=bh("ASC"))),
    ("vary decision by a non-host pool manager", variation_cmd("D1", "V9", cost=total("5.00"),
                                                                actor=pm("CFS"))),
    ("vary decision by a budget holder", variation_cmd("D1", "V9", cost=total("5.00"),
                                                        actor=bh("ASC"))),
    ("approve variation for CFS by ASC", approve_variation_cmd("D3", "V1", "CFS", actor=bh("ASC"))),
    ("approve variation by pool manager", approve_variation_cmd("D3", "V1", "ASC", actor=pm("ASC"))),
    ("decline variation by an auditor", decline_variation_cmd("D3", "V1", "CFS",
                                                               actor=auditor("CFS"))),
    ("end by a non-host pool manager", end_cmd("D1", "2026-06-30", actor=pm("CFS"))),
    ("end by an auditor", end_cmd("D1", "2026-06-30", actor=auditor())),
    ("spend by a budget holder", spend_cmd("D1", "INV-2", "1.00", actor=bh("ASC"))),
    ("spend by a non-host pool manager", spend_cmd("D1", "INV-2", "1.00", actor=pm("CFS"))),
    ("spend by an auditor", spend_cmd("D1", "INV-2", "1.00", actor=auditor())),
    ("reverse by a non-host pool manager", reverse_cmd("INV-1", actor=pm("CFS"))),
    ("reverse by a budget holder", reverse_cmd("INV-1", actor=bh("ASC"))),
    ("close by a budget holder", close_cmd(actor=bh("ASC"))),
    ("close by an auditor", close_cmd(actor=auditor())),
]


@pytest.mark.parametrize("command", [c for _, c in CASES], ids=[name for name, _ in CASES])
def test_r26_wrong_role_or_partner_is_rejected(ledger: LedgerApplication, command: dict[str, Any]) -> None:
    """R26: only the host's pool manager manages; only P's budget holder pledges/varies/approves
    for P; auditors cannot write. Rejected with code not_authorised, rule R26, nothing written."""
    _world(ledger)
    error = reject(ledger, command, rule="R26", code="not_authorised", field="actor")
    assert "R26" in error.message


def test_r26_right_actors_are_accepted(ledger: LedgerApplication) -> None:
    """R26: the same commands from the right actors succeed (a host pool manager with another id)."""
    _world(ledger)
    other_pm = {"id": "pm-asc-2", "partner": "ASC", "role": "pool_manager"}
    run(ledger, pledge_cmd("ICB", "10.00", actor=bh("ICB")))
    run(ledger, vary_cmd("CFS", "2000.00", actor=bh("CFS")))
    run(ledger, receive_cmd("CFS", "10.00", actor=other_pm))
    run(ledger, approve_cmd("D2", "ASC", actor=bh("ASC")))
    run(ledger, approve_variation_cmd("D3", "V1", "CFS", actor=bh("CFS")))
    run(ledger, spend_cmd("D1", "INV-2", "1.00", actor=other_pm))
    run(ledger, reverse_cmd("INV-1", actor=other_pm))
    run(ledger, join_cmd("SMS", NEXT_YEAR, actor=other_pm))
    run(ledger, close_cmd(actor=other_pm))
    assert ledger.pool(POOL).is_closed(YEAR)


def test_r26_is_checked_before_the_closed_year(ledger: LedgerApplication) -> None:
    """R26 before R17: an auditor's spend in a closed year is an authorisation error."""
    _world(ledger)
    run(ledger, close_cmd())
    reject(ledger, spend_cmd("D1", "INV-2", "1.00", actor=auditor()), rule="R26")
    reject(ledger, pledge_cmd("ICB", "1.00", actor=bh("ASC")), rule="R26")


def test_r26_is_checked_before_state_and_limits(ledger: LedgerApplication) -> None:
    """R26 before state rules (R10, R13) and limits (R14)."""
    _world(ledger)
    reject(ledger, approve_cmd("D99", "ASC", actor=bh("CFS")), rule="R26")        # unknown decision
    reject(ledger, spend_cmd("D1", "INV-1", "1.00", actor=pm("CFS")), rule="R26")  # reused invoice
    reject(ledger, spend_cmd("D1", "INV-2", "99999.00", actor=bh("ASC")), rule="R26")  # over cost
    reject(ledger, pledge_cmd("ASC", "1.00", actor=pm("ASC")), rule="R26")        # already pledged


def test_r26_establish_checked_before_pool_exists(ledger: LedgerApplication) -> None:
    """R26 before R5: re-establishing the pool as a non-host pool manager is an R26 error."""
    _world(ledger)
    reject(ledger, establish_cmd(actor=pm("CFS")), rule="R26")


UNKNOWN_POOL_CASES: list[tuple[str, dict[str, Any]]] = [
    ("pledge by an auditor", pledge_cmd("ASC", "1.00", actor=auditor())),
    ("pledge by another partner's budget holder", pledge_cmd("ASC", "1.00", actor=bh("CFS"))),
    ("spend by an auditor", spend_cmd("D1", "INV-1", "1.00", actor=auditor())),
    ("spend by a budget holder", spend_cmd("D1", "INV-1", "1.00", actor=bh("ASC"))),
    ("receipt by an auditor", receive_cmd("ASC", "1.00", actor=auditor())),
    ("close by an auditor", close_cmd(actor=auditor())),
]


@pytest.mark.parametrize("command", [c for _, c in UNKNOWN_POOL_CASES],
                         ids=[name for name, _ in UNKNOWN_POOL_CASES])
def test_r26_role_that_can_never_write_is_rejected_even_for_an_unknown_pool(
    ledger: LedgerApplication, command: dict[str, Any]
) -> None:
    """R26 before R5: an auditor cannot write at all, and a budget holder never records spend or
    receipts, whatever the pool; so against a pool that does not exist the first failure in the
    check order (R25, R26, R17, state rules incl. R5) is the authorisation error."""
    reject(ledger, command, rule="R26", code="not_authorised")
