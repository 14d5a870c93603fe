"""Month-end balances: received − funded per partner, and the accrual estimate, by hand-computed
cases and on every month of the worked scenario."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from conftest import FakeClock
from pooledbudget.application import LedgerApplication
from pooledbudget.cli import main
from pooledbudget.reports.balances import (
    MonthEndBalances,
    latest_month_end,
    month_end_balances,
)
from scenario_ledger import expected, module_scenario_dir, scenario_commands
from unit.helpers import (
    POOL,
    YEAR,
    approve_all,
    approved_decision,
    close_cmd,
    element,
    propose_cmd,
    receive_cmd,
    reverse_cmd,
    run,
    setup_pool,
    spend_cmd,
    total,
    variation_cmd,
    weekly,
)
from unit.helpers import approve_variation_all as approve_variation

from .conftest import months


def at(clock: FakeClock, moment: str) -> None:
    """Records what follows at `moment` (UTC)."""
    clock.now = datetime.fromisoformat(moment).replace(tzinfo=UTC)


def figures(report: MonthEndBalances, field: str) -> dict[str, str]:
    return {p.partner: getattr(p, field) for p in report.partners}


def balances(ledger: LedgerApplication, month: str) -> MonthEndBalances:
    return month_end_balances(ledger, POOL, YEAR, month)


def test_a_weekly_element_accrues_whole_weeks_less_spend_for_service_to_the_month_end(
        ledger: LedgerApplication, clock: FakeClock) -> None:
    """£700 a week for 10 weeks from Monday 6 April (to 14 June), 60/40. By hand:
    April: 25 days, 3 whole weeks, 2,100 − INV-1 (service 12 April) 700 = 1,400; INV-2 (service
    3 May) does not count yet. May: 56 days, 8 weeks, 5,600 − 2,100 (INV-3, recorded in May for
    April, counts) = 3,500. June: the period ended, 10 weeks, 7,000; INV-1 was reversed in June,
    so 7,000 − 1,400 = 5,600. Each split 60/40."""
    setup_pool(ledger)
    approved_decision(ledger, cost=weekly("700.00", 10), funding={"ASC": "60", "CFS": "40"},
                      start="2026-04-06", planned_end="2026-06-14")
    run(ledger, receive_cmd("ASC", "20000.00", received_on="2026-04-15"))
    at(clock, "2026-04-20T10:00:00")
    run(ledger, receive_cmd("CFS", "10000.00", received_on="2026-05-02", reference="R-2"))
    run(ledger, spend_cmd("D1", "INV-1", "700.00", "2026-04-12"))
    run(ledger, spend_cmd("D1", "INV-2", "700.00", "2026-05-03"))
    at(clock, "2026-05-10T10:00:00")
    run(ledger, spend_cmd("D1", "INV-3", "700.00", "2026-04-19"))
    at(clock, "2026-06-05T10:00:00")
    run(ledger, reverse_cmd("INV-1", actor={"id": "pm-asc-2", "partner": "ASC",
                                            "role": "pool_manager"}))
    april = balances(ledger, "2026-04")
    assert figures(april, "accrual") == {"ASC": "840.00", "CFS": "560.00"}
    assert figures(april, "received") == {"ASC": "20000.00", "CFS": "0.00"}
    assert figures(april, "funded") == {"ASC": "840.00", "CFS": "560.00"}  # INV-1 and INV-2
    assert figures(april, "balance") == {"ASC": "19160.00", "CFS": "-560.00"}
    assert figures(april, "agreed") == {"ASC": "100000.00", "CFS": "100000.00"}
    assert april.month_end == "2026-04-30"
    assert figures(balances(ledger, "2026-05"), "accrual") == {"ASC": "2100.00",
                                                               "CFS": "1400.00"}
    june = balances(ledger, "2026-06")
    assert figures(june, "accrual") == {"ASC": "3360.00", "CFS": "2240.00"}
    assert figures(june, "funded") == {"ASC": "840.00", "CFS": "560.00"}  # INV-2 and INV-3
    assert figures(balances(ledger, "2026-03"), "accrual") == {"ASC": "0.00", "CFS": "0.00"}


def test_a_total_cost_element_accrues_by_days_elapsed_rounded_then_split_by_r4(
        ledger: LedgerApplication, clock: FakeClock) -> None:
    """£1,000 over 90 days (1 April to 29 June), 50/50. April: 30/90 = 333.333… → 333.33; split
    by R4: 16,666.5p each, the odd penny to the first in agreement order (ASC)."""
    setup_pool(ledger)
    approved_decision(ledger, cost=total("1000.00"), start="2026-04-01",
                      planned_end="2026-06-29")
    report = balances(ledger, "2026-04")
    assert figures(report, "accrual") == {"ASC": "166.67", "CFS": "166.66"}
    assert report.total.accrual == "333.33"
    assert balances(ledger, "2026-06").total.accrual == "1000.00"


def test_spend_naming_no_element_counts_against_each_element_by_its_part(
        ledger: LedgerApplication, clock: FakeClock) -> None:
    """Adult £100 a week × 10 (ASC) and child £1,000 in total (CFS), 1 April to 9 June (70
    days). £500 naming no element is apportioned 250/250 by remaining cost (R15). April:
    adult 4 weeks = 400 − 250 = 150; child 1,000 × 30/70 = 428.571… − 250 = 178.571… → 178.57."""
    setup_pool(ledger)
    approved_decision(ledger, elements=[
        element("adult", weekly("100.00", 10), {"ASC": "100"}),
        element("child", total("1000.00"), {"CFS": "100"})],
        start="2026-04-01", planned_end="2026-06-09")
    at(clock, "2026-04-20T10:00:00")
    run(ledger, spend_cmd("D1", "INV-1", "500.00", "2026-04-10"))
    assert figures(balances(ledger, "2026-04"), "accrual") == {"ASC": "150.00",
                                                               "CFS": "178.57"}


def test_the_terms_and_split_in_force_at_the_month_end_are_used(
        ledger: LedgerApplication, clock: FakeClock) -> None:
    """£100 a week for 20 weeks, 50/50; a variation approved in April moves the split to ASC
    alone from 1 May; one recorded in June raises the rate to £200. April: 4 weeks, 400, the
    old split. May: 8 weeks at £100 (June's variation is not yet in force), all ASC. June:
    13 weeks at £200 = 2,600, all ASC."""
    setup_pool(ledger)
    approved_decision(ledger, cost=weekly("100.00", 20), start="2026-04-01",
                      planned_end="2026-08-18")
    at(clock, "2026-04-20T10:00:00")
    run(ledger, variation_cmd("D1", "V1", effective_from="2026-05-01",
                              funding={"ASC": "100"}))
    approve_variation(ledger, "D1", "V1")
    at(clock, "2026-06-03T10:00:00")
    run(ledger, variation_cmd("D1", "V2", cost=weekly("200.00", 20)))
    approve_variation(ledger, "D1", "V2")
    assert figures(balances(ledger, "2026-04"), "accrual") == {"ASC": "200.00",
                                                               "CFS": "200.00"}
    assert figures(balances(ledger, "2026-05"), "accrual") == {"ASC": "800.00", "CFS": "0.00"}
    assert figures(balances(ledger, "2026-06"), "accrual") == {"ASC": "2600.00", "CFS": "0.00"}


def test_only_decisions_approved_by_the_month_end_accrue_and_a_closed_year_accrues_nothing(
        ledger: LedgerApplication, clock: FakeClock) -> None:
    setup_pool(ledger)
    run(ledger, propose_cmd("D1", cost=weekly("100.00", 52), start="2026-04-01",
                            planned_end="2027-03-30"))
    at(clock, "2026-05-04T10:00:00")
    approve_all(ledger, "D1")
    assert balances(ledger, "2026-04").total.accrual == "0.00"
    assert balances(ledger, "2026-05").total.accrual == "800.00"  # 61 days: 8 weeks
    at(clock, "2027-04-02T10:00:00")
    run(ledger, close_cmd())
    assert balances(ledger, "2027-03").total.accrual == "5200.00"  # 364 days: 52 weeks
    assert balances(ledger, "2027-04").total.accrual == "0.00"


def test_on_every_month_of_the_scenario_the_balances_sum_to_received_less_spent(
        scenario: LedgerApplication) -> None:
    """Σ partners (received − funded) = total received − total spent, every month; received
    counted by `received_on` and spend by recording time, from the scenario's own lines."""
    failing = {item["line"] for item in expected(module_scenario_dir())["failing_lines"]}
    lines = [c for number, c in enumerate(scenario_commands(module_scenario_dir()), start=1)
             if number not in failing]
    reversed_at = {c["invoice_ref"]: c["at"] for c in lines if c["command"] == "ReverseSpend"}
    for month in months():
        report = month_end_balances(scenario, "FRP", "2026-27", month)
        end = report.month_end
        received = sum(Decimal(c["amount"]) for c in lines if c["command"] ==
                       "ReceiveContribution" and c["year"] == "2026-27"
                       and c["received_on"] <= end)
        spent = sum(Decimal(c["amount"]) for c in lines
                    if c["command"] == "RecordSpend" and c["at"][:10] <= end
                    and reversed_at.get(c["invoice_ref"], "9999")[:10] > end)
        assert Decimal(report.total.received) == received, month
        assert Decimal(report.total.funded) == spent, month
        balances_sum = sum(Decimal(p.balance) for p in report.partners)
        assert balances_sum == Decimal(report.total.balance) == received - spent, month
        accruals = sum(Decimal(p.accrual) for p in report.partners)
        assert accruals == Decimal(report.total.accrual) >= 0


def test_the_latest_month_end_on_or_before_a_time() -> None:
    assert latest_month_end(datetime(2027, 2, 10, 12, tzinfo=UTC)) == "2027-01"
    assert latest_month_end(datetime(2027, 1, 1, tzinfo=UTC)) == "2026-12"


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_report_balances_cli(scenario: LedgerApplication, fmt: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    url = scenario.database.url if scenario.database else ""
    assert main(["report", "balances", "--pool", "FRP", "--year", "2026-27", "--month",
                 "2026-07", "--format", fmt, "--db", url]) == 0
    out = capsys.readouterr().out
    expected = month_end_balances(scenario, "FRP", "2026-27", "2026-07")
    if fmt == "json":
        assert MonthEndBalances.model_validate(json.loads(out)) == expected
    else:
        assert expected.total.balance in out and "accrual" in out
    assert main(["report", "balances", "--pool", "FRP", "--year", "2026-27", "--db", url]) == 2
