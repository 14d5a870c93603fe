"""Paying for outcomes, clause by clause: outcome elements (R32), recording an outcome (R33) and
contingent commitment (R34), on both backends, boundaries included."""

from __future__ import annotations

from decimal import Decimal

from pooledbudget.application import LedgerApplication
from pooledbudget.money import Money

from .helpers import (
    approve_variation_all,
    approved_decision,
    bh,
    close_cmd,
    decision,
    element,
    end_cmd,
    invalid,
    money,
    propose_cmd,
    reject,
    reverse_cmd,
    run,
    setup_pool,
    spend_cmd,
    spend_funding,
    spend_responsibility,
    total,
    variation_cmd,
)
from .outcome_helpers import THREE, contract, outcome_cmd, outcome_element
from .support import figure, risk_share, shares_by_partner


def parts(allocation: dict[str, str]) -> dict[str, str]:
    """An allocation without the partners it gives nothing."""
    return {code: amount for code, amount in allocation.items() if Decimal(amount)}


# -- R32: outcome elements ---------------------------------------------------------------------


def test_r32_an_outcome_elements_cost_is_price_times_max_count(ledger: LedgerApplication) -> None:
    """R32: cost = price x max_count, part of the decision's cost; every partner funding it
    must approve (R10)."""
    setup_pool(ledger, THREE)
    run(ledger, propose_cmd("D1", elements=[
        element("fee", total("1000.00"), {"ASC": "100"}),
        outcome_element("result", "250.50", 4, {"ICB": "100"})]))
    d = decision(ledger)
    assert d.elements["result"].cost == Money.parse("1002.00")
    assert d.cost == Money.parse("2002.00")
    assert d.waiting_on == ["ASC", "ICB"]


def test_r32_an_element_has_a_cost_or_an_outcome_never_both(ledger: LedgerApplication) -> None:
    """R32 (shape): an outcome element carries an outcome in place of a cost."""
    both = outcome_element("result", "10.00", 2, {"ASC": "100"}) | {"cost": total("20.00")}
    invalid(propose_cmd("D1", elements=[both]), rule=None, field="elements.0")
    neither = {"name": "result", "funding": {"ASC": "100"}}
    invalid(propose_cmd("D1", elements=[neither]), rule=None, field="elements.0")


def test_r32_max_count_is_a_whole_number_of_at_least_one() -> None:
    """R32 (shape): max_count 1 is fine; 0, a fraction, a string or a boolean are not."""
    for bad in (0, -1, 1.5, "3", True):
        invalid(propose_cmd("D1", elements=[outcome_element("r", "10.00", bad, {"ASC": "100"})]),
                rule=None, field="elements.0.outcome.max_count")


def test_r32_price_is_an_amount(ledger: LedgerApplication) -> None:
    """R32 with R1/R2: the price is an exact positive amount; price x max_count stays within
    £1,000,000,000."""
    invalid(propose_cmd("D1", elements=[outcome_element("r", "10.001", 1, {"ASC": "100"})]),
            rule="R1")
    invalid(propose_cmd("D1", elements=[outcome_element("r", "0.00", 1, {"ASC": "100"})]),
            rule="R2")
    invalid(propose_cmd("D1", elements=[outcome_element("r", "500000000.01", 2,
                                                        {"ASC": "100"})]), rule="R1")


def test_r32_a_variation_changes_max_count_with_approval(ledger: LedgerApplication) -> None:
    """R32, R12: a higher max_count raises the funders' money, so they approve it; until then
    the old maximum stands."""
    contract(ledger, max_count=2)
    run(ledger, variation_cmd("D1", "V1", elements=[
        {"name": "fee"}, {"name": "result", "outcome": {"max_count": 3}}]))
    d = decision(ledger)
    assert d.waiting_on == ["CFS", "ICB"]
    assert d.elements["result"].outcome.max_count == 2  # type: ignore[union-attr]
    d = approve_variation_all(ledger, "D1", "V1")
    assert d.elements["result"].outcome.max_count == 3  # type: ignore[union-attr]
    assert d.elements["result"].cost == Money.parse("300.00")


def test_r32_max_count_may_fall_to_the_count_paid_but_not_below(ledger: LedgerApplication) -> None:
    """R32, R14: varied down to exactly the count paid passes; one below fails under R14."""
    contract(ledger, max_count=5)
    run(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", count=2))
    reject(ledger, variation_cmd("D1", "V1", elements=[
        {"name": "fee"}, {"name": "result", "outcome": {"max_count": 1}}]),
        rule="R14", code="max_count_below_paid", field="elements")
    run(ledger, variation_cmd("D1", "V2", elements=[
        {"name": "fee"}, {"name": "result", "outcome": {"max_count": 2}}]))
    assert decision(ledger).elements["result"].outcome.max_count == 2  # type: ignore[union-attr]


def test_r32_measure_and_price_never_change(ledger: LedgerApplication) -> None:
    """R32: a variation may not give an outcome element a new price or measure, nor a cost;
    repeating the current price changes nothing and is fine."""
    contract(ledger)
    reject(ledger, variation_cmd("D1", "V1", elements=[
        {"name": "fee"},
        {"name": "result", "outcome": {"max_count": 5, "price": "120.00"}}]),
        rule="R32", code="outcome_terms_fixed", field="elements.1.outcome.price")
    reject(ledger, variation_cmd("D1", "V1", elements=[
        {"name": "fee"},
        {"name": "result", "outcome": {"max_count": 5, "measure": "Something else"}}]),
        rule="R32", code="outcome_terms_fixed")
    reject(ledger, variation_cmd("D1", "V1", elements=[
        {"name": "fee"}, {"name": "result", "cost": total("600.00")}]),
        rule="R32", code="outcome_element_cost")
    run(ledger, variation_cmd("D1", "V1", elements=[
        {"name": "fee"}, {"name": "result", "outcome": {"max_count": 4, "price": "100.00"}}]))
    assert decision(ledger).elements["result"].cost == Money.parse("400.00")


def test_r32_only_an_outcome_element_has_a_max_count(ledger: LedgerApplication) -> None:
    """R32: a cost element cannot be given a max_count."""
    contract(ledger)
    reject(ledger, variation_cmd("D1", "V1", elements=[
        {"name": "fee", "outcome": {"max_count": 3}}, {"name": "result"}]),
        rule="R32", code="not_an_outcome_element")


def test_r32_a_variation_may_add_an_outcome_element(ledger: LedgerApplication) -> None:
    """R32, R12: a new name with a whole outcome adds an outcome element; without its measure
    and price it is incomplete."""
    contract(ledger)
    reject(ledger, variation_cmd("D1", "V1", elements=[
        {"name": "fee"}, {"name": "result"},
        {"name": "housed", "outcome": {"max_count": 2}, "funding": {"ASC": "100"}}]),
        rule="R12", code="new_element_incomplete")
    run(ledger, variation_cmd("D1", "V1", elements=[
        {"name": "fee"}, {"name": "result"},
        outcome_element("housed", "50.00", 2, {"ASC": "100"}, measure="Housed for 6 months")]))
    d = approve_variation_all(ledger, "D1", "V1")
    assert d.elements["housed"].cost == Money.parse("100.00")
    run(ledger, outcome_cmd("D1", "housed", "OUT-1", "EV-1"))
    assert figure(ledger, "contingent") == money(ASC="50.00", CFS="300.00", ICB="200.00")


def test_r32_a_variation_may_change_an_outcome_elements_split(ledger: LedgerApplication) -> None:
    """R32, R12, R33: a new split applies to outcomes achieved on or after its effective date."""
    contract(ledger, planned_end="2026-12-31")
    run(ledger, variation_cmd("D1", "V1", effective_from="2026-06-01", elements=[
        {"name": "fee"}, {"name": "result", "funding": {"CFS": "100"}}]))
    approve_variation_all(ledger, "D1", "V1")
    at = "2026-07-01T10:00:00"
    run(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", "2026-05-31", at=at),
        use_command_time=True)
    run(ledger, outcome_cmd("D1", "result", "OUT-2", "EV-2", "2026-06-01", at=at),
        use_command_time=True)
    assert parts(spend_funding(ledger, "D1", "OUT-1")) == {"CFS": "60.00", "ICB": "40.00"}
    assert parts(spend_funding(ledger, "D1", "OUT-2")) == {"CFS": "100.00"}


# -- R33: recording an outcome -----------------------------------------------------------------


def test_r33_an_outcome_is_paid_as_spend_by_its_elements_split(ledger: LedgerApplication) -> None:
    """R33: price x count, allocated by the element's funding and responsibility splits; it
    is spend in the shares report and in the cost shift."""
    contract(ledger)
    result = run(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", count=3))
    assert result.events == ["OutcomeRecorded"]
    spend = decision(ledger).spends["OUT-1"]
    assert (spend.amount, spend.count, spend.evidence_ref) == (Decimal("300.00"), 3, "EV-1")
    assert parts(spend_funding(ledger, "D1", "OUT-1")) == {"CFS": "180.00", "ICB": "120.00"}
    assert parts(spend_responsibility(ledger, "D1", "OUT-1")) == {"CFS": "300.00"}
    assert figure(ledger, "spent") == money(ASC="0.00", CFS="180.00", ICB="120.00")


def test_r33_count_defaults_to_one(ledger: LedgerApplication) -> None:
    """R33: without a count one outcome is paid."""
    contract(ledger)
    run(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1"))
    assert decision(ledger).elements["result"].count_paid == 1


def test_r33_count_is_a_whole_number_of_at_least_one() -> None:
    """R33 (shape): count 0, a fraction or a string is not a count."""
    for bad in (0, 2.5, "2", False):
        invalid(outcome_cmd("D1", "result", "OUT-1", "EV-1", count=bad),  # type: ignore[arg-type]
                rule=None, field="count")


def test_r33_the_count_may_reach_max_count_and_no_further(ledger: LedgerApplication) -> None:
    """R33: paid net of reversals up to exactly max_count passes; one more fails, naming the
    count paid and the maximum."""
    contract(ledger, max_count=5)
    run(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", count=4))
    error = reject(ledger, outcome_cmd("D1", "result", "OUT-2", "EV-2", count=2), rule="R33",
                   code="outcome_count_exceeded", field="count")
    assert "4 paid" in error.message and "maximum of 5" in error.message
    run(ledger, outcome_cmd("D1", "result", "OUT-2", "EV-2"))
    reject(ledger, outcome_cmd("D1", "result", "OUT-3", "EV-3"), rule="R33",
           code="outcome_count_exceeded")


def test_r33_a_reversal_frees_its_count_but_never_its_evidence(ledger: LedgerApplication) -> None:
    """R33, R16: reversing an outcome payment frees its count; its evidence reference, like its
    invoice reference (R13), is never used again."""
    contract(ledger, max_count=2)
    run(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", count=2))
    reject(ledger, outcome_cmd("D1", "result", "OUT-2", "EV-2"), rule="R33",
           code="outcome_count_exceeded")
    run(ledger, reverse_cmd("OUT-1", reason="Outcome later disproved"))
    assert decision(ledger).elements["result"].count_paid == 0
    reject(ledger, outcome_cmd("D1", "result", "OUT-2", "EV-1"), rule="R33",
           code="evidence_ref_reused", field="evidence_ref")
    reject(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-2"), rule="R13",
           code="invoice_ref_reused", field="invoice_ref")
    run(ledger, outcome_cmd("D1", "result", "OUT-2", "EV-2", count=2))
    assert figure(ledger, "spent") == money(ASC="0.00", CFS="120.00", ICB="80.00")


def test_r33_evidence_is_compared_as_invoice_references_are(ledger: LedgerApplication) -> None:
    """R33, R13: `ev-01`, `EV_1` and `EV-1.` are one evidence reference, in any decision of the
    pool."""
    contract(ledger)
    contract(ledger, "D2", pool_exists=True)
    run(ledger, outcome_cmd("D1", "result", "OUT-1", "ev-01"))
    for spelling in ("EV_1", "EV-1.", "ev-0001"):
        reject(ledger, outcome_cmd("D2", "result", "OUT-2", spelling), rule="R33",
               code="evidence_ref_reused")
    run(ledger, outcome_cmd("D2", "result", "OUT-2", "EV-10"))


def test_r33_an_invoice_reference_used_by_a_spend_is_not_reused(ledger: LedgerApplication) -> None:
    """R33 with R13: an outcome's invoice reference is unique with the spends' ones; the
    reuse is reported under R13 even when the count is also too high."""
    contract(ledger, max_count=1)
    run(ledger, spend_cmd("D1", "INV-1", "10.00", element="fee"))
    reject(ledger, outcome_cmd("D1", "result", "INV-1", "EV-1", count=2), rule="R13",
           code="invoice_ref_reused")


def test_r33_achieved_on_from_the_decisions_start(ledger: LedgerApplication) -> None:
    """R33: achieved on the decision's start passes; a day before fails."""
    contract(ledger, start="2026-05-01")
    at = "2026-06-01T10:00:00"
    reject(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", "2026-04-30", at=at),
           rule="R33", code="achieved_before_start", field="achieved_on", use_command_time=True)
    run(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", "2026-05-01", at=at),
        use_command_time=True)


def test_r33_achieved_on_not_after_the_recording_date(ledger: LedgerApplication) -> None:
    """R33: achieved on the day it is recorded passes; the day after fails."""
    contract(ledger)
    at = "2026-06-01T23:59:00"
    reject(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", "2026-06-02", at=at),
           rule="R33", code="achieved_after_recording", use_command_time=True)
    run(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", "2026-06-01", at=at),
        use_command_time=True)


def test_r33_achieved_on_may_be_after_the_planned_end(ledger: LedgerApplication) -> None:
    """R33: an outcome is often achieved after the service (no reoffence in 12 months): only
    an actual end, and the year's end, bound it."""
    contract(ledger, planned_end="2026-06-30")
    run(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", "2026-08-01",
                            at="2026-08-02T10:00:00"), use_command_time=True)


def test_r33_achieved_on_not_after_an_actual_end(ledger: LedgerApplication) -> None:
    """R33: once ended, an outcome achieved on the end date passes, one the day after fails."""
    contract(ledger, planned_end="2026-09-30")
    run(ledger, end_cmd("D1", "2026-06-30"))
    at = "2026-08-01T10:00:00"
    reject(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", "2026-07-01", at=at),
           rule="R33", code="achieved_after_end", use_command_time=True)
    run(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", "2026-06-30", at=at),
        use_command_time=True)


def test_r33_achieved_on_not_after_the_end_of_the_year(ledger: LedgerApplication) -> None:
    """R33: the year's last day passes; the next day (recorded later still) fails."""
    contract(ledger, planned_end="2027-03-31")
    at = "2027-04-02T10:00:00"
    reject(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", "2027-04-01", at=at),
           rule="R33", code="achieved_after_year", use_command_time=True)
    run(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", "2027-03-31", at=at),
        use_command_time=True)


def test_r33_outcomes_are_paid_on_an_approved_decisions_outcome_elements(
        ledger: LedgerApplication) -> None:
    """R33: not on a proposed or unknown decision, an unknown element, or a cost element."""
    setup_pool(ledger, THREE)
    run(ledger, propose_cmd("D1", elements=[outcome_element("result", "10.00", 3,
                                                            {"ICB": "100"})]))
    reject(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1"), rule="R33",
           code="decision_not_approved")
    reject(ledger, outcome_cmd("D9", "result", "OUT-1", "EV-1"), rule="R33",
           code="decision_not_found")
    contract(ledger, "D2", pool_exists=True)
    reject(ledger, outcome_cmd("D2", "nothing", "OUT-1", "EV-1"), rule="R33",
           code="element_not_found", field="element")
    reject(ledger, outcome_cmd("D2", "fee", "OUT-1", "EV-1"), rule="R33",
           code="not_an_outcome_element", field="element")


def test_r33_record_spend_cannot_name_an_outcome_element(ledger: LedgerApplication) -> None:
    """R33: an outcome element is paid only by RecordOutcome."""
    contract(ledger)
    reject(ledger, spend_cmd("D1", "INV-1", "100.00", element="result"), rule="R33",
           code="outcome_element_needs_outcome", field="element")


def test_r33_spend_naming_no_element_falls_on_cost_elements_only(
        ledger: LedgerApplication) -> None:
    """R33, R14: apportioned among the cost elements alone, up to their remaining cost."""
    contract(ledger)
    run(ledger, spend_cmd("D1", "INV-1", "400.00"))
    d = decision(ledger)
    assert (d.elements["fee"].spent, d.elements["result"].spent) == (400, 0)
    assert parts(spend_funding(ledger, "D1", "INV-1")) == {"ASC": "200.00", "CFS": "200.00"}
    reject(ledger, spend_cmd("D1", "INV-2", "600.01"), rule="R14",
           code="spend_exceeds_cost_elements", field="amount")
    run(ledger, spend_cmd("D1", "INV-2", "600.00"))


def test_r33_spend_naming_no_element_fails_on_an_outcomes_only_decision(
        ledger: LedgerApplication) -> None:
    """R33: a decision of outcome elements alone takes no RecordSpend without an element."""
    contract(ledger, with_fee=False)
    reject(ledger, spend_cmd("D1", "INV-1", "100.00"), rule="R33",
           code="decision_has_only_outcomes")


def test_r33_only_a_pool_manager_of_the_host_records_outcomes(ledger: LedgerApplication) -> None:
    """R26 before R33: a budget holder cannot record an outcome payment."""
    contract(ledger)
    reject(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", actor=bh("CFS")), rule="R26")


def test_r33_nothing_is_paid_in_a_closed_year(ledger: LedgerApplication) -> None:
    """R17 before R33: after the close no outcome is recorded, even one that is otherwise bad."""
    contract(ledger)
    run(ledger, close_cmd())
    reject(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", count=99), rule="R17")


# -- R34: contingent commitment ----------------------------------------------------------------


def test_r34_outcome_elements_are_contingent_never_committed(ledger: LedgerApplication) -> None:
    """R34, R11, R19: the cost element is committed; the outcome element's remaining exposure
    is contingent; available takes off both; the forecast counts firm commitment only."""
    contract(ledger, max_count=5)  # fee 1000 ASC/CFS 50/50; result 5 x 100 CFS/ICB 60/40
    run(ledger, outcome_cmd("D1", "result", "OUT-1", "EV-1", count=2))
    rows = shares_by_partner(ledger)
    assert {c: r["committed"] for c, r in rows.items()} == {
        "ASC": "500.00", "CFS": "500.00", "ICB": "0.00"}
    assert {c: r["contingent"] for c, r in rows.items()} == {
        "ASC": "0.00", "CFS": "180.00", "ICB": "120.00"}
    assert {c: r["available"] for c, r in rows.items()} == {  # 100000 agreed each
        "ASC": "99500.00", "CFS": "99200.00", "ICB": "99800.00"}
    assert {c: r["forecast"] for c, r in rows.items()} == {
        "ASC": "500.00", "CFS": "620.00", "ICB": "80.00"}
    projected = risk_share(ledger)
    assert projected.outturn == "-298800.00"  # spent 200 + committed 1000 - agreed 300000


def test_r34_held_by_the_latest_approved_split_rounded_once_per_decision(
        ledger: LedgerApplication) -> None:
    """R34, R4: the exposure of all a decision's outcome elements is divided exactly and
    rounded once: two 1p outcomes split 50/50 give each partner 1p, where rounding each
    element apart would give ASC both."""
    setup_pool(ledger, ("ASC", "CFS"))
    approved_decision(ledger, elements=[
        outcome_element("a", "0.01", 1, {"ASC": "50", "CFS": "50"}),
        outcome_element("b", "0.01", 1, {"ASC": "50", "CFS": "50"})])
    assert figure(ledger, "contingent") == money(ASC="0.01", CFS="0.01")


def test_r34_a_variations_split_holds_the_exposure_at_once(ledger: LedgerApplication) -> None:
    """R34 as R11: the latest approved split holds it, even from a future effective date."""
    contract(ledger, planned_end="2026-12-31")
    run(ledger, variation_cmd("D1", "V1", effective_from="2026-12-01", elements=[
        {"name": "fee"}, {"name": "result", "funding": {"ICB": "100"}}]))
    approve_variation_all(ledger, "D1", "V1")
    assert figure(ledger, "contingent") == money(ASC="0.00", CFS="0.00", ICB="500.00")


def test_r34_ended_decisions_and_closed_years_hold_none(ledger: LedgerApplication) -> None:
    """R34: an ended decision's exposure is released; a closed year's lapses."""
    contract(ledger, "D1")
    contract(ledger, "D2", pool_exists=True)
    assert figure(ledger, "contingent") == money(ASC="0.00", CFS="600.00", ICB="400.00")
    run(ledger, end_cmd("D1", "2026-06-30"))
    assert figure(ledger, "contingent") == money(ASC="0.00", CFS="300.00", ICB="200.00")
    run(ledger, close_cmd())
    assert figure(ledger, "contingent") == money(ASC="0.00", CFS="0.00", ICB="0.00")


def test_r34_nothing_is_contingent_before_approval(ledger: LedgerApplication) -> None:
    """R34 as R11: a proposed decision holds no exposure."""
    setup_pool(ledger, THREE)
    run(ledger, propose_cmd("D1", elements=[outcome_element("r", "10.00", 3, {"ICB": "100"})]))
    assert figure(ledger, "contingent") == money(ASC="0.00", CFS="0.00", ICB="0.00")


def test_r32_a_one_element_decision_may_be_an_outcome(ledger: LedgerApplication) -> None:
    """R32, R9: the one-element form takes an `outcome` in place of a `cost` (element `main`)."""
    setup_pool(ledger, THREE)
    cmd = propose_cmd("D1", funding={"ICB": "100"})
    del cmd["cost"]
    cmd["outcome"] = {"measure": "In work for 6 months", "price": "1500.00", "max_count": 10}
    run(ledger, cmd)
    main = decision(ledger).elements["main"]
    assert (main.cost, main.outcome.max_count) == (Money.parse("15000.00"), 10)  # type: ignore[union-attr]
    invalid(cmd | {"cost": total("10.00")}, rule=None)


def test_r25_receipts_of_cost_element_commands_are_unchanged() -> None:
    """R25: a decision of cost elements digests to the bytes it did before outcome elements
    existed (the digest below was computed before), so resending an old feed is a duplicate."""
    from pooledbudget import parse_command

    cmd = {"command": "ProposeDecision",
           "actor": {"id": "a", "partner": "ASC", "role": "pool_manager"}, "pool_id": "P",
           "decision_id": "D", "year": "2026-27", "case_ref": "CASE-1", "category": "x",
           "start": "2026-04-01", "planned_end": "2026-05-01",
           "elements": [{"name": "a", "cost": {"total": "10.00"}, "funding": {"ASC": "100"}}]}
    assert parse_command(cmd).content_digest() == (
        "794cb9d77f180c4fadc260f90f87ca82246270ae2b4f2eec45bcdade58e21c02")


def test_r35_outcomes_report_shows_typed_text_as_typed(ledger: LedgerApplication) -> None:
    """R35: the report as a table shows a measure as typed (never as markup) and as CSV never
    lets a spreadsheet read it as a formula."""
    import io

    from rich.console import Console

    from pooledbudget import reports
    from pooledbudget.reports.render import to_csv, to_table

    setup_pool(ledger, THREE)
    approved_decision(ledger, elements=[outcome_element(
        "result", "10.00", 2, {"ICB": "100"}, measure="=SUM(A1) [bold]housed[/bold]")])
    report = reports.outcomes(ledger, "P", "2026-27")
    assert report.outcomes[0].measure == "=SUM(A1) [bold]housed[/bold]"
    assert "'=SUM(A1) [bold]housed[/bold]" in to_csv(report)
    out = io.StringIO()
    Console(file=out, width=300).print(to_table(report))
    assert "[bold]housed[/bold]" in out.getvalue()
