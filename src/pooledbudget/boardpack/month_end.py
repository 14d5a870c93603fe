"""The month-end page: each partner's position with the host at the end of the latest month
that ended by the pack's as-at, as partners agree balances with the host.

Figures come from the month-end balances report, so the page and `report balances` agree to the
penny; the page adds only words: who holds whose cash, and the check that the balances add up.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape

from ..reports.balances import BalanceTotals, MonthEndBalances, PartnerBalance
from .data import BoardPackData
from .sections import name, table
from .wording import capitalise, gbp, in_sentence, possessive

TITLE = "Month-end position"


def _day(report: MonthEndBalances) -> str:
    """The month's last day as the page writes it: 30 September 2026."""
    return f"{date.fromisoformat(report.month_end):%d %B %Y}"


def title(data: BoardPackData) -> str:
    """The page's running title, naming the month end it shows."""
    return TITLE if data.month_end is None else f"{TITLE} at {_day(data.month_end)}"


def _sentence(data: BoardPackData, partner: str, balance: Decimal) -> str:
    who = in_sentence(name(data, partner))
    if balance > 0:
        return escape(f"The host holds {gbp(balance)} of {possessive(who)} cash not yet spent.")
    if balance < 0:
        return escape(f"{capitalise(who)} owes the host {gbp(-balance)} for its share of spend.")
    return escape(f"{capitalise(who)} is square with the host.")


def _cells(figures: PartnerBalance | BalanceTotals, outcomes: bool) -> list[str]:
    cells = [gbp(figures.agreed), gbp(figures.received), gbp(figures.funded),
             gbp(figures.balance, sign=True), gbp(figures.accrual)]
    return cells + [gbp(figures.contingent)] if outcomes else cells


def sheet(data: BoardPackData) -> str:
    """The page's body; before the year's first month has ended it says so and shows nothing."""
    report = data.month_end
    if report is None:
        return (f"<h2>{TITLE}</h2><p>No month of {escape(data.year)} had ended by the date of "
                "this pack, so there is no month-end position to agree yet.</p>")
    outcomes = data.has_outcomes  # a pool that pays for no outcomes hears nothing of them
    rows = [[name(data, p.partner), *_cells(p, outcomes)] for p in report.partners]
    total = ["Total", *_cells(report.total, outcomes)]
    header = ["Partner", "Agreed contribution", "Received by month end",
              "Funded share of spend", "Balance with the host", "Accrual (not yet invoiced)",
              *(["Outcome payments not yet earned"] if outcomes else [])]
    t = report.total
    caption = f"Each partner's position at {_day(report)}"
    sentences = "".join(f"<li>{_sentence(data, p.partner, Decimal(p.balance))}</li>"
                        for p in report.partners)
    return (f"<h2>{escape(title(data))}</h2>"
            "<p>What each partner has paid in (receipts dated up to the month end), what its share "
            "of the spend recorded by then comes to, and the difference: the balance each partner "
            "agrees with the host at month end. A positive balance is cash the host holds for the "
            "partner; a negative one the partner owes.</p>"
            f"{table(header, rows, caption, total=total, ident='month-end-table')}"
            f"<ul class=flows>{sentences}</ul>"
            f"<p>The balances add up to the cash received less the spend recorded: "
            f"{gbp(t.received)} − {gbp(t.funded)} = {gbp(t.balance, sign=True)}. The accrual "
            "estimates service delivered by the month end but not yet invoiced (approved weekly "
            "elements by whole weeks elapsed, total-cost elements by days elapsed, less what has "
            "been invoiced for them), split as the funding split then in force; it is not in the "
            "balance."
            + (" Outcome payments not yet earned are what outcomes still open could cost, and "
               "are not in the balance either." if outcomes else "") + "</p>")
