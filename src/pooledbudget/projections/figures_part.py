"""A checkpoint's figures part (decision 0048): what the shares and risk-share reports read of a
pool, as it stands at the checkpoint and as it stood along the way from the checkpoint before.

The part holds:
- the pool's row (host, partners, risk-share rule), its closed years, and by year and partner
  its contributions, running totals (0045) and contingent exposure summed: the figures now;
- the interval's rows that moved them, one line each in order: every contribution event, and
  every decision event's moves by partner (`partner_moves`);
- the figures after every `EVERY`-th of those lines, from the last checkpoint's figures on,
  the first of them that checkpoint's own;
- whether those figures, moved by every line, are the figures now, with no partner joining and
  no year closing in between (`served`): only then may an as-at use them.
An as-at at T inside the interval then reads this one part: the last figures along the way
recorded by T, and at most `EVERY` lines after them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from .partner_moves import summed_moves
from .tables import (
    closed_years,
    contingent,
    contribution_events,
    contributions,
    forecast_movements,
    partner_totals,
    pools,
)

EVERY = 100  # lines between two figures along the way
Key = tuple[str, str]  # year, partner
_RECEIVED = "received"


@dataclass
class Figures:
    """By year and partner: contributions [agreed, received], totals [funded, responsible,
    committed], and contingent exposure."""

    contributions: dict[Key, list[int]] = field(default_factory=dict)
    totals: dict[Key, list[int]] = field(default_factory=dict)
    contingent: dict[Key, int] = field(default_factory=dict)

    @classmethod
    def read(cls, spelled: dict[str, Any]) -> Figures:
        return cls({(y, p): [a, r] for y, p, a, r in spelled["contributions"]},
                   {(y, p): [f, r, c] for y, p, f, r, c in spelled["totals"]},
                   {(y, p): pence for y, p, pence in spelled["contingent"]})

    def spelled(self) -> dict[str, Any]:
        """As JSON: sorted lists, rows at nought left out (a rebuild leaves none)."""
        return {"contributions": sorted([*k, *v] for k, v in self.contributions.items()
                                        if any(v)),
                "totals": sorted([*k, *v] for k, v in self.totals.items() if any(v)),
                "contingent": sorted([*k, v] for k, v in self.contingent.items() if v)}

    def apply(self, lines: list[str]) -> None:
        """Moves these figures by `lines` (`interval_lines`), in order."""
        moves: dict[str, list[str]] = {}
        for line in lines:
            _, _, year, kind, what = line.split("\t")
            if kind == "M":
                moves.setdefault(year, []).append(what)
                continue
            partner, how, pence = what.split(":")
            sums = self.contributions.setdefault((year, partner), [0, 0])
            if how == _RECEIVED:
                sums[1] += int(pence)
            else:  # a pledge, or a variation: the agreed total (R6)
                sums[0] = int(pence)
        for year, texts in moves.items():
            for code, (funded, responsible, committed, held) in summed_moves(texts).items():
                totals = self.totals.setdefault((year, code), [0, 0, 0])
                totals[0] += funded
                totals[1] += responsible
                totals[2] += committed
                self.contingent[(year, code)] = self.contingent.get((year, code), 0) + held


def figures_now(conn: Connection, pool_id: str) -> dict[str, Any]:
    """The pool's row, closed years and figures, as the read models stand, spelled."""
    host, partners, risk_share = conn.execute(
        select(pools.c.host, pools.c.partners, pools.c.risk_share)
        .where(pools.c.pool_id == pool_id)).one()
    c, t, g = contributions.c, partner_totals.c, contingent.c
    now = Figures(
        {(y, p): [int(a), int(r)] for y, p, a, r in conn.execute(
            select(c.year, c.partner, c.agreed_pence, c.received_pence)
            .where(c.pool_id == pool_id))},
        {(y, p): [int(f), int(r), int(m)] for y, p, f, r, m in conn.execute(
            select(t.year, t.partner, t.funded_pence, t.responsible_pence, t.committed_pence)
            .where(t.pool_id == pool_id))},
        {(y, p): int(pence) for y, p, pence in conn.execute(
            select(g.year, g.partner, func.sum(g.amount_pence)).where(g.pool_id == pool_id)
            .group_by(g.year, g.partner))})
    return {"pool": [host, partners, risk_share], "closed": sorted(
        y for (y,) in conn.execute(select(closed_years.c.year)
                                   .where(closed_years.c.pool_id == pool_id))),
        **now.spelled()}


def figures_digest(pool_id: str, position: int, text: bytes) -> str:
    """SHA-256 of the part and of where it belongs: the pool and position, spelled as the
    checkpoint's other digests spell them, then the part's kind."""
    return hashlib.sha256(f"{pool_id}\n{position}\nfigures\n".encode() + text).hexdigest()


def interval_lines(added: dict[str, list[list[Any]]]) -> list[str]:
    """The interval's contribution events and moving decision events (of a checkpoint's added
    rows, spelled), one line each, in log order: `sequence`, `recorded_at`, `year`, then `C`
    and `partner:kind:pence`, or `M` and the moves by partner; tab-separated."""
    lines: list[tuple[int, str]] = []
    for table, kind in ((contribution_events, "C"), (forecast_movements, "M")):
        names = [c.name for c in table.columns]
        sequence, recorded_at, year = (names.index(n) for n in ("sequence", "recorded_at",
                                                                 "year"))
        if kind == "C":
            partner, how, pence = (names.index(n) for n in ("partner", "kind", "amount_pence"))
        else:
            partners = names.index("partners")
        for row in added.get(table.name, []):
            what = (f"{row[partner]}:{row[how]}:{row[pence]}" if kind == "C"
                    else row[partners])
            if what:
                lines.append((row[sequence], f"{row[sequence]}\t{row[recorded_at]}"
                                             f"\t{row[year]}\t{kind}\t{what}"))
    lines.sort(key=lambda item: item[0])
    return [line for _, line in lines]


def figures_text(now: dict[str, Any], before: tuple[int, str, str] | None,
                 lines: list[str]) -> bytes:
    """The part's JSON: `now`, and the interval from the last checkpoint (its position, time
    spelled, and figures part's text; None for a pool's first) through `lines`."""
    along: list[Any] = []
    served = False
    previous, previous_at = (0, "") if before is None else before[:2]
    if before is not None:
        last = json.loads(before[2])
        moving = Figures.read(last)
        along.append([0, moving.spelled()])
        for start in range(0, len(lines), EVERY):
            moving.apply(lines[start:start + EVERY])
            if start + EVERY < len(lines):
                along.append([start + EVERY, moving.spelled()])
        served = ([last["pool"], last["closed"]] == [now["pool"], now["closed"]]
                  and moving.spelled() == {k: now[k] for k in ("contributions", "totals",
                                                                "contingent")})
    return json.dumps({**now, "interval": {
        "previous": previous, "previous_at": previous_at, "served": served,
        "lines": "\n".join(lines), "along": along}},
        sort_keys=True, separators=(",", ":")).encode()
