"""The scheme of delegation, R27-R31, on both backends: who may sign, how much, two signatures
above a threshold, and four eyes on reversals. Each rejection writes nothing (`reject`)."""

from __future__ import annotations

from typing import Any

from pooledbudget import reports
from pooledbudget.application import LedgerApplication

from .helpers import (
    POOL,
    YEAR,
    approve_cmd,
    approve_variation_cmd,
    bh,
    close_cmd,
    decision,
    decline_cmd,
    establish_cmd,
    join_cmd,
    pledge_cmd,
    pm,
    propose_cmd,
    reject,
    reverse_cmd,
    run,
    spend_cmd,
    total,
    variation_cmd,
)


def who(id_: str, partner: str, role: str = "budget_holder") -> dict[str, str]:
    return {"id": id_, "partner": partner, "role": role}


def entry(id_: str, partner: str, role: str = "budget_holder",
          limit: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": id_, "partner": partner, "role": role}
    if limit is not None:
        data["limit"] = limit
    return data


BASE = [entry("pm-asc", "ASC", "pool_manager"), entry("bh-asc", "ASC"), entry("bh-cfs", "CFS")]


def register_pool(ledger: LedgerApplication, *extra: dict[str, Any],
                  threshold: str | None = None) -> None:
    """ASC hosts, CFS joins in; a register of pm-asc, bh-asc and bh-cfs (unlimited) and `extra`,
    each partner pledging; D1 (1,000.00, half each) proposed: each signs for 500.00."""
    cmd = establish_cmd()
    cmd["signatories"] = [*BASE, *extra]
    if threshold is not None:
        cmd["two_signatures_above"] = threshold
    run(ledger, cmd)
    run(ledger, pledge_cmd("ASC", "100000.00"))
    run(ledger, pledge_cmd("CFS", "100000.00"))
    run(ledger, propose_cmd("D1", cost=total("1000.00")))


def register_cmd(signatory: dict[str, Any], actor: dict[str, str]) -> dict[str, Any]:
    return {"command": "RegisterSignatory", "actor": actor, "pool_id": POOL,
            "signatory": signatory}


def revoke_cmd(signatory_id: str, actor: dict[str, str]) -> dict[str, Any]:
    return {"command": "RevokeSignatory", "actor": actor, "pool_id": POOL,
            "signatory_id": signatory_id, "reason": "Left the service"}


# -- R27: the register and who may act ---------------------------------------------------------

def test_a_register_needs_the_host_manager_giving_it_and_an_unlimited_holder_per_partner(
        ledger: LedgerApplication) -> None:
    for signatories, field in (
        ([entry("pm-asc", "ASC", "pool_manager"), entry("bh-asc", "ASC")], "signatories"),
        ([entry("pm-asc", "ASC", "pool_manager"), entry("bh-asc", "ASC"),
          entry("bh-cfs", "CFS", limit="100.00")], "signatories"),
        ([entry("pm-other", "ASC", "pool_manager"), entry("bh-asc", "ASC"),
          entry("bh-cfs", "CFS")], "signatories"),
    ):
        cmd = establish_cmd()
        cmd["signatories"] = signatories
        reject(ledger, cmd, rule="R27", code="register_incomplete", field=field)


def test_entries_must_fit_the_pool(ledger: LedgerApplication) -> None:
    for bad, field in ((entry("pm-cfs", "CFS", "pool_manager"), "signatories.3.partner"),
                       (entry("aud", "ASC", "auditor", limit="10.00"), "signatories.3.limit"),
                       (entry("bh-x", "ICB"), "signatories.3.partner"),
                       (entry("bh-asc", "ASC"), "signatories.3.id")):
        cmd = establish_cmd()
        cmd["signatories"] = [*BASE, bad]
        reject(ledger, cmd, rule="R27", code="invalid_entry", field=field)


def test_with_a_register_every_actor_must_be_an_active_entry_as_claimed(
        ledger: LedgerApplication) -> None:
    register_pool(ledger)
    reject(ledger, approve_cmd("D1", "ASC", actor=who("bh-asc-2", "ASC")), rule="R27",
           code="not_a_signatory")
    # pm-asc is registered, but as a pool manager, not as CFS's budget holder
    reject(ledger, approve_cmd("D1", "CFS", actor=who("pm-asc", "CFS")), rule="R27",
           code="not_a_signatory")
    reject(ledger, spend_cmd("D1", "INV-1", "10.00", actor=pm("ASC") | {"id": "pm-x"}),
           rule="R27")
    # R26 is judged first, on the claim itself
    reject(ledger, approve_cmd("D1", "CFS", actor=who("bh-asc", "ASC")), rule="R26")
    run(ledger, approve_cmd("D1", "ASC", actor=who("bh-asc", "ASC")))


def test_adoption_starts_verification_once_and_what_came_before_stands(
        ledger: LedgerApplication) -> None:
    run(ledger, establish_cmd())
    run(ledger, pledge_cmd("CFS", "100.00", actor=who("anyone-cfs", "CFS")))
    adopt = {"command": "AdoptSignatoryRegister", "actor": pm("ASC") | {"id": "pm-asc"},
             "pool_id": POOL, "signatories": BASE}
    reject(ledger, {**adopt, "actor": pm("ASC") | {"id": "pm-new"}}, rule="R27",
           code="register_incomplete")
    run(ledger, adopt)
    reject(ledger, adopt, rule="R27", code="register_exists")
    reject(ledger, pledge_cmd("ASC", "100.00", actor=who("anyone-asc", "ASC")), rule="R27")
    run(ledger, pledge_cmd("ASC", "100.00", actor=who("bh-asc", "ASC")))
    report = reports.signatories(ledger, POOL)
    assert report.verified
    assert [(s.id, s.role) for s in report.signatories] == [
        ("pm-asc", "pool_manager"), ("bh-asc", "budget_holder"), ("bh-cfs", "budget_holder")]


def test_a_partner_joining_a_registered_pool_brings_an_unlimited_budget_holder(
        ledger: LedgerApplication) -> None:
    register_pool(ledger)
    joining = join_cmd("ICB", YEAR, actor=who("pm-asc", "ASC", "pool_manager"))
    reject(ledger, joining, rule="R27", code="register_incomplete")
    reject(ledger, {**joining, "signatories": [entry("bh-icb", "ICB", limit="5.00")]},
           rule="R27", code="register_incomplete")
    reject(ledger, {**joining, "signatories": [entry("bh-icb", "ICB"), entry("bh-x", "CFS")]},
           rule="R27", code="invalid_entry")
    run(ledger, {**joining, "signatories": [entry("bh-icb", "ICB")]})
    run(ledger, pledge_cmd("ICB", "10.00", actor=who("bh-icb", "ICB")))


def test_a_pool_without_a_register_takes_commands_at_their_word(
        ledger: LedgerApplication) -> None:
    run(ledger, establish_cmd())
    run(ledger, pledge_cmd("ASC", "100.00", actor=who("whoever", "ASC")))
    report = reports.signatories(ledger, POOL)
    assert not report.verified and report.signatories == []
    reject(ledger, register_cmd(entry("bh-2", "ASC"), bh("ASC")), rule="R27", code="no_register")


# -- R28: changing the register ----------------------------------------------------------------

def test_nobody_delegates_more_than_they_hold(ledger: LedgerApplication) -> None:
    register_pool(ledger, entry("bh-cfs-1", "CFS", limit="500.00"))
    holder = who("bh-cfs-1", "CFS")
    run(ledger, register_cmd(entry("bh-cfs-2", "CFS", limit="500.00"), holder))  # equal passes
    reject(ledger, register_cmd(entry("bh-cfs-3", "CFS", limit="500.01"), holder), rule="R28",
           code="exceeds_own_limit")
    reject(ledger, register_cmd(entry("bh-cfs-4", "CFS"), holder), rule="R28",
           code="exceeds_own_limit")
    reject(ledger, revoke_cmd("bh-cfs", holder), rule="R28", code="exceeds_own_limit")


def test_register_changes_follow_the_roles_and_never_touch_ones_own_entry(
        ledger: LedgerApplication) -> None:
    register_pool(ledger, entry("bh-cfs-2", "CFS"))
    manager = who("pm-asc", "ASC", "pool_manager")
    reject(ledger, register_cmd(entry("pm-2", "ASC", "pool_manager"), who("bh-asc", "ASC")),
           rule="R26")
    reject(ledger, register_cmd(entry("bh-cfs-9", "CFS"), manager), rule="R26")
    reject(ledger, revoke_cmd("bh-cfs-2", manager), rule="R26")
    reject(ledger, revoke_cmd("bh-cfs-2", who("bh-asc", "ASC")), rule="R26")
    reject(ledger, register_cmd(entry("bh-cfs", "CFS"), who("bh-cfs", "CFS")), rule="R28",
           code="own_entry")
    reject(ledger, revoke_cmd("bh-cfs", who("bh-cfs", "CFS")), rule="R28", code="own_entry")
    reject(ledger, register_cmd(entry("bh-cfs-2", "CFS"), who("bh-cfs", "CFS")), rule="R28",
           code="already_registered")
    reject(ledger, revoke_cmd("nobody", who("bh-cfs", "CFS")), rule="R28", code="not_active")
    reject(ledger, revoke_cmd("pm-asc", manager), rule="R28", code="own_entry")
    run(ledger, register_cmd(entry("pm-2", "ASC", "pool_manager"), manager))
    run(ledger, revoke_cmd("pm-asc", who("pm-2", "ASC", "pool_manager")))
    reject(ledger, revoke_cmd("pm-2", manager), rule="R27")  # pm-asc is revoked
    run(ledger, revoke_cmd("bh-cfs-2", who("bh-cfs", "CFS")))
    reject(ledger, approve_cmd("D1", "CFS", actor=who("bh-cfs-2", "CFS")), rule="R27")
    run(ledger, register_cmd(entry("bh-cfs-2", "CFS", limit="1.00"), who("bh-cfs", "CFS")))


def test_the_last_unlimited_holder_and_the_last_pool_manager_stay(
        ledger: LedgerApplication) -> None:
    register_pool(ledger, entry("bh-cfs-lim", "CFS", limit="10.00"),
                  entry("bh-cfs-2", "CFS"), entry("pm-2", "ASC", "pool_manager"))
    run(ledger, revoke_cmd("bh-cfs-2", who("bh-cfs", "CFS")))
    reject(ledger, revoke_cmd("bh-cfs", who("bh-cfs-lim", "CFS")), rule="R28")
    run(ledger, register_cmd(entry("bh-cfs-3", "CFS"), who("bh-cfs", "CFS")))
    run(ledger, revoke_cmd("bh-cfs", who("bh-cfs-3", "CFS")))
    run(ledger, revoke_cmd("pm-2", who("pm-asc", "ASC", "pool_manager")))
    run(ledger, register_cmd(entry("pm-3", "ASC", "pool_manager"),
                             who("pm-asc", "ASC", "pool_manager")))
    run(ledger, revoke_cmd("pm-asc", who("pm-3", "ASC", "pool_manager")))
    error = reject(ledger, revoke_cmd("bh-cfs-3", who("bh-cfs-3", "CFS")), rule="R28")
    assert error.code == "own_entry"


def test_a_closed_year_does_not_stop_register_commands(ledger: LedgerApplication) -> None:
    register_pool(ledger)
    run(ledger, close_cmd(actor=who("pm-asc", "ASC", "pool_manager")))
    run(ledger, register_cmd(entry("bh-cfs-2", "CFS"), who("bh-cfs", "CFS")))


# -- R29: approval limits ----------------------------------------------------------------------

def test_a_limit_equal_to_the_amount_passes_and_a_penny_less_fails(
        ledger: LedgerApplication) -> None:
    register_pool(ledger, entry("bh-asc-500", "ASC", limit="500.00"),
                  entry("bh-cfs-499", "CFS", limit="499.99"))
    error = reject(ledger, approve_cmd("D1", "CFS", actor=who("bh-cfs-499", "CFS")), rule="R29",
                   code="over_limit")
    assert "499.99" in error.message and "500.00" in error.message
    run(ledger, approve_cmd("D1", "ASC", actor=who("bh-asc-500", "ASC")))
    run(ledger, decline_cmd("D1", "CFS", actor=who("bh-cfs-499", "CFS")))  # no limit to decline
    assert decision(ledger).status == "declined"


def test_a_variation_is_signed_for_under_its_varied_terms(ledger: LedgerApplication) -> None:
    register_pool(ledger, entry("bh-cfs-600", "CFS", limit="600.00"))
    run(ledger, approve_cmd("D1", "ASC", actor=who("bh-asc", "ASC")))
    run(ledger, approve_cmd("D1", "CFS", actor=who("bh-cfs-600", "CFS")))
    manager = who("pm-asc", "ASC", "pool_manager")
    run(ledger, variation_cmd("D1", "V1", cost=total("1300.00"), actor=manager))  # 650.00 each
    reject(ledger, approve_variation_cmd("D1", "V1", "CFS", actor=who("bh-cfs-600", "CFS")),
           rule="R29", code="over_limit")
    run(ledger, approve_variation_cmd("D1", "V1", "CFS", actor=who("bh-cfs", "CFS")))
    offs = reports.sign_offs(ledger, POOL, YEAR).sign_offs
    assert [(s.variation_id, s.partner, s.amount, s.limit) for s in offs] == [
        (None, "ASC", "500.00", None), (None, "CFS", "500.00", "600.00"),
        ("V1", "CFS", "650.00", None)]


# -- R30: two signatures -----------------------------------------------------------------------

def test_an_amount_equal_to_the_threshold_needs_one_signature(
        ledger: LedgerApplication) -> None:
    register_pool(ledger, threshold="500.00")
    result = run(ledger, approve_cmd("D1", "ASC", actor=who("bh-asc", "ASC")))
    assert result.events == ["DecisionShareApproved"]


def test_above_the_threshold_two_different_holders_sign(ledger: LedgerApplication) -> None:
    register_pool(ledger, entry("bh-asc-2", "ASC"), entry("bh-cfs-2", "CFS"),
                  threshold="499.99")
    first = run(ledger, approve_cmd("D1", "ASC", actor=who("bh-asc", "ASC")))
    assert first.events == ["DecisionFirstSignature"]
    assert decision(ledger).waiting_on == ["ASC", "CFS"]
    assert reports.approvals(ledger, POOL).pending[0].first_signature == ["ASC"]
    reject(ledger, approve_cmd("D1", "ASC", actor=who("bh-asc", "ASC")), rule="R30",
           code="already_signed")
    run(ledger, revoke_cmd("bh-asc", who("bh-asc-2", "ASC")))  # the first signature stands
    run(ledger, approve_cmd("D1", "ASC", actor=who("bh-asc-2", "ASC")))
    assert decision(ledger).waiting_on == ["CFS"]
    run(ledger, approve_cmd("D1", "CFS", actor=who("bh-cfs", "CFS")))
    run(ledger, decline_cmd("D1", "CFS", actor=who("bh-cfs-2", "CFS")))  # one decline declines
    assert decision(ledger).status == "declined"
    outcomes = [s.outcome for s in reports.sign_offs(ledger, POOL, YEAR).sign_offs]
    assert outcomes == ["first_signature", "approved", "first_signature", "declined"]


# -- R31: four eyes on corrections -------------------------------------------------------------

def test_whoever_recorded_a_spend_cannot_reverse_it(ledger: LedgerApplication) -> None:
    register_pool(ledger, entry("pm-2", "ASC", "pool_manager"))
    run(ledger, approve_cmd("D1", "ASC", actor=who("bh-asc", "ASC")))
    run(ledger, approve_cmd("D1", "CFS", actor=who("bh-cfs", "CFS")))
    manager = who("pm-asc", "ASC", "pool_manager")
    run(ledger, spend_cmd("D1", "INV-1", "100.00", actor=manager))
    reject(ledger, reverse_cmd("INV-1", actor=manager), rule="R31", code="same_actor_reversal")
    run(ledger, reverse_cmd("INV-1", actor=who("pm-2", "ASC", "pool_manager")))


def test_without_a_register_the_recorder_may_reverse(ledger: LedgerApplication) -> None:
    run(ledger, establish_cmd())
    run(ledger, pledge_cmd("ASC", "1000.00"))
    run(ledger, pledge_cmd("CFS", "1000.00"))
    run(ledger, propose_cmd("D1"))
    run(ledger, approve_cmd("D1", "ASC"))
    run(ledger, approve_cmd("D1", "CFS"))
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    run(ledger, reverse_cmd("INV-1"))
