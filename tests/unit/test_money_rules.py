"""Money rules R1-R4: exact amounts, positive amounts, splits, and largest-remainder allocation."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from pooledbudget import parse_command, parse_json_line
from pooledbudget.application import LedgerApplication
from pooledbudget.money import Money, allocate

from .helpers import (
    POOL,
    approve_cmd,
    approved_decision,
    element,
    establish_cmd,
    invalid,
    money,
    pledge_cmd,
    propose_cmd,
    reject,
    run,
    setup_pool,
    spend_cmd,
    spend_funding,
    total,
    weekly,
)
from .support import figure

# -- R1: exact GBP decimals, at most 2 places, no floats, nothing over £1bn --------------------


@pytest.mark.parametrize(
    "amount",
    [
        100.5,            # a JSON number / float
        100,              # an int is not a string amount either
        "100.001",        # three places
        "100.",           # no digits after the point
        ".50",            # no digits before the point
        "1e3",            # exponent
        "1E3",
        "NaN",
        "Infinity",
        "-Infinity",
        "1,000.00",       # separator
        " 100.00",        # space
        "100.00 ",
        "£100.00",
        "1000000000.01",  # over £1,000,000,000
        "2000000000",
        "",
    ],
)
def test_r1_inexact_or_malformed_amount_is_rejected_at_parse(amount: Any) -> None:
    """R1: a float, NaN, infinity, more than 2 places or a value over £1bn fails under R1."""
    invalid(pledge_cmd("ASC", "0.01") | {"amount": amount}, rule="R1", field="amount")


@pytest.mark.parametrize("amount", [Decimal("100.005"), Decimal("NaN"), Decimal("Infinity"),
                                    Decimal("1000000000.01"), float("nan"), float("inf")])
def test_r1_python_decimals_and_floats_are_checked_too(amount: Any) -> None:
    """R1: the Python API applies the same checks to Decimal/float values as to wire strings."""
    invalid(pledge_cmd("ASC", "0.01") | {"amount": amount}, rule="R1", field="amount")


def test_r1_spend_amount_with_three_places_is_rejected() -> None:
    """R1: spend amounts follow the same format."""
    invalid(spend_cmd("D1", "INV-1", "10.005"), rule="R1", field="amount")


def test_r1_cost_with_more_places_is_rejected() -> None:
    """R1: a decision's cost figures are amounts too."""
    invalid(propose_cmd(cost=total("99.999")), rule="R1")
    invalid(propose_cmd(cost=weekly("12.345", 4)), rule="R1")


def test_r1_weekly_cost_over_a_billion_is_rejected() -> None:
    """R1: a weekly cost whose total (rate x weeks) exceeds £1,000,000,000 is rejected."""
    invalid(propose_cmd(cost=weekly("500000000.00", 3)), rule="R1")


@pytest.mark.parametrize("amount,expected", [("1000000000", "1000000000.00"), ("0.01", "0.01"),
                                             ("2450.5", "2450.50"), ("7", "7.00")])
def test_r1_valid_amounts_parse_to_exact_two_place_decimals(amount: str, expected: str) -> None:
    """R1: up to 2 places and up to exactly £1bn are accepted, kept as exact `Money` whose
    stored form has two places."""
    command: Any = parse_command(pledge_cmd("ASC", amount))
    assert isinstance(command.amount, Money)
    assert str(command.amount) == expected
    assert command.amount.decimal == Decimal(amount)


def test_r1_weekly_cost_is_rate_times_weeks_exactly() -> None:
    """R1/R9: cost {weekly: 2450.00, weeks: 26} is exactly 26 x £2,450.00 = £63,700.00."""
    command: Any = parse_command(propose_cmd(cost=weekly("2450.00", 26)))
    assert command.cost.amount == Money.parse("63700.00")


def test_r1_accepted_pledge_is_recorded_to_the_penny(ledger: LedgerApplication) -> None:
    """R1: a recorded amount keeps its exact pence (no float drift)."""
    setup_pool(ledger, pledges={"ASC": "0.10", "CFS": "0.20"})
    assert figure(ledger, "agreed") == money(ASC="0.10", CFS="0.20")
    assert ledger.pool(POOL).agreed_amount("ASC", "2026-27") + ledger.pool(POOL).agreed_amount(
        "CFS", "2026-27") == Decimal("0.30")


# -- R2: recorded amounts are strictly positive ------------------------------------------------


@pytest.mark.parametrize("amount", ["0", "0.00", "-0.01", "-100.00"])
def test_r2_zero_or_negative_contribution_is_rejected(amount: str) -> None:
    """R2: a well-formed but zero or negative amount fails under R2 (after R1)."""
    invalid(pledge_cmd("ASC", amount), rule="R2", field="amount")


def test_r2_zero_or_negative_spend_and_cost_are_rejected() -> None:
    """R2: spend and costs are strictly positive too."""
    invalid(spend_cmd("D1", "INV-1", "0.00"), rule="R2", field="amount")
    invalid(spend_cmd("D1", "INV-1", "-5.00"), rule="R2", field="amount")
    invalid(propose_cmd(cost=total("0.00")), rule="R2")
    invalid(propose_cmd(cost=weekly("0.00", 4)), rule="R2")


def test_r2_negative_amount_with_three_places_fails_under_r1_first() -> None:
    """R1 before R2: a malformed amount is reported under R1 even when it is also negative."""
    invalid(pledge_cmd("ASC", "-1.005"), rule="R1", field="amount")


# -- R3: splits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "funding",
    [
        {"ASC": "50", "CFS": "49.99"},           # sums to 99.99
        {"ASC": "50", "CFS": "50.0001"},         # sums to 100.0001
        {"ASC": "33.33333", "CFS": "66.66667"},  # 5 places
        {"ASC": "-10", "CFS": "110"},            # negative
        {"ASC": "101", "CFS": "0"},              # over 100 on its own... and sums to 101
        {"ASC": 50, "CFS": 50},                  # numbers, not strings
        {"ASC": "1e2"},                          # exponent
        {},                                      # names nobody
    ],
)
def test_r3_malformed_split_is_rejected(funding: dict[str, Any]) -> None:
    """R3: at most 4 dp, each >= 0, summing to exactly 100."""
    invalid(propose_cmd() | {"funding": funding}, rule="R3")


def test_r3_four_decimal_places_summing_to_exactly_100_is_accepted() -> None:
    """R3: 33.3334 + 33.3333 + 33.3333 = 100 exactly is a valid split."""
    command: Any = parse_command(
        propose_cmd(funding={"ASC": "33.3334", "CFS": "33.3333", "ICB": "33.3333"}))
    assert command.funding == {"ASC": Decimal("33.3334"), "CFS": Decimal("33.3333"),
                               "ICB": Decimal("33.3333")}


def test_r3_split_naming_a_partner_twice_is_rejected() -> None:
    """R3: a split names each partner at most once (a JSON object with a repeated key)."""
    line = (
        '{"command": "ProposeDecision", "actor": {"id": "pm-asc", "partner": "ASC", '
        '"role": "pool_manager"}, "pool_id": "P", "decision_id": "D1", "year": "2026-27", '
        '"case_ref": "CASE-0001", "category": "rehab", "start": "2026-04-01", '
        '"planned_end": "2026-09-30", "cost": {"total": "100.00"}, '
        '"funding": {"ASC": "50", "CFS": "25", "ASC": "25"}}'
    )
    with pytest.raises(Exception) as info:
        parse_json_line(line)
    error: Any = info.value
    assert error.code == "invalid_command"
    assert error.rule == "R3"


def test_r3_split_naming_a_non_partner_is_rejected(ledger: LedgerApplication) -> None:
    """R3: a split names only partners of the pool."""
    setup_pool(ledger)
    reject(ledger, propose_cmd(funding={"ASC": "50", "ICB": "50"}), rule="R3",
           code="split_names_non_partner")
    reject(ledger, propose_cmd(funding={"ASC": "50", "CFS": "50"},
                               responsibility={"ASC": "50", "SMS": "50"}), rule="R3")
    reject(ledger, propose_cmd(elements=[
        element("adult", total("100.00"), {"ASC": "100"}),
        element("child", total("100.00"), {"PROB": "100"}),
    ]), rule="R3")


def test_r3_fixed_risk_share_percentages_must_be_a_valid_split(ledger: LedgerApplication) -> None:
    """R3: the fixed risk-share percentages are a split: sum to 100 and name only partners."""
    invalid(establish_cmd(risk_share={"rule": "fixed", "percentages": {"ASC": "60", "CFS": "30"}}),
            rule="R3")
    invalid(establish_cmd(risk_share={"rule": "fixed"}), rule="R3")
    reject(ledger, establish_cmd(risk_share={"rule": "fixed",
                                             "percentages": {"ASC": "60", "ICB": "40"}}),
           rule="R3")


def test_r3_partner_not_named_has_zero_percent(ledger: LedgerApplication) -> None:
    """R3: a partner the split does not name has 0%: no approval needed, no share of spend."""
    setup_pool(ledger, ("ASC", "CFS", "ICB"))
    run(ledger, propose_cmd(funding={"ASC": "60", "ICB": "40"}))
    d = ledger.decision(POOL, "D1")
    assert d.waiting_on == ["ASC", "ICB"]
    for code in ("ASC", "ICB"):
        run(ledger, approve_cmd("D1", code))
    assert ledger.decision(POOL, "D1").status == "approved"
    run(ledger, spend_cmd("D1", "INV-1", "10.00"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "6.00", "CFS": "0.00", "ICB": "4.00"}


def test_r3_explicit_zero_share_needs_no_approval(ledger: LedgerApplication) -> None:
    """R3/R10: an explicit 0% is the same as not being named."""
    setup_pool(ledger, ("ASC", "CFS"))
    run(ledger, propose_cmd(funding={"ASC": "100", "CFS": "0"}))
    assert ledger.decision(POOL, "D1").waiting_on == ["ASC"]


# -- R4: allocation by largest remainder --------------------------------------------------------

ORDER = ["ASC", "CFS", "ICB"]


def w(**pcts: str) -> dict[str, Fraction]:
    return {code: Fraction(Decimal(p)) / 100 for code, p in pcts.items()}


def test_r4_floor_then_largest_remainders() -> None:
    """R4: 0.07 by 50/30/20 = 3.5p, 2.1p, 1.4p -> floors 3,2,1; the 1p left goes to ASC (.5)."""
    assert allocate(Decimal("0.07"), w(ASC="50", CFS="30", ICB="20"), ORDER) == money(
        ASC="0.04", CFS="0.02", ICB="0.01")


def test_r4_largest_remainder_wins_over_agreement_order() -> None:
    """R4: 0.07 by 20/30/50 -> 1.4p, 2.1p, 3.5p: the leftover penny goes to ICB, not ASC."""
    assert allocate(Decimal("0.07"), w(ASC="20", CFS="30", ICB="50"), ORDER) == money(
        ASC="0.01", CFS="0.02", ICB="0.04")


def test_r4_ties_go_by_agreement_order() -> None:
    """R4: 0.05 by 40/30/30 -> 2p, 1.5p, 1.5p: the tie for the last penny goes to CFS (earlier)."""
    assert allocate(Decimal("0.05"), w(ASC="40", CFS="30", ICB="30"), ORDER) == money(
        ASC="0.02", CFS="0.02", ICB="0.01")
    assert allocate(Decimal("0.05"), w(ASC="40", CFS="30", ICB="30"), ["ICB", "CFS", "ASC"]) == money(
        ASC="0.02", CFS="0.01", ICB="0.02")


def test_r4_two_leftover_pence() -> None:
    """R4: 1.00 by thirds (33.3334/33.3333/33.3333): 33.3334p, 33.3333p, 33.3333p -> 34, 33, 33."""
    assert allocate(Decimal("1.00"), w(ASC="33.3334", CFS="33.3333", ICB="33.3333"), ORDER) == money(
        ASC="0.34", CFS="0.33", ICB="0.33")
    # 0.02 by 1/3 exact weights: 0.666..p each -> floors 0; two pennies to the first two by order.
    third = Fraction(1, 3)
    assert allocate(Decimal("0.02"), {"ASC": third, "CFS": third, "ICB": third}, ORDER) == money(
        ASC="0.01", CFS="0.01", ICB="0.00")


def test_r4_negative_amount_is_allocated_as_absolute_value_then_negated() -> None:
    """R4: -0.07 by 50/30/20 is the negation of 0.07's allocation, not a floor of negatives."""
    assert allocate(Decimal("-0.07"), w(ASC="50", CFS="30", ICB="20"), ORDER) == money(
        ASC="-0.04", CFS="-0.02", ICB="-0.01")


def test_r4_parts_sum_exactly_to_the_amount() -> None:
    """R4: the parts always sum exactly to the amount."""
    weights = w(ASC="33.3334", CFS="33.3333", ICB="33.3333")
    for pence in (1, 2, 3, 7, 99, 100, 12345, 99999999):
        amount = Decimal(pence) / 100
        parts = allocate(amount, weights, ORDER)
        assert sum(parts.values()) == amount
        assert set(parts) == set(ORDER)


def test_r4_spend_ties_broken_by_agreement_order_not_split_order(ledger: LedgerApplication) -> None:
    """R4: a 1p spend split 50/50 goes to the partner listed first in the agreement.

    The agreement lists CFS before ASC (ASC hosts); the split lists ASC first. The tie for the
    one penny is broken by the agreement order, so CFS gets it.
    """
    run(ledger, establish_cmd(partners=("CFS", "ASC"), host="ASC"))
    run(ledger, pledge_cmd("CFS", "100.00"))
    run(ledger, pledge_cmd("ASC", "100.00"))
    approved_decision(ledger, funding={"ASC": "50", "CFS": "50"})
    run(ledger, spend_cmd("D1", "INV-1", "0.01"))
    assert spend_funding(ledger, "D1", "INV-1") == {"CFS": "0.01", "ASC": "0.00"}


def test_r4_spend_allocation_by_largest_remainder(ledger: LedgerApplication) -> None:
    """R4/R15: £100.01 by 70/30 -> 7000.7p, 3000.3p -> ASC 70.01, CFS 30.00."""
    setup_pool(ledger)
    approved_decision(ledger, funding={"ASC": "70", "CFS": "30"})
    run(ledger, spend_cmd("D1", "INV-1", "100.01"))
    assert spend_funding(ledger, "D1", "INV-1") == {"ASC": "70.01", "CFS": "30.00"}


def test_r1_r2_risk_share_caps_are_amounts() -> None:
    """R1/R2: caps are amounts: more than 2 places fails under R1, zero under R2."""
    invalid(establish_cmd(risk_share={"rule": "capped", "caps": {"CFS": "100.001"}}), rule="R1")
    invalid(establish_cmd(risk_share={"rule": "capped", "caps": {"CFS": "0.00"}}), rule="R2")


def test_r3_responsibility_split_is_a_split_too() -> None:
    """R3: a responsibility split must also sum to exactly 100."""
    invalid(propose_cmd(responsibility={"ASC": "60", "CFS": "30"}), rule="R3")


def test_r3_fixed_percentages_with_five_places_fail() -> None:
    """R3: fixed risk-share percentages have at most 4 places."""
    invalid(establish_cmd(risk_share={"rule": "fixed",
                                      "percentages": {"ASC": "33.33335", "CFS": "66.66665"}}),
            rule="R3")


@pytest.mark.parametrize("amount", ["9" * 5000, "-" + "9" * 5000, "1" + "0" * 10 + ".00"])
def test_r1_an_amount_of_thousands_of_digits_is_refused_as_too_large(amount: str) -> None:
    """R1: however many digits a line carries, it fails as an amount over the limit (it once
    reached Python's limit on converting long digit strings and lost its rule)."""
    invalid(pledge_cmd("ASC", amount), rule="R1")


def test_r1_leading_zeros_do_not_make_an_amount_too_large() -> None:
    command: Any = parse_command(pledge_cmd("ASC", "0" * 5000 + "12.50"))
    assert command.amount == Money.parse("12.50")
