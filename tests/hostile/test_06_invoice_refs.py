"""Finding 6: the same invoice paid five times (`INV-1`, `inv-1`, `INV-01`, `INV-1.`, `INV_1`).

R13 as amended: two references are the same when equal after upper-casing, dropping every
character but A-Z and 0-9, and dropping the leading zeros of each run of digits. A reference
claimed before the amendment (keyed by its raw text) blocks its other spellings after it.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.audit.verify import verify
from pooledbudget.references import reference_key
from tests.conftest import FakeClock
from tests.unit.helpers import (
    approve_cmd,
    approved_decision,
    establish_cmd,
    pledge_cmd,
    propose_cmd,
    reject,
    reverse_cmd,
    run,
    setup_pool,
    spend_cmd,
)
from tests.unit.support import in_pool

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "existing_ledger.db"
SPELLINGS = ["inv-1", "INV-01", "INV-1.", "INV_1", "Inv-001", "INV1", "inv.1", "I-N-V-0-1"]


@pytest.mark.parametrize(("ref", "key"), [
    ("INV-1", "INV1"), ("inv-01", "INV1"), ("INV_1", "INV1"), ("INV-1.", "INV1"),
    ("INV-A-00", "INVA0"), ("INV-10", "INV10"), ("2026/0100-7", "202601007"),
    ("INV-1-01", "INV101"), ("x", "X"), ("007", "7"), ("A0B00C000", "A0B0C0"),
])
def test_reference_key(ref: str, key: str) -> None:
    assert reference_key(ref) == key


@given(st.text(alphabet="AaBb01_-./ 9", max_size=20))
def test_the_key_of_a_key_is_itself(ref: str) -> None:
    """The key is a fixed point (normalising twice changes nothing), and references differing
    only in case, punctuation or leading zeros share it."""
    key = reference_key(ref)
    assert reference_key(key) == key
    assert reference_key(ref.lower().replace("-", "_")) == key
    if ref[:1].isdigit():
        assert reference_key("0" + ref) == key


def test_other_spellings_of_a_recorded_invoice_are_refused(ledger: LedgerApplication) -> None:
    """Finding 6: after `INV-1`, each other spelling fails under R13 (invoice_ref_reused), naming
    the field and the reference recorded earlier; nothing is written."""
    setup_pool(ledger)
    approved_decision(ledger, cost={"total": "9000.00"})
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    for ref in SPELLINGS:
        error = reject(ledger, spend_cmd("D1", ref, "100.00"), rule="R13",
                       code="invoice_ref_reused", field="invoice_ref")
        assert "INV-1" in error.message and ref in error.message


def test_a_reversed_reference_stays_taken_in_every_spelling(ledger: LedgerApplication) -> None:
    setup_pool(ledger)
    approved_decision(ledger, cost={"total": "9000.00"})
    run(ledger, spend_cmd("D1", "INV-7", "100.00"))
    run(ledger, reverse_cmd("inv-007"))  # found by its key
    reject(ledger, reverse_cmd("INV_7"), rule="R16", code="spend_already_reversed")
    reject(ledger, spend_cmd("D1", "inv.7", "100.00"), rule="R13", code="invoice_ref_reused")


def test_a_spend_in_a_group_blocks_its_spellings_in_the_same_group(
    ledger: LedgerApplication,
) -> None:
    """`execute_many` decides a batch together: the second spelling must see the first's claim."""
    from pooledbudget import parse_command

    setup_pool(ledger)
    approved_decision(ledger, cost={"total": "9000.00"})
    outcomes = ledger.execute_many([parse_command(spend_cmd("D1", ref, "10.00"))
                                    for ref in ["INV-9", "inv-09", "INV-10", "INV_9."]])
    assert [getattr(o, "code", "ok") for o in outcomes] == [
        "ok", "invoice_ref_reused", "ok", "invoice_ref_reused"]


def test_a_reference_is_unique_within_its_pool_only(ledger: LedgerApplication) -> None:
    setup_pool(ledger)
    approved_decision(ledger, cost={"total": "9000.00"})
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    run(ledger, {**establish_cmd(pool_id="Q")})
    run(ledger, in_pool(pledge_cmd("ASC", "500.00"), "Q"))
    run(ledger, in_pool(propose_cmd("D1", funding={"ASC": "100"}), "Q"))
    run(ledger, in_pool(approve_cmd("D1", "ASC"), "Q"))
    run(ledger, in_pool(spend_cmd("D1", "inv-01", "100.00"), "Q"))
    reject(ledger, in_pool(spend_cmd("D1", "INV_1", "100.00"), "Q"), rule="R13",
           code="invoice_ref_reused")


def record_legacy_spend(ledger: LedgerApplication, ref: str, amount: str, at: datetime) -> None:
    """A spend as the code before R13's amendment recorded it: the claim keyed by raw text."""
    from pooledbudget.aggregates import InvoiceRef
    from pooledbudget.money import Money

    decision = ledger.decision("P", "D1")
    pool = ledger.pool("P")
    actor: Any = {"id": "pm-asc", "partner": "ASC", "role": "pool_manager"}
    decision.record_spend(invoice_ref=ref, amount=Money.parse(amount),
                          service_date=datetime(2026, 5, 1).date(), element=None, supplier=None,
                          order=pool.partner_order, actor=actor, at=at)
    ledger.save(decision, InvoiceRef.register("P", ref, "D1", actor, at))


def test_claims_recorded_before_the_amendment_block_other_spellings(
    ledger: LedgerApplication, clock: FakeClock,
) -> None:
    """An `INV-1` claimed under the old rule (raw key) blocks `inv-1` after the change, and
    ReverseSpend by another spelling finds it; the log still verifies."""
    setup_pool(ledger)
    approved_decision(ledger, cost={"total": "9000.00"})
    record_legacy_spend(ledger, "INV-1", "100.00", clock())
    record_legacy_spend(ledger, "INV-2", "100.00", clock())
    for ref in SPELLINGS:
        error = reject(ledger, spend_cmd("D1", ref, "100.00"), rule="R13",
                       code="invoice_ref_reused", field="invoice_ref")
        assert "INV-1" in error.message
    run(ledger, reverse_cmd("inv-02"))
    reject(ledger, spend_cmd("D1", "INV_2", "100.00"), rule="R13", code="invoice_ref_reused")
    run(ledger, spend_cmd("D1", "INV-3", "100.00"))
    assert verify(ledger).ok


@pytest.fixture
def old_ledger(tmp_path: Path) -> Any:
    """A copy of the ledger written before the change (tests/fixtures), its clock after it."""
    target = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, target)
    app = open_ledger(f"sqlite:///{target}", clock=FakeClock(datetime(2027, 6, 1, tzinfo=UTC)))
    yield app
    app.close()


def leg(command: dict[str, Any]) -> dict[str, Any]:
    return {**command, "pool_id": "LEG", "decision_id": "LEG-1"} if "decision_id" in command \
        else {**command, "pool_id": "LEG"}


def test_the_existing_ledger_refuses_new_spellings_of_its_old_references(old_ledger: Any) -> None:
    """In the fixture's pool LEG: `INV-1` (recorded), `INV-2` (reversed), `INV-0003`, `INV-4`
    and `inv-4` (both kept) were claimed by raw text; every other spelling is now refused."""
    for ref, earlier in [("inv-1", "INV-1"), ("INV-01", "INV-1"), ("INV_1", "INV-1"),
                         ("INV-1.", "INV-1"), ("inv-02", "INV-2"), ("INV-3", "INV-0003"),
                         ("INV-004", "INV-4")]:
        error = reject(old_ledger, leg(spend_cmd("LEG-1", ref, "10.00", "2027-05-10")),
                       rule="R13", code="invoice_ref_reused", field="invoice_ref")
        assert earlier in error.message, error.message
    run(old_ledger, leg(spend_cmd("LEG-1", "INV-5", "10.00", "2027-05-10")))
    reject(old_ledger, leg(spend_cmd("LEG-1", "inv-05", "10.00", "2027-05-10")),
           rule="R13", code="invoice_ref_reused")
    assert verify(old_ledger).ok


def test_the_existing_ledger_reverses_old_spend_by_any_spelling(old_ledger: Any) -> None:
    """A reversal names its spend by any spelling; where two old spellings were both recorded
    (`INV-4`, `inv-4`), the exact one is reversed."""
    run(old_ledger, leg(reverse_cmd("inv-0001")))
    reject(old_ledger, leg(reverse_cmd("INV-1")), rule="R16", code="spend_already_reversed")
    reject(old_ledger, leg(reverse_cmd("inv_2")), rule="R16", code="spend_already_reversed")
    run(old_ledger, leg(reverse_cmd("inv-4")))
    run(old_ledger, leg(reverse_cmd("INV-4")))
    reject(old_ledger, leg(reverse_cmd("INV-04")), rule="R16", code="spend_already_reversed")
    decision = old_ledger.decision("LEG", "LEG-1")
    assert {ref for ref, s in decision.spends.items() if s.reversed} == {
        "INV-1", "INV-2", "INV-4", "inv-4"}
    assert verify(old_ledger).ok


def test_possible_duplicates_lists_one_supplier_amount_and_date_under_several_references(
    ledger: LedgerApplication,
) -> None:
    """For the finance team: not reversed, same supplier (ignoring case and spacing), same
    amount and service date, different references; other spends are left out."""
    from pooledbudget import reports

    setup_pool(ledger)
    approved_decision(ledger, cost={"total": "9000.00"})
    approved_decision(ledger, "D2", cost={"total": "9000.00"})

    def spend(decision: str, ref: str, amount: str, day: str, supplier: str) -> None:
        run(ledger, {**spend_cmd(decision, ref, amount, day), "supplier": supplier})

    spend("D1", "INV-100", "750.00", "2026-05-02", "Trevi House")
    spend("D2", "100-INV", "750.00", "2026-05-02", "trevi  HOUSE")  # another decision too
    spend("D1", "INV-101", "750.00", "2026-05-02", "Phoenix Futures")  # another supplier
    spend("D1", "INV-102", "750.00", "2026-05-03", "Trevi House")  # another day
    spend("D1", "INV-103", "751.00", "2026-05-02", "Trevi House")  # another amount
    spend("D1", "INV-200", "90.00", "2026-06-01", "Change Grow Live")
    spend("D1", "INV-201", "90.00", "2026-06-01", "Change Grow Live")
    run(ledger, reverse_cmd("INV-201"))  # reversed: no longer paid twice
    run(ledger, spend_cmd("D1", "INV-300", "5.00"))  # no supplier recorded
    run(ledger, spend_cmd("D1", "INV-301", "5.00"))
    report = reports.possible_duplicates(ledger, "P")
    assert [(g.supplier, g.amount, g.service_date, g.total, g.same_reference,
             [s.invoice_ref for s in g.spends]) for g in report.groups] == [
        ("Trevi House", "750.00", "2026-05-02", "1500.00", False, ["INV-100", "100-INV"])]
    assert [s.decision_id for s in report.groups[0].spends] == ["D1", "D2"]
    assert reports.possible_duplicates(ledger, "P", "2027-28").groups == []


def test_possible_duplicates_from_the_cli_on_the_existing_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """The fixture's INV-0003/INV-3B (Trevi House) and INV-4/inv-4 (the same reference, both
    accepted before R13 was amended) in JSON, CSV and a table; exit 0."""
    import csv
    import io
    import json

    from pooledbudget.cli import main

    target = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, target)
    db = f"sqlite:///{target}"
    assert main(["report", "possible-duplicates", "--pool", "LEG", "--db", db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(g["supplier"], g["same_reference"], [s["invoice_ref"] for s in g["spends"]])
            for g in data["groups"]] == [("Change Grow Live", True, ["INV-4", "inv-4"]),
                                         ("Trevi House", False, ["INV-0003", "INV-3B"])]
    assert data["groups"][0]["spends"][0]["recorded_at"] == "2027-05-04T10:25:00+00:00"
    assert main(["report", "possible-duplicates", "--pool", "LEG", "--year", "2027-28",
                 "--db", db, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["group"], r["invoice_ref"], r["amount"]) for r in rows] == [
        ("1", "INV-4", "500.00"), ("1", "inv-4", "500.00"),
        ("2", "INV-0003", "750.00"), ("2", "INV-3B", "750.00")]
    assert main(["report", "possible-duplicates", "--pool", "FRP", "--db", db,
                 "--format", "table"]) == 0
    assert "0 group(s)" in capsys.readouterr().out


def test_an_outcome_payment_claims_its_invoice_by_key_too(ledger: LedgerApplication) -> None:
    """R33 with R13: an outcome's invoice reference is the same as a spend's in any spelling,
    both ways; a reversal finds an outcome payment by another spelling; an individual's outcome
    payment carries the flag."""
    from tests.unit.outcome_helpers import contract, outcome_cmd

    contract(ledger, max_count=5)
    run(ledger, spend_cmd("D1", "INV-1", "10.00", element="fee"))
    reject(ledger, outcome_cmd("D1", "result", "inv-01", "EV-1"), rule="R13",
           code="invoice_ref_reused", field="invoice_ref")
    run(ledger, {**outcome_cmd("D1", "result", "OUT-7", "EV-7"),
                 "supplier": "Shared lives carer", "supplier_is_individual": True})
    reject(ledger, spend_cmd("D1", "out_007", "10.00", element="fee"), rule="R13",
           code="invoice_ref_reused")
    run(ledger, reverse_cmd("OUT-07"))
    recorded = [e for e in ledger.events.get(ledger.decision("P", "D1").id)
                if type(e).__name__ == "OutcomeRecorded"]
    assert [(e.invoice_ref, e.supplier_is_individual) for e in recorded] == [("OUT-7", True)]
    assert verify(ledger).ok
