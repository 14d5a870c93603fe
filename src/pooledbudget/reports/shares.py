"""Contributor shares (R19): agreed, received, committed, spent, available, forecast."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from ..money import Money, percentage
from ..projections.tables import (
    contingent,
    contributions,
    partner_totals,
)
from .pool_info import PoolInfo, pool_info

if TYPE_CHECKING:
    from ..projections.figures_as_at import PoolFigures
    from .models import SharesReport


READS: frozenset[str] = frozenset()
"""The tables of rows only ever added, or of a row per decision, that these figures read (an
as-at checks or restores those whole): none, since spend and commitments are read from their
running totals (decision 0045)."""


def figures_of(found: PoolFigures, pool_id: str, year: str) -> dict[str, dict[str, int]]:
    """`partner_figures` from a pool's figures as at T (decision 0048), not from tables."""
    return built(
        info_of(found, pool_id).members(year),
        ((partner, *pair) for (of_year, partner), pair in found.contributions.items()
         if of_year == year),
        ((partner, pence) for (of_year, partner), pence in found.contingent.items()
         if of_year == year),
        ((partner, funded, committed)
         for (of_year, partner), (funded, _responsible, committed) in found.totals.items()
         if of_year == year))


def info_of(found: PoolFigures, pool_id: str) -> PoolInfo:
    return PoolInfo(pool_id, found.host, list(found.partners), dict(found.risk_share))


def partner_figures(conn: Connection, pool_id: str, year: str) -> dict[str, dict[str, int]]:
    """Pence by partner: agreed, received, committed, contingent (R34), spent (reversed spend
    left out). Spent and committed are the running totals the projection keeps (decision
    0045): summed from the year's allocations and commitments instead, they took a quarter of
    a second at a one-million-event year, and grew with it."""
    c, held, totals = contributions.c, contingent.c, partner_totals.c
    return built(
        pool_info(conn, pool_id).members(year),
        conn.execute(select(c.partner, c.agreed_pence, c.received_pence)
                     .where(c.pool_id == pool_id, c.year == year)),
        conn.execute(select(held.partner, func.sum(held.amount_pence))
                     .where(held.pool_id == pool_id, held.year == year)
                     .group_by(held.partner)),
        conn.execute(select(totals.partner, totals.funded_pence, totals.committed_pence)
                     .where(totals.pool_id == pool_id, totals.year == year)))


def built(members: Iterable[str], agreed_received: Iterable[Sequence[Any]],
          held: Iterable[Sequence[Any]], spent_committed: Iterable[Sequence[Any]],
          ) -> dict[str, dict[str, int]]:
    """One partner's figures a member, from rows of (partner, agreed, received), (partner,
    contingent) and (partner, spent, committed), whichever source they were read from."""
    figures = {code: {"agreed": 0, "received": 0, "committed": 0, "contingent": 0, "spent": 0}
               for code in members}
    for partner, agreed, received in agreed_received:
        figures[partner].update(agreed=int(agreed), received=int(received))
    for partner, pence in held:
        figures[partner]["contingent"] = int(pence)
    for partner, spent, committed in spent_committed:
        figures[partner].update(spent=int(spent), committed=int(committed))
    return figures


def available(f: dict[str, int]) -> int:
    """R19, R34: agreed less spent, firm commitments and contingent ones. (The forecast counts
    firm commitments only.)"""
    return f["agreed"] - f["spent"] - f["committed"] - f["contingent"]


def shares_data(conn: Connection, pool_id: str, year: str, as_at: str | None) -> dict[str, Any]:
    """The report as plain JSON data, in `SharesReport`'s field order: what `--format json`
    prints without building pydantic's models (decision 0041)."""
    return figures_data(partner_figures(conn, pool_id, year), pool_id, year, as_at)


def figures_data(figures: dict[str, dict[str, int]], pool_id: str, year: str,
                 as_at: str | None) -> dict[str, Any]:
    """`shares_data` of figures found already (`partner_figures`, `figures_of`)."""
    total = {key: sum(f[key] for f in figures.values())
             for key in ("agreed", "received", "committed", "contingent", "spent")}

    def pct(part: int, whole: int) -> str:
        """R8, R19: an exact ratio of money, shown as a percentage to 4 places."""
        return str(percentage(Money(part), Money(whole), 4)) if whole else "0.0000"

    def amount(pence: int) -> str:
        return str(Money(pence))

    rows = [
        {"partner": code, "agreed": amount(f["agreed"]), "received": amount(f["received"]),
         "contribution_share": pct(f["agreed"], total["agreed"]),
         "committed": amount(f["committed"]), "spent": amount(f["spent"]),
         "spend_share": pct(f["spent"], total["spent"]),
         "available": amount(available(f)), "contingent": amount(f["contingent"]),
         "forecast": amount(f["spent"] + f["committed"])}
        for code, f in figures.items()
    ]
    totals = {
        "agreed": amount(total["agreed"]), "received": amount(total["received"]),
        "committed": amount(total["committed"]), "spent": amount(total["spent"]),
        "available": amount(available(total)), "contingent": amount(total["contingent"]),
        "forecast": amount(total["spent"] + total["committed"]),
    }
    return {"pool": pool_id, "year": year, "as_at": as_at, "partners": rows, "total": totals}


def shares_report(conn: Connection, pool_id: str, year: str, as_at: str | None) -> SharesReport:
    from .models import SharesReport

    return SharesReport.model_validate(shares_data(conn, pool_id, year, as_at))
