"""Risk share (R17, R18): the year's outturn, fixed at close or projected, divided by the rule."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from ..money import from_pence
from ..risk import share_outturn
from .models import RiskShareReport
from .pool_info import is_closed, pool_info
from .shares import partner_figures


def risk_share_report(conn: Connection, pool_id: str, year: str) -> RiskShareReport:
    info = pool_info(conn, pool_id)
    figures = partner_figures(conn, pool_id, year)
    closed = is_closed(conn, pool_id, year)
    agreed = sum(f["agreed"] for f in figures.values())
    spent = sum(f["spent"] for f in figures.values())
    committed = 0 if closed else sum(f["committed"] for f in figures.values())
    outturn = from_pence(spent + committed - agreed)
    allocation = share_outturn(
        outturn, info.risk_share, {code: from_pence(f["agreed"]) for code, f in figures.items()},
        list(figures), info.host)
    return RiskShareReport(
        pool=pool_id, year=year, closed=closed, agreed_total=str(from_pence(agreed)),
        spent_total=str(from_pence(spent)), outturn=str(outturn),
        allocation={code: str(allocation.get(code, Decimal("0.00"))) for code in figures},
    )
