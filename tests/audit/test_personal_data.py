"""R9: free text (reasons, categories, element names) may not carry personal data into events."""

from __future__ import annotations

import pytest
from tests.unit.helpers import (
    approved_decision,
    decline_cmd,
    element,
    propose_cmd,
    reject,
    reverse_cmd,
    run,
    setup_pool,
    spend_cmd,
    total,
    vary_cmd,
)

from pooledbudget.application import LedgerApplication
from pooledbudget.personal_data import find_personal_data

PERSONAL = [
    ("Mrs Jones left the placement", "a person's name"),
    ("Reviewed with Dr. Patel", "a person's name"),
    ("Mother named Sarah asked to move", "a person's name"),
    ("DOB 03/04/1988 on file", "a date of birth"),
    ("Child born on 2 May; needs nursery", "a date of birth"),
    ("Identity checked: 1988-04-03", "a date of birth"),
    ("Contact jo.bloggs@example.org", "an email address"),
    ("NHS 943 476 5919 confirmed", "an NHS number"),
    ("NHS no 9434765919", "an NHS number"),
]
ORDINARY = [
    "Keyed 105,500 instead of 105,000",
    "Week-12 review: ICB withdraws dual-diagnosis funding; ASC absorbs",
    "Child to remain with kinship carer; no children's element needed",
    "Invoice 1234567890 from provider",  # ten digits failing the NHS check digit
    "Placement ended 2026-09-30 after review",
    "Non-recurrent winter funding added",
]


@pytest.mark.parametrize(("text", "kind"), PERSONAL)
def test_r9_personal_data_is_recognised(text: str, kind: str) -> None:
    assert find_personal_data(text) == kind


@pytest.mark.parametrize("text", ORDINARY)
def test_r9_ordinary_finance_text_passes(text: str) -> None:
    assert find_personal_data(text) is None


@pytest.mark.parametrize(("text", "kind"), PERSONAL)
def test_r9_a_reason_with_personal_data_is_rejected_and_nothing_written(
    ledger: LedgerApplication, text: str, kind: str
) -> None:
    """The error names the field, the rule and what was found; no event is recorded."""
    setup_pool(ledger)
    approved_decision(ledger)
    run(ledger, spend_cmd("D1", "INV-1", "100.00"))
    error = reject(ledger, reverse_cmd("INV-1", reason=text), rule="R9", code="personal_data",
                   field="reason")
    assert kind in error.message
    reject(ledger, vary_cmd("ASC", "120000.00", reason=text), rule="R9", code="personal_data",
           field="reason")


def test_r9_categories_and_element_names_are_checked(ledger: LedgerApplication) -> None:
    setup_pool(ledger)
    bad_category = propose_cmd("D2")
    bad_category["category"] = "Placement for Mrs Jones"
    reject(ledger, bad_category, rule="R9", code="personal_data", field="category")
    bad_element = propose_cmd("D3", elements=[element("Mr Smith", total("10.00"), {"ASC": "100"})])
    reject(ledger, bad_element, rule="R9", code="personal_data", field="elements.0.name")
    run(ledger, propose_cmd("D4"))
    run(ledger, decline_cmd("D4", "ASC", reason="Not eligible under the pool's criteria"))
