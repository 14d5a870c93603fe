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
        """The partners in `year`, in agreement order; a year before the pool began has none,
        and is refused rather than reported as zeros (or divided among nobody)."""
        found = [p["code"] for p in self.partners if p["from_year"] <= year]
        if not found:
            first = min(p["from_year"] for p in self.partners)
            raise StateError(f"pool {self.pool_id} starts in {first}: it has no {year} (R5)",
                             field="year", code="year_before_pool", rule="R5")
        return found


def pool_info(conn: Connection, pool_id: str) -> PoolInfo:
    row = conn.execute(select(pools).where(pools.c.pool_id == pool_id)).first()
    if row is None:
        raise StateError(f"no pool {pool_id!r} (as the ledger stood then)", field="pool",
                         code="pool_not_found", rule="R5")
    return PoolInfo(row.pool_id, row.host, list(row.partners), dict(row.risk_share))


def is_closed(conn: Connection, pool_id: str, year: str) -> bool:
    return conn.execute(select(closed_years.c.year).where(
        closed_years.c.pool_id == pool_id, closed_years.c.year == year)).first() is not None
