"""Cost shift (R20): who funds costs that are another partner's responsibility, and by how much."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from ..money import Money, exact, ratio, round_half_even
from ..projections.tables import spend_allocations, spends
from .pool_info import pool_info

if TYPE_CHECKING:
    from .models import CostShiftReport


READS = frozenset({spend_allocations.name, spends.name})
"""The tables of rows only ever added, or of a row per decision, that the report reads (an
as-at checks or restores those whole)."""


def cost_shift_report(conn: Connection, pool_id: str, year: str,
                      as_at: str | None) -> CostShiftReport:
    from .models import CostShiftReport

    order = pool_info(conn, pool_id).members(year)
    funded = dict.fromkeys(order, 0)
    responsible = dict.fromkeys(order, 0)
    matrix: dict[str, dict[str, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    alloc = spend_allocations.c
    rows = conn.execute(  # only the columns summed: a county year is tens of thousands of rows
        select(alloc.invoice_ref, alloc.partner, alloc.funded_pence, alloc.responsible_pence)
        .join(spends, (spends.c.pool_id == spend_allocations.c.pool_id)
              & (spends.c.invoice_ref == spend_allocations.c.invoice_ref))
        .where(spend_allocations.c.pool_id == pool_id, spend_allocations.c.year == year,
               spends.c.reversed.is_(False))
        .order_by(spends.c.sequence)
    )
    by_spend: dict[str, dict[str, int]] = defaultdict(dict)
    # Fetched a few thousand at a time and unpacked as tuples: a row's attributes cost about
    # 1.3 us each, 8 s of 13 at 900,000 rows (decision 0042).
    for chunk in rows.tuples().partitions(5000):
        for invoice_ref, partner, funded_pence, responsible_pence in chunk:
            funded[partner] = funded.get(partner, 0) + funded_pence
            responsible[partner] = responsible.get(partner, 0) + responsible_pence
            by_spend[invoice_ref][partner] = funded_pence - responsible_pence
    for diffs in by_spend.values():
        paid_over = sum(d for d in diffs.values() if d > 0)
        for a, d_a in diffs.items():
            if d_a >= 0:
                continue
            for b, d_b in diffs.items():
                if d_b > 0:
                    # R20: a's cost carried by b, exact: (-d_a) x d_b / the sum paid over
                    matrix[a][b] += exact(Money(-d_a)) * ratio(Money(d_b), Money(paid_over))
    cells = {
        a: {b: round_half_even(v) for b, v in row.items() if a != b and round_half_even(v)}
        for a, row in matrix.items()
    }

    return CostShiftReport(
        pool=pool_id, year=year, as_at=as_at,
        funded={code: Money(v) for code, v in funded.items()},
        responsible={code: Money(v) for code, v in responsible.items()},
        net={code: Money(funded[code] - responsible[code]) for code in funded},
        matrix={a: row for a, row in cells.items() if row},
    )
