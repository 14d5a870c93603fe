"""Each partner's spend and open commitment of a pool-year, kept as running totals
(decision 0045).

The shares report summed every allocation and every open commitment of the year: its time grew
with the year (a quarter of a second at a million events), and an as-at had to restore or check
every row it summed. A row per pool, year and partner, moved by each batch, answers both from
a handful of rows, and an as-at restores it from its checkpoint like any other state row.

A row is kept while any of its totals is not nought, so a rebuild, which applies the log in
other batches, leaves the rows the live projection left (`verify --read-models` compares them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from .bulk import expect_columns, insert_rows
from .tables import partner_totals

Key = tuple[str, str, str]  # pool, year, partner
Totals = dict[Key, list[int]]  # [funded, responsible, committed] pence moved, by key
FUNDED, RESPONSIBLE, COMMITTED = range(3)

_c = partner_totals.c
_ADD = update(partner_totals).where(
    _c.pool_id == bindparam("k_pool"), _c.year == bindparam("k_year"),
    _c.partner == bindparam("k_partner"),
).values(funded_pence=_c.funded_pence + bindparam("d_funded"),
         responsible_pence=_c.responsible_pence + bindparam("d_responsible"),
         committed_pence=_c.committed_pence + bindparam("d_committed"))


def moved(totals: Totals, key: Key) -> list[int]:
    """The key's [funded, responsible, committed] moves in this batch, made at nought."""
    found = totals.get(key)
    if found is None:
        found = totals[key] = [0, 0, 0]
    return found


def add_partner_totals(conn: Connection, totals: Totals) -> None:
    """Adds a batch's moves to the rows, making the missing ones and dropping those left at
    nought."""
    totals = {k: v for k, v in totals.items() if any(v)}
    if not totals:
        return
    pools = {key[0] for key in totals}
    there = set(conn.execute(select(_c.pool_id, _c.year, _c.partner).where(
        _c.pool_id.in_(pools))).tuples())
    updates = [{"k_pool": k[0], "k_year": k[1], "k_partner": k[2], "d_funded": v[FUNDED],
                "d_responsible": v[RESPONSIBLE], "d_committed": v[COMMITTED]}
               for k, v in totals.items() if k in there]
    if updates:
        conn.execute(_ADD, updates)
        drop_noughts(conn, pools)
    insert_rows(conn, partner_totals, [(*k, *v) for k, v in totals.items() if k not in there])


def drop_noughts(conn: Connection, pools: Iterable[str]) -> None:
    conn.execute(delete(partner_totals).where(
        _c.pool_id.in_(list(pools)), _c.funded_pence == 0, _c.responsible_pence == 0,
        _c.committed_pence == 0))


def lapse_commitments(conn: Connection, pool_id: str, year: str) -> None:
    """R17: the year's open commitments lapse when it closes."""
    conn.execute(update(partner_totals).where(_c.pool_id == pool_id, _c.year == year)
                 .values(committed_pence=0))
    drop_noughts(conn, [pool_id])


def commitment_moves(totals: Totals, old: Iterable[Any], new: Iterable[Any]) -> None:
    """Commitment rows (pool, decision, partner, year, pence) replaced: the new less the old."""
    for sign, rows in ((-1, old), (1, new)):
        for pool_id, _decision, partner, year, pence in rows:
            moved(totals, (pool_id, year, partner))[COMMITTED] += sign * int(pence)


expect_columns(partner_totals, "pool_id", "year", "partner", "funded_pence",
               "responsible_pence", "committed_pence")
