"""Risk share (R17, R18): the year's outturn, fixed at close or projected, divided by the rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from ..money import ZERO, Money
from ..risk import share_outturn
from .pool_info import is_closed, pool_info
from .shares import partner_figures

if TYPE_CHECKING:
    from .models import RiskShareReport


def risk_share_report(conn: Connection, pool_id: str, year: str) -> RiskShareReport:
    from .models import RiskShareReport

    info = pool_info(conn, pool_id)
    figures = partner_figures(conn, pool_id, year)
    closed = is_closed(conn, pool_id, year)
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
