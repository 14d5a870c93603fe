"""Everything a board pack shows, gathered from the read models (never from input files).

The four reports are the same functions the CLI prints; the contribution history, spend by
decision and category, and the monthly trend come from the read models behind them, read in
one transaction of the same store, so every figure is as the ledger stood at `as_at`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from .. import reports
from ..aggregates.terms import year_bounds
from ..application import LedgerApplication
from ..log_index import head
from ..money import from_pence
from ..projections import read_models_as_at
from ..projections.tables import (
    commitments,
    contribution_events,
    decisions,
    forecast_movements,
    pools,
    spends,
)
from ..reports.balances import MonthEndBalances, latest_month_end, month_end_balances
from ..reports.cost_shift import cost_shift_report
from ..reports.delegation import sign_offs_report
from ..reports.models import (
    ApprovalsReport,
    CostShiftReport,
    OutcomesReport,
    RiskShareReport,
    SharesReport,
    SignatoriesReport,
    SignOffsReport,
)
from ..reports.outcomes import outcomes_report
from ..reports.risk_share import risk_share_report
from ..reports.shares import shares_report

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Variation:
    recorded_on: date
    previous: Decimal
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class Contribution:
    partner: str
    original: Decimal
    variations: list[Variation]
    revised: Decimal
    share: str
    received: Decimal


@dataclass(frozen=True)
class DecisionSpend:
    decision_id: str
    category: str
    status: str
    cost: Decimal
    spent: Decimal
    committed: Decimal


@dataclass(frozen=True)
class MonthPoint:
    month: date  # the first day of the month
    budget: Decimal  # total agreed at the month's end
    spent_in_month: Decimal
    spent_to_date: Decimal
    forecast: Decimal  # spent to date + open commitments at the month's end


@dataclass(frozen=True)
class BoardPackData:
    pool_id: str
    pool_name: str
    host: str
    risk_rule: dict[str, Any]
    year: str
    as_at: datetime | None
    approvals_as_of: date
    tolerance: Decimal
    partners: dict[str, str]  # code -> name, agreement order
    shares: SharesReport
    cost_shift: CostShiftReport
    risk_share: RiskShareReport
    approvals: ApprovalsReport
    contributions: list[Contribution]
    decisions: list[DecisionSpend]
    months: list[MonthPoint] = field(default_factory=list)
    signatories: SignatoriesReport | None = None
    sign_offs: SignOffsReport | None = None
    outcomes: OutcomesReport | None = None
    ledger_head: dict[str, Any] | None = None  # the pool's last link when the pack was made
    month_end: MonthEndBalances | None = None  # the latest month ended by the as-at, in the year

    @property
    def has_outcomes(self) -> bool:
        """Whether the pool pays for outcomes this year: only then does the pack speak of them."""
        return bool(self.outcomes and self.outcomes.outcomes)

    @property
    def exposure(self) -> Decimal:
        """Outcome payments not yet earned, at most (the shares report's contingent total):
        shown beside the forecast outturn, never in it."""
        return Decimal(self.shares.total.contingent)

    @property
    def budget(self) -> Decimal:
        return Decimal(self.shares.total.agreed)

    @property
    def forecast(self) -> Decimal:
        return Decimal(self.shares.total.forecast)

    @property
    def variance(self) -> Decimal:
        """Forecast outturn − budget: positive is an overspend."""
        return self.forecast - self.budget

    @property
    def variance_pct(self) -> Decimal:
        if not self.budget:
            return Decimal("0.00")
        return (self.variance * 100 / self.budget).quantize(Decimal("0.01"), ROUND_HALF_EVEN)

    @property
    def rating(self) -> str:
        """Red: overspend beyond tolerance; amber: overspend within it, or underspend beyond it;
        green: on budget or underspent within tolerance (docs/decisions/0005-exports.md)."""
        pct = self.variance_pct
        if pct > self.tolerance:
            return "red"
        if pct > 0 or -pct > self.tolerance:
            return "amber"
        return "green"

    @property
    def categories(self) -> list[tuple[str, Decimal, Decimal]]:
        """(category, spent, committed), largest spend first."""
        totals: dict[str, tuple[Decimal, Decimal]] = {}
        for d in self.decisions:
            spent, committed = totals.get(d.category, (ZERO, ZERO))
            totals[d.category] = (spent + d.spent, committed + d.committed)
        return sorted(((c, s, m) for c, (s, m) in totals.items()), key=lambda r: (-r[1], r[0]))


def gather(ledger: LedgerApplication, pool: str, year: str, as_at: datetime | None = None,
           tolerance: Decimal = Decimal(5)) -> BoardPackData:
    """The pack's figures as the ledger stood at recording time `as_at` (None: now, R22)."""
    last = ledger.last_recorded_time()
    as_of = as_at.date() if as_at else max(datetime.now(UTC).date(),
                                           last.astimezone(UTC).date() if last else date.min)
    approvals = reports.approvals(ledger, pool, as_of)
    month_end = _month_end(ledger, pool, year, as_at or datetime.combine(
        as_of, time.max, tzinfo=UTC))
    signatories = reports.signatories(ledger, pool, as_at)
    with read_models_as_at(ledger, as_at, pool, year).transaction() as conn:
        row = conn.execute(select(pools).where(pools.c.pool_id == pool)).first()
        shares = shares_report(conn, pool, year, None if as_at is None else as_at.isoformat())
        names = {p["code"]: p["name"] for p in row.partners} if row else {}
        partners = {p.partner: names.get(p.partner, p.partner) for p in shares.partners}
        year_decisions = set(conn.execute(select(decisions.c.decision_id).where(
            decisions.c.pool_id == pool, decisions.c.year == year)).scalars())
        return BoardPackData(
            pool_id=pool, pool_name=row.name if row else pool, host=row.host if row else "",
            risk_rule=dict(row.risk_share) if row else {}, year=year, as_at=as_at,
            approvals_as_of=as_of, tolerance=tolerance, partners=partners, shares=shares,
            cost_shift=cost_shift_report(conn, pool, year, shares.as_at),
            risk_share=risk_share_report(conn, pool, year),
            approvals=approvals.model_copy(update={"pending": [
                p for p in approvals.pending if p.decision_id in year_decisions]}),
            contributions=_contributions(conn, pool, year, shares),
            decisions=_decisions(conn, pool, year),
            months=_months(conn, pool, year, as_at or datetime.now(UTC)),
            signatories=signatories,
            sign_offs=sign_offs_report(conn, pool, year, shares.as_at, signatories.verified),
            outcomes=outcomes_report(conn, pool, year, shares.as_at),
            ledger_head=head(ledger.recorder, pool),
            month_end=month_end,
        )


def _month_end(ledger: LedgerApplication, pool: str, year: str,
               moment: datetime) -> MonthEndBalances | None:
    """Balances at the end of the latest month ended by `moment`; None before the year's first
    month has ended."""
    month = latest_month_end(moment)
    start, _ = year_bounds(year)
    if month < f"{start.year:04d}-{start.month:02d}":
        return None
    return month_end_balances(ledger, pool, year, month, recorded_by=_utc(moment))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _contributions(conn: Connection, pool: str, year: str,
                   shares: SharesReport) -> list[Contribution]:
    rows = conn.execute(select(contribution_events).where(
        contribution_events.c.pool_id == pool, contribution_events.c.year == year)
        .order_by(contribution_events.c.sequence)).all()
    result = []
    for share in shares.partners:
        mine = [r for r in rows if r.partner == share.partner]
        pledged = [r for r in mine if r.kind == "pledged"]
        result.append(Contribution(
            partner=share.partner,
            original=from_pence(pledged[0].amount_pence) if pledged else ZERO,
            variations=[Variation(_utc(r.recorded_at).date(), from_pence(r.previous_pence),
                                  from_pence(r.amount_pence), r.reason)
                        for r in mine if r.kind == "varied"],
            revised=Decimal(share.agreed), share=share.contribution_share,
            received=Decimal(share.received)))
    return result


def _decisions(conn: Connection, pool: str, year: str) -> list[DecisionSpend]:
    spent = dict(conn.execute(
        select(spends.c.decision_id, func.sum(spends.c.amount_pence))
        .where(spends.c.pool_id == pool, spends.c.year == year, spends.c.reversed.is_(False))
        .group_by(spends.c.decision_id)).tuples().all())
    committed = dict(conn.execute(
        select(commitments.c.decision_id, func.sum(commitments.c.amount_pence))
        .where(commitments.c.pool_id == pool, commitments.c.year == year)
        .group_by(commitments.c.decision_id)).tuples().all())
    rows = conn.execute(select(decisions).where(decisions.c.pool_id == pool, decisions.c.year == year)
                        .order_by(decisions.c.category, decisions.c.decision_id))
    return [DecisionSpend(r.decision_id, r.category, r.status, from_pence(r.cost_pence),
                          from_pence(int(spent.get(r.decision_id, 0))),
                          from_pence(int(committed.get(r.decision_id, 0))))
            for r in rows]


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _months(conn: Connection, pool: str, year: str, now: datetime) -> list[MonthPoint]:
    """Month by month of the financial year, up to `now`'s month (or the last movement)."""
    fm = forecast_movements.c
    moves = conn.execute(select(fm.recorded_at, fm.spent_delta_pence, fm.committed_delta_pence).where(
        forecast_movements.c.pool_id == pool, forecast_movements.c.year == year)
        .order_by(forecast_movements.c.sequence)).all()
    agreed = conn.execute(select(contribution_events).where(
        contribution_events.c.pool_id == pool, contribution_events.c.year == year,
        contribution_events.c.kind != "received").order_by(contribution_events.c.sequence)).all()
    first = date(int(year[:4]), 4, 1)
    last_move = max((_month_start(_utc(m.recorded_at).date()) for m in moves), default=first)
    end = min(max(_month_start(_utc(now).date()), last_move), max(date(first.year + 1, 3, 1), last_move))
    timed = sorted((_utc(m.recorded_at), m.spent_delta_pence, m.committed_delta_pence)
                   for m in moves)  # one pass below: the moves before each month's end
    points: list[MonthPoint] = []
    month, i, spent, committed, previous = first, 0, 0, 0, 0
    while month <= end:
        cutoff = datetime.combine(_next_month(month), time(), tzinfo=UTC)
        while i < len(timed) and timed[i][0] < cutoff:
            spent, committed, i = spent + timed[i][1], committed + timed[i][2], i + 1
        latest: dict[str, int] = {}
        for r in agreed:
            if _utc(r.recorded_at) < cutoff:
                latest[r.partner] = r.amount_pence
        points.append(MonthPoint(
            month=month, budget=from_pence(sum(latest.values())),
            spent_in_month=from_pence(spent - previous), spent_to_date=from_pence(spent),
            forecast=from_pence(spent + committed)))
        previous = spent
        month = _next_month(month)
    return points
