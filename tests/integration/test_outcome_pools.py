"""The integration API on a pool that pays for outcomes: outcome payments are spend in the feed
and the journals, and outcome elements never accrue."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from pooledbudget import reports
from pooledbudget.journals import journals
from pooledbudget.reports.balances import month_end_balances

from .conftest import apply_scenario, months


def test_outcome_payments_are_journalled_and_outcome_elements_never_accrue(db_url: str) -> None:
    """OC-01's engagement element (£40,000 from 1 May 2026 to 31 March 2027, 335 days, 50/50
    PROB/SMS) accrues 40,000 × 61 ÷ 335 = 7,283.58 by 30 June, nothing being invoiced yet;
    its two outcome elements accrue nothing, nor does ICB, which funds only those."""
    ledger = apply_scenario(db_url, "outcomes_pool.jsonl")
    try:
        changes = list(ledger.changes())
        assert sum(c.event == "OutcomeRecorded" for c in changes) > 0
        evidence = [c for c in changes if c.event == "EvidenceRegistered"]
        assert evidence and all(c.subject == "evidence" and c.subject_id == c.fields[
            "evidence_ref"] for c in evidence)
        june = month_end_balances(ledger, "ORP", "2026-27", "2026-06")
        assert {p.partner: p.accrual for p in june.partners} == {
            "PROB": "3641.79", "SMS": "3641.79", "ICB": "0.00"}
        funded: dict[str, Decimal] = defaultdict(Decimal)
        paid = {f"spend:{c.fields['invoice_ref']}" for c in changes if c.event == "OutcomeRecorded"}
        sources = set()
        for month in months("2026-04", "2027-04"):
            for line in journals(ledger, "ORP", month):
                if line.line_type == "expenditure" and line.period == "2026-27":
                    funded[line.partner] += line.debit - line.credit
                sources.add(line.source)
        assert paid and paid <= sources  # every outcome payment is journalled as spend
        report = reports.cost_shift(ledger, "ORP", "2026-27")
        assert {code: str(value) for code, value in funded.items()} == {
            code: amount for code, amount in report.funded.items() if Decimal(amount)}
    finally:
        ledger.close()
