"""Each partner's spend of a pool-year, net of reversals, kept as a running sum (decision 0045).

The shares report's `spent` was summed from every allocation of the year: its time grew with
the year (a quarter of a second at a million events), and an as-at had to count the live
allocations it summed. A row per pool, year and partner, moved by each batch, answers both
from a handful of rows, and an as-at restores it from its checkpoint like any other state row.

A row exists once the partner has had a part in any spend of the year, whatever the batches:
a spend and its reversal in one batch leave a row of zeros, as two batches do, so a rebuild
writes the rows the live projection wrote (`verify --read-models` compares them).
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select, update

from .bulk import expect_columns, insert_rows
from .tables import partner_spend

Key = tuple[str, str, str]  # pool, year, partner

_c = partner_spend.c
_ADD = update(partner_spend).where(
    _c.pool_id == bindparam("k_pool"), _c.year == bindparam("k_year"),
    _c.partner == bindparam("k_partner"),
).values(funded_pence=_c.funded_pence + bindparam("d_funded"),
         responsible_pence=_c.responsible_pence + bindparam("d_responsible"))


def add_partner_spend(conn: Connection, moved: dict[Key, list[int]]) -> None:
    """Adds a batch's [funded, responsible] pence by key to the rows, making the missing ones."""
    if not moved:
        return
    there = set(conn.execute(select(_c.pool_id, _c.year, _c.partner).where(
        _c.pool_id.in_({key[0] for key in moved}))).tuples())
    updates = [{"k_pool": k[0], "k_year": k[1], "k_partner": k[2], "d_funded": funded,
                "d_responsible": responsible}
               for k, (funded, responsible) in moved.items() if k in there]
    if updates:
        conn.execute(_ADD, updates)
    insert_rows(conn, partner_spend, [(*k, funded, responsible)
                                      for k, (funded, responsible) in moved.items()
                                      if k not in there])


expect_columns(partner_spend, "pool_id", "year", "partner", "funded_pence", "responsible_pence")
