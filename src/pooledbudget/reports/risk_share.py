"""Risk share (R17, R18): the year's outturn, fixed at close or projected, divided by the rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from ..money import ZERO, Money
from ..risk import share_outturn
from .pool_info import PoolInfo, is_closed, pool_info
from .shares import figures_of, info_of, partner_figures

if TYPE_CHECKING:
    from ..projections.figures_as_at import PoolFigures
    from .models import RiskShareReport


def risk_share_report(conn: Connection, pool_id: str, year: str) -> RiskShareReport:
    return risk_share_of(pool_info(conn, pool_id), partner_figures(conn, pool_id, year),
                         is_closed(conn, pool_id, year), pool_id, year)


def risk_share_as_at(found: PoolFigures, pool_id: str, year: str) -> RiskShareReport:
    """The report from a pool's figures as at T (decision 0048)."""
    return risk_share_of(info_of(found, pool_id), figures_of(found, pool_id, year),
                         year in found.closed, pool_id, year)


def risk_share_of(info: PoolInfo, figures: dict[str, dict[str, int]], closed: bool,
                  pool_id: str, year: str) -> RiskShareReport:
    from .models import RiskShareReport

    agreed = sum(f["agreed"] for f in figures.values())
    spent = sum(f["spent"] for f in figures.values())
    committed = 0 if closed else sum(f["committed"] for f in figures.values())
    outturn = Money(spent + committed - agreed)
    allocation = share_outturn(
        outturn, info.risk_share, {code: Money(f["agreed"]) for code, f in figures.items()},
        list(figures), info.host)
    return RiskShareReport(
        pool=pool_id, year=year, closed=closed, agreed_total=Money(agreed),
        spent_total=Money(spent), outturn=outturn,
        allocation={code: allocation.get(code, ZERO) for code in figures},
    )
