"""Month-end balances: each partner's position with the host at the end of a month.

Per partner, for one financial year, at the end of a calendar month (UTC):
- `agreed`: its agreed contribution as recorded by then (pledges and variations);
- `received`: its receipts with a `received_on` date up to the month's end;
- `funded`: its funded part of the year's spend recorded by then, less spend whose reversal was
  recorded by then (R15, R16: the cost-shift report's `funded`, by recording time);
- `balance` = received − funded: positive, the host holds the partner's cash not yet spent;
  negative, the partner owes the host;
- `accrual`: service delivered but not yet invoiced (`accruals.py` states the method).
The totals are the pool's; Σ partners' balances = total received − total spent, to the penny.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, select

from ..application import LedgerApplication
from ..errors import StateError
from ..money import from_pence, to_pence
from ..months import month_bounds, utc
from ..projections import live_store
from ..projections.tables import (
    closed_years,
    contribution_events,
    decisions,
    spend_allocations,
    spend_reversals,
    spends,
)
from .accruals import accruals
from .models import Report
from .pool_info import pool_info
from .render import Rows, report_rows

FIGURES = ("agreed", "received", "funded", "balance", "accrual", "contingent")


class PartnerBalance(Report):
    partner: str
    agreed: str
    received: str
    funded: str
    balance: str
    accrual: str
    contingent: str  # outcome payments not yet earned, at the month end (R34): never in balance


class BalanceTotals(Report):
    agreed: str
    received: str
    funded: str  # the pool's spend
    balance: str
    accrual: str
    contingent: str


class MonthEndBalances(Report):
    pool: str
    year: str
    month: str
    month_end: str  # the last day of the month
    partners: list[PartnerBalance]
    total: BalanceTotals


def latest_month_end(as_at: datetime) -> str:
    """The latest month that ended on or before `as_at` (UTC), as `YYYY-MM`: the month a board
    pack as at `as_at` shows."""
    moment = utc(as_at)
    year, month = moment.year, moment.month - 1
    if month == 0:
        year, month = year - 1, 12
    return f"{year:04d}-{month:02d}"


def _figures(conn: Connection, pool: str, year: str, end: datetime, last_day: date,
             order: list[str], recorded_by: datetime | None
             ) -> tuple[dict[str, dict[str, int]], int]:
    figures = {code: dict.fromkeys(FIGURES, 0) for code in order}
    agreed_at: dict[str, int] = {}
    for row in conn.execute(select(contribution_events).where(
            contribution_events.c.pool_id == pool, contribution_events.c.year == year)
            .order_by(contribution_events.c.sequence)):
        if row.kind == "received":
            if row.received_on <= last_day and (
                    recorded_by is None or utc(row.recorded_at) <= recorded_by):
                figures[row.partner]["received"] += row.amount_pence
        elif utc(row.recorded_at) < end:
            agreed_at[row.partner] = row.amount_pence
    for code, pence in agreed_at.items():
        figures[code]["agreed"] = pence
    reversed_by_then = {v.invoice_ref for v in conn.execute(select(spend_reversals).where(
        spend_reversals.c.pool_id == pool, spend_reversals.c.year == year))
        if utc(v.recorded_at) < end}
    counted = set()
    spent = 0
    for s in conn.execute(select(spends).where(spends.c.pool_id == pool, spends.c.year == year)):
        if utc(s.recorded_at) < end and s.invoice_ref not in reversed_by_then:
            counted.add(s.invoice_ref)
            spent += s.amount_pence
    for a in conn.execute(select(spend_allocations).where(
            spend_allocations.c.pool_id == pool, spend_allocations.c.year == year)):
        if a.invoice_ref in counted:
            figures[a.partner]["funded"] += a.funded_pence
    return figures, spent


def month_end_balances(ledger: LedgerApplication, pool: str, year: str, month: str,
                       recorded_by: datetime | None = None) -> MonthEndBalances:
    """Each partner's balance with the host, and its accrual, at the end of `month`.

    `recorded_by` (a board pack's as-at) leaves out receipts recorded after it, even when their
    `received_on` falls in the month: the pack shows what the ledger knew then. Everything else
    is already cut at the month's end, which is never later than a pack's as-at."""
    start, end = month_bounds(month)
    last_day = date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    with live_store(ledger).transaction() as conn:
        order = pool_info(conn, pool).members(year)
        figures, spent = _figures(conn, pool, year, end, last_day, order,
                                 None if recorded_by is None else utc(recorded_by))
        closed = conn.execute(select(closed_years.c.closed_at).where(
            closed_years.c.pool_id == pool, closed_years.c.year == year)).scalar()
        decision_ids = list(conn.execute(select(decisions.c.decision_id).where(
            decisions.c.pool_id == pool, decisions.c.year == year)
            .order_by(decisions.c.decision_id)).scalars())
    if closed is None or utc(closed) >= end:
        for code, pence in accruals(ledger, pool, decision_ids, end, last_day, order).items():
            figures[code]["accrual"] = pence
    for code, pence in _contingent(ledger, pool, year, end).items():
        if code in figures:
            figures[code]["contingent"] = pence
    for f in figures.values():
        f["balance"] = f["received"] - f["funded"]
    total = {key: sum(f[key] for f in figures.values()) for key in FIGURES}
    if total["funded"] != spent:  # R4: the parts of every spend sum to it
        raise AssertionError(f"funded parts {total['funded']} differ from spend {spent}")

    def money(pence: int) -> str:
        return str(from_pence(pence))

    return MonthEndBalances(
        pool=pool, year=year, month=month, month_end=last_day.isoformat(),
        partners=[PartnerBalance(partner=code, **{k: money(v) for k, v in f.items()})
                  for code, f in figures.items()],
        total=BalanceTotals(**{k: money(v) for k, v in total.items()}))


def _contingent(ledger: LedgerApplication, pool: str, year: str, end: datetime) -> dict[str, int]:
    """Each partner's contingent commitment (R34) as the ledger stood at the month's end."""
    from . import shares

    last = ledger.last_recorded_time()
    as_at = None if last is None or last < end else end - timedelta(microseconds=1)
    try:
        report = shares(ledger, pool, year, as_at)
    except StateError as error:
        if error.code == "pool_not_found":  # a month that ended before the pool began
            return {}
        raise
    return {p.partner: to_pence(Decimal(p.contingent)) for p in report.partners}


@report_rows.register
def _balances_rows(report: MonthEndBalances) -> Rows:
    header = ["partner", *FIGURES]
    rows = [[getattr(p, column) for column in header] for p in report.partners]
    rows.append(["total", *(getattr(report.total, k) for k in FIGURES)])
    return Rows(f"Month-end balances — {report.pool} {report.year} at {report.month_end}",
                header, rows, "balance = received − funded; accrual: service not yet invoiced; "
                "contingent: outcome payments not yet earned")


__all__ = ["BalanceTotals", "MonthEndBalances", "PartnerBalance", "latest_month_end",
           "month_end_balances"]
