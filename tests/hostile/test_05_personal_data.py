"""Finding 5: personal data got through into events and the published transparency file.

R9 now covers every field of every command: free text, names (pool, partner, supplier, element,
category, reasons) and identifiers alike, compared after Unicode NFKC normalisation. Such a field
fails with code `personal_data` under R9 among the shape checks (before R25), and nothing is
written. A supplier who is a private individual is recorded by a description and marked
`supplier_is_individual`; the transparency export then shows "Redacted personal data".
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from copy import deepcopy
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from pooledbudget import InvalidCommandError, parse_command
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.audit.verify import verify
from pooledbudget.exports import transparency_csv
from pooledbudget.personal_data import find_personal_data, find_personal_data_in_identifier
from tests.conftest import FakeClock
from tests.unit.helpers import (
    approve_cmd,
    approved_decision,
    bh,
    decline_cmd,
    element,
    end_cmd,
    establish_cmd,
    join_cmd,
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
    written,
)

HERE = Path(__file__).resolve().parent
CORPUS = json.loads((HERE / "personal_data_corpus.json").read_text(encoding="utf-8"))
RECORDED_ON = date(2026, 12, 5)  # the corpus's dates of birth are judged from this day
FIXTURE = HERE.parent / "fixtures" / "existing_ledger.db"


def _id(case: dict[str, Any]) -> str:
    return f"{case['field']}:{case['text']}"


def test_the_corpus_is_large_and_balanced() -> None:
    """At least 100 cases, both ways, and every kind the attack found among them."""
    assert len(CORPUS) >= 100
    found = {c["found"] for c in CORPUS if c["personal"]}
    assert found == {"a person's name", "a date of birth", "an NHS number", "an email address",
                     "a National Insurance number", "a phone number", "a postcode",
                     "a street address"}
    assert sum(not c["personal"] for c in CORPUS) >= 40


@pytest.mark.parametrize("case", CORPUS, ids=_id)
def test_the_corpus(case: dict[str, Any]) -> None:
    """Each case is recognised as exactly what it holds, or passes (organisations, ordinary
    dates, finance text, the identifiers of the worked scenarios)."""
    find = find_personal_data if case["field"] == "text" else find_personal_data_in_identifier
    assert find(case["text"], RECORDED_ON) == case["found"]


def _rejected(command: dict[str, Any], field: str) -> InvalidCommandError:
    with pytest.raises(InvalidCommandError) as info:
        parse_command(command)
    error = info.value
    assert (error.code, error.rule, error.field) == ("personal_data", "R9", field), error.as_dict()
    return error


def _with(command: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = deepcopy(command)
    *parents, last = path.split(".")
    target: Any = changed
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return changed


SPEND = {**spend_cmd("D1", "INV-1", "10.00"), "supplier": "Phoenix Futures", "element": "main"}
EVERY_FIELD = [  # (command, field path, a value of the field's shape holding personal data)
    (establish_cmd(), "name", "Jane Smith's pool"),
    (establish_cmd(), "pool_id", "jane.smith-1988-04-03"),
    (establish_cmd(), "partners.0.name", "Mrs Jones"),
    (establish_cmd(), "partners.0.code", "QQ123456C"),
    (join_cmd("ICB", "2026-27"), "partner.name", "jane@localhost"),
    (pledge_cmd("ASC", "10.00"), "actor.id", "jane.smith-1988-04-03"),
    (pledge_cmd("ASC", "10.00"), "command_id", "9434765919"),
    (vary_cmd("ASC", "10.00"), "reason", "agreed with Mr Patel on 07700 900123"),
    (receive_cmd("ASC", "10.00"), "reference", "QQ123456C"),
    (propose_cmd(), "case_ref", "SMITH-JANE-19880403"),
    (propose_cmd(), "case_ref", "9434765919"),
    (propose_cmd(), "case_ref", "QQ123456C"),
    (propose_cmd(), "category", "placement for jane smith"),
    (propose_cmd(), "decision_id", "jane.smith-1988-04-03"),
    (propose_cmd(elements=[element("main", total("10.00"), {"ASC": "100"})]),
     "elements.0.name", "Flat 3, 12 Acacia Avenue"),
    (decline_cmd("D1", "ASC"), "reason", "born 03/04/88"),
    (variation_cmd("D1", "V1", planned_end="2026-09-01"), "variation_id", "QQ123456C"),
    (variation_cmd("D1", "V1", planned_end="2026-09-01"), "reason", "moved to M1 1AE"),
    (end_cmd("D1", "2026-06-01"), "reason", "NHS 943.476.5919 discharged"),
    (SPEND, "supplier", "Jane Smith"),
    (SPEND, "supplier", "ＪＡＮＥ ＳＭＩＴＨ"),
    (SPEND, "element", "Miss Taylor"),
    (SPEND, "invoice_ref", "jane.smith-1988-04-03"),
    (reverse_cmd("INV-1"), "reason", "3rd April 1988"),
]


@pytest.mark.parametrize(("command", "path", "value"), EVERY_FIELD,
                         ids=[f"{c['command']}.{p}" for c, p, _ in EVERY_FIELD])
def test_every_field_of_every_command_is_checked(command: dict[str, Any], path: str,
                                                 value: str) -> None:
    """Finding 5: pool, partner and supplier names, ids and case references were not checked."""
    parse_command(command)  # as built, the command is well formed
    _rejected(_with(command, path, value), path)


def test_a_full_date_is_judged_from_the_recording_time() -> None:
    """A date more than 16 years before the line's `at` is a date of birth; the same date in a
    line recorded (migrated) nearer to it is an ordinary date."""
    command = {**vary_cmd("ASC", "10.00", reason="contract signed 01/05/2001")}
    _rejected({**command, "at": "2026-12-01T09:00:00"}, "reason")
    parse_command({**command, "at": "2010-06-01T09:00:00"})


def test_personal_data_is_a_shape_error_judged_before_r25(ledger: LedgerApplication) -> None:
    """Resending an applied command_id with personal data in it fails under R9, not R25."""
    setup_pool(ledger)
    run(ledger, {**vary_cmd("ASC", "120000.00"), "command_id": "cmd-1"})
    with pytest.raises(InvalidCommandError) as info:
        run(ledger, {**vary_cmd("ASC", "120000.00", reason="per Mrs Jones"), "command_id": "cmd-1"})
    assert (info.value.code, info.value.rule, info.value.field) == ("personal_data", "R9", "reason")


@pytest.mark.parametrize("supplier", ["Jane Smith", "Mrs Jones", "jane@localhost",
                                      "12 Acacia Avenue", "ｊａｎｅ ｓｍｉｔｈ"])
def test_a_supplier_named_as_a_person_is_refused_and_nothing_written(
    ledger: LedgerApplication, supplier: str,
) -> None:
    setup_pool(ledger)
    approved_decision(ledger)
    before = written(ledger)
    reject(ledger, {**spend_cmd("D1", "INV-1", "10.00"), "supplier": supplier}, rule="R9",
           code="personal_data", field="supplier")
    assert written(ledger) == before


def _transparency(ledger: LedgerApplication, quarter: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(transparency_csv(ledger, "P", quarter))))


def test_an_individual_supplier_is_redacted_in_the_transparency_export(
    ledger: LedgerApplication,
) -> None:
    """A foster carer is recorded by a description, flagged in the event, and published as
    "Redacted personal data" (Local Government Transparency Code); organisations are named."""
    setup_pool(ledger)
    approved_decision(ledger)
    run(ledger, {**spend_cmd("D1", "INV-1", "100.00"), "supplier": "Foster carer (weekly)",
                 "supplier_is_individual": True})
    run(ledger, {**spend_cmd("D1", "INV-2", "100.00"), "supplier": "Phoenix Futures"})
    events = [e for e in ledger.events.get(ledger.decision("P", "D1").id)
              if type(e).__name__ == "SpendRecorded"]
    assert [e.supplier_is_individual for e in events] == [True, False]
    rows = _transparency(ledger, "2026-Q2")
    assert {r["Transaction number"]: r["Beneficiary"] for r in rows} == {
        "INV-1": "Redacted personal data", "INV-2": "Phoenix Futures"}
    assert "Foster carer" not in transparency_csv(ledger, "P", "2026-Q2")
    assert verify(ledger).ok


def test_supplier_is_individual_must_be_a_boolean() -> None:
    with pytest.raises(InvalidCommandError) as info:
        parse_command({**spend_cmd("D1", "INV-1", "10.00"), "supplier_is_individual": "yes"})
    assert info.value.field == "supplier_is_individual"


def test_spend_recorded_before_the_flag_existed_reads_as_an_organisation(tmp_path: Path) -> None:
    """The fixture's spends have no `supplier_is_individual`: they read as False, its read
    models gain the column in place, the export names their suppliers, and it still verifies."""
    target = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, target)
    ledger = open_ledger(f"sqlite:///{target}", clock=FakeClock(datetime(2027, 6, 1, tzinfo=UTC)))
    try:
        rows = list(csv.DictReader(io.StringIO(transparency_csv(ledger, "LEG", "2027-Q2"))))
        assert {r["Beneficiary"] for r in rows} == {
            "Phoenix Futures", "Trevi House", "Change Grow Live"}
        run(ledger, {**spend_cmd("LEG-1", "INV-9", "10.00", "2027-05-10"), "pool_id": "LEG",
                     "supplier": "Shared lives carer", "supplier_is_individual": True})
        rows = list(csv.DictReader(io.StringIO(transparency_csv(ledger, "LEG", "2027-Q2"))))
        assert {r["Transaction number"]: r["Beneficiary"] for r in rows}["INV-9"] == \
            "Redacted personal data"
        assert verify(ledger).ok
    finally:
        ledger.close()


def test_the_budget_holders_commands_are_checked_too(ledger: LedgerApplication) -> None:
    setup_pool(ledger)
    run(ledger, propose_cmd("D1"))
    reject(ledger, {**approve_cmd("D1", "ASC"), "actor": {**bh("ASC"), "id": "jane.smith"}},
           rule="R9", code="personal_data", field="actor.id")
