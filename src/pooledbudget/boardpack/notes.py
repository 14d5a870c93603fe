"""The closing note, "How these figures are made": the one place in the pack that names rules.

Board text elsewhere speaks plainly; an officer or auditor who wants the rule behind a figure
finds it here, with the rules reference it comes from.
"""

from __future__ import annotations

from html import escape

from .data import BoardPackData
from .wording import pct

RULES_REFERENCE = "docs/reference/rules.md"

NOTES = [
    ("Contribution share", "each partner's agreed contribution (its pledge as varied) divided by "
     "all partners' agreed contributions", "R8"),
    ("Spend and share of spend", "every recorded spend line, less reversals, divided between the "
     "funding partners by the split in force for the decision on the service date", "R15, R16, R19"),
    ("Commitments and forecast outturn", "forecast outturn is spend to date plus the open "
     "commitments of approved decisions; the variance is forecast outturn less the budget",
     "R17, R19"),
    ("Cost shift", "for every spend, what each partner funded against what it would have borne "
     "without the pool (each decision's responsibility split); the net shifts sum to zero", "R20"),
    ("Risk share", "the outturn (spend, plus commitments while the year is open, less agreed "
     "contributions) divided by the pool's risk-share rule; closed when the year is closed", "R18"),
    ("Approvals pending", "decisions and variations still waiting on a funding partner, with the "
     "days since they were proposed", "R11, R12, R21"),
    ("Sign-offs and authority", "each partner's approval as signed, checked against the pool's "
     "signatory register, approval limits and two-signature threshold where it has one",
     "R27–R31"),
    ("Month-end position", "receipts dated up to the month end, less each partner's funded part "
     "of the spend recorded by then (less reversals), is its balance with the host; the accrual "
     "estimates approved service delivered but not yet invoiced, outside the balance",
     "R4, R15, R16"),
    ("As at a time", "with an as-at time the whole pack shows the ledger as it then stood: "
     "nothing recorded later is counted", "R22"),
]


OUTCOMES_NOTE = (
    "Outcome payments and outcome exposure", "an outcome payment is spend like any other, "
    "divided by the outcome's split on the day the outcome was achieved; the most still to be "
    "earned is each outcome's price times the count not yet paid (nothing for a decision that has "
    "ended), held apart from firm commitments and never in the forecast outturn; who paid for "
    "whose outcomes compares each partner's share of outcome payments with its responsibility "
    "for them", "R32–R35")


def how_made(data: BoardPackData) -> str:
    notes = NOTES + ([OUTCOMES_NOTE] if data.has_outcomes else [])
    items = "".join(f"<li><strong>{escape(title)}</strong>: {escape(text)} ({escape(rules)}).</li>"
                    for title, text, rules in notes)
    rating = (f"<li><strong>Rating</strong>: red when the forecast is over budget by more than "
              f"the tolerance ({pct(data.tolerance)}); amber when it is over budget within the "
              "tolerance, or under budget by more than it; green otherwise.</li>")
    return (f"<h2>How these figures are made</h2><p>Every figure comes from the pool's ledger; "
            f"nothing is typed in. The rule numbers below are those of the rules reference "
            f"(<code>{RULES_REFERENCE}</code> in the pooledbudget documentation).</p>"
            f'<ul class="notes">{items}{rating}</ul>')
