"""What every report needs to know about a pool: partners in agreement order, host, rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from ..errors import StateError
from ..projections.tables import closed_years, pools


@dataclass(frozen=True)
class PoolInfo:
    pool_id: str
    host: str
    partners: list[dict[str, str]]
    risk_share: dict[str, Any]

    def members(self, year: str) -> list[str]:
        return [p["code"] for p in self.partners if p["from_year"] <= year]


def pool_info(conn: Connection, pool_id: str) -> PoolInfo:
    row = conn.execute(select(pools).where(pools.c.pool_id == pool_id)).first()
    if row is None:
        raise StateError(f"no pool {pool_id!r} (as the ledger stood then)", field="pool",
                         code="pool_not_found", rule="R5")
    return PoolInfo(row.pool_id, row.host, list(row.partners), dict(row.risk_share))


def is_closed(conn: Connection, pool_id: str, year: str) -> bool:
    return conn.execute(select(closed_years.c.year).where(
        closed_years.c.pool_id == pool_id, closed_years.c.year == year)).first() is not None
