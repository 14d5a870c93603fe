"""Journals for partners' general ledgers: what was recorded in a month, per partner, balanced.

For each spend, reversal and contribution receipt recorded in the month (by recording time,
UTC, whatever financial year it belongs to; `period` says that year), each partner with money in
it gets one journal of two lines that balance:

| recorded             | partner (not the host)                | the host                     |
|----------------------|---------------------------------------|------------------------------|
| spend                | Dr expenditure, Cr host_creditor      | Dr expenditure, Cr bank      |
| reversal of a spend  | Dr host_creditor, Cr expenditure      | Dr bank, Cr expenditure      |
| contribution receipt | Dr host_creditor, Cr contribution     | Dr bank, Cr contribution     |

The amount is the partner's funded part as the spend recorded it (R4, R15: exactly the
cost-shift report's `funded`), or the receipt. A reversal's journal is its spend's journal with
debit and credit swapped. A month's journals never change once it has ended: nothing can be
recorded at an earlier time. Accounts and cost centres come from a `JournalMapping`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, select

from .application import LedgerApplication
from .journal_mapping import JournalMapping
from .money import from_pence
from .months import month_bounds, utc
from .projections import read_models_as_at
from .projections.tables import (
    contribution_events,
    decisions,
    spend_allocations,
    spend_reversals,
    spends,
)
from .reports.pool_info import pool_info

COLUMNS = ["journal_id", "partner", "period", "posting_date", "line_type", "account",
           "cost_centre", "debit", "credit", "description", "source"]
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class JournalLine:
    """One line of a partner's journal; `debit` or `credit` is 0.00."""

    journal_id: str
    partner: str
    period: str  # the financial year the amount belongs to, e.g. 2026-27
    posting_date: date  # the UTC date it was recorded
    line_type: str  # expenditure | host_creditor | bank | contribution
    account: str
    cost_centre: str
    debit: Decimal
    credit: Decimal
    description: str
    source: str  # spend:<invoice_ref>, reversal:<invoice_ref> or receipt:<reference>

    def row(self) -> list[str]:
        return [self.journal_id, self.partner, self.period, self.posting_date.isoformat(),
                self.line_type, self.account, self.cost_centre, str(self.debit),
                str(self.credit), self.description, self.source]


@dataclass(frozen=True)
class Posting:
    """One recorded event's money for one partner, before accounts are chosen."""

    position: int  # the event's position in the change feed
    recorded_at: datetime
    partner: str
    year: str
    kind: str  # spend | reversal | receipt
    pence: int
    category: str | None
    reference: str
    description: str


def journal_lines_for(posting: Posting, pool: str, host: str,
                      mapping: JournalMapping | None = None) -> list[JournalLine]:
    """The two lines of one posting's journal."""
    mapping = mapping or JournalMapping()
    counter = "bank" if posting.partner == host else "host_creditor"
    amount = from_pence(posting.pence)
    if posting.kind == "receipt":
        sides = [(counter, amount, ZERO), ("contribution", ZERO, amount)]
    elif posting.kind == "spend":
        sides = [("expenditure", amount, ZERO), (counter, ZERO, amount)]
    else:  # a reversal: the spend's lines, debit and credit swapped
        sides = [("expenditure", ZERO, amount), (counter, amount, ZERO)]
    lines = []
    for line_type, debit, credit in sides:
        account, centre = mapping.codes(pool, posting.partner, posting.category, line_type)
        lines.append(JournalLine(
            journal_id=f"{pool}-{posting.position}-{posting.partner}", partner=posting.partner,
            period=posting.year, posting_date=utc(posting.recorded_at).date(),
            line_type=line_type, account=account, cost_centre=centre, debit=debit,
            credit=credit, description=posting.description,
            source=f"{posting.kind}:{posting.reference}"))
    return lines


def spend_postings(*, position: int, recorded_at: datetime, year: str, category: str,
                   decision_id: str, invoice_ref: str, element: str | None, service_date: date,
                   funded: dict[str, int], order: list[str],
                   reversal_reason: str | None = None) -> list[Posting]:
    """A spend (or, given a reason, its reversal) for each partner funding part of it."""
    postings = []
    for partner in order:
        pence = funded.get(partner, 0)
        if not pence:
            continue
        if reversal_reason is None:
            on = f", element {element}" if element else ""
            text = (f"{partner} share of {invoice_ref}: decision {decision_id}{on} "
                    f"({category}), service {service_date.isoformat()}")
        else:
            text = f"Reversal of {invoice_ref} ({partner} share): {reversal_reason}"
        postings.append(Posting(position, recorded_at, partner, year,
                                "spend" if reversal_reason is None else "reversal", pence,
                                category, invoice_ref, text))
    return postings


def receipt_posting(*, position: int, recorded_at: datetime, partner: str, year: str,
                    pence: int, reference: str, received_on: date) -> Posting:
    return Posting(position, recorded_at, partner, year, "receipt", pence, None, reference,
                   f"Contribution from {partner} for {year}, {reference}, received "
                   f"{received_on.isoformat()}")


def _month_postings(conn: Connection, pool: str, order: list[str], start: datetime,
                    end: datetime) -> list[Posting]:
    def in_month(moment: datetime) -> bool:
        return start <= utc(moment) < end

    query = (select(spends, decisions.c.category)
             .join(decisions, (decisions.c.pool_id == spends.c.pool_id)
                   & (decisions.c.decision_id == spends.c.decision_id))
             .where(spends.c.pool_id == pool))
    rows = {r.invoice_ref: r for r in conn.execute(query)}
    reversals = [v for v in conn.execute(select(spend_reversals).where(
        spend_reversals.c.pool_id == pool)) if in_month(v.recorded_at) and v.invoice_ref in rows]
    wanted = {r.invoice_ref for r in rows.values() if in_month(r.recorded_at)}
    wanted |= {v.invoice_ref for v in reversals}
    funded: dict[str, dict[str, int]] = {}
    refs = sorted(wanted)
    for i in range(0, len(refs), 500):
        for a in conn.execute(select(spend_allocations).where(
                spend_allocations.c.pool_id == pool,
                spend_allocations.c.invoice_ref.in_(refs[i:i + 500]))):
            funded.setdefault(a.invoice_ref, {})[a.partner] = a.funded_pence
    postings: list[Posting] = []
    for events, reason in (([rows[ref] for ref in wanted], None), (reversals, "reversal")):
        for e in events:
            r = rows[e.invoice_ref]
            postings += spend_postings(
                position=e.sequence, recorded_at=e.recorded_at, year=r.year,
                category=r.category, decision_id=r.decision_id, invoice_ref=r.invoice_ref,
                element=r.element, service_date=r.service_date, funded=funded[r.invoice_ref],
                order=order, reversal_reason=None if reason is None else e.reason)
    for c in conn.execute(select(contribution_events).where(
            contribution_events.c.pool_id == pool, contribution_events.c.kind == "received")):
        if in_month(c.recorded_at):
            postings.append(receipt_posting(
                position=c.sequence, recorded_at=c.recorded_at, partner=c.partner, year=c.year,
                pence=c.amount_pence, reference=c.reference or "", received_on=c.received_on))
    rank = {code: i for i, code in enumerate(order)}
    return sorted(postings, key=lambda p: (p.position, rank.get(p.partner, len(rank))))


def journals(ledger: LedgerApplication, pool: str, month: str,
             mapping: JournalMapping | None = None) -> list[JournalLine]:
    """Every partner's journal lines for what was recorded in `month` (`YYYY-MM`, UTC), in
    recording order, each journal's lines together."""
    start, end = month_bounds(month)
    mapping = mapping or JournalMapping()
    with read_models_as_at(ledger, None, pool, text=True).transaction() as conn:
        info = pool_info(conn, pool)
        order = [p["code"] for p in info.partners]
        mapping.check_partners(order, pool)
        postings = _month_postings(conn, pool, order, start, end)
    return [line for p in postings for line in journal_lines_for(p, pool, info.host, mapping)]


def journals_csv(ledger: LedgerApplication, pool: str, month: str,
                 mapping: JournalMapping | None = None) -> str:
    """`journals` as CSV with the columns of `COLUMNS`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(line.row() for line in journals(ledger, pool, month, mapping))
    return out.getvalue()
