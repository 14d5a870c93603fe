"""Synthetic pooled funds, deterministic by seed, as wire-format command dicts.

A pool is established by its host, every partner pledges and pays in quarterly, the host proposes
decisions (each funded by two to four partners) that the funding partners approve, then weekly
spend lines arrive for every live decision; some decisions are varied (a new split from a week
onwards, approved by the same partners) and some spend lines are reversed.

    from benchmarks.generator import PoolSpec, generate
    commands = generate(PoolSpec(pools=3, decisions=20, weeks=52), seed=7)
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

YEAR = "2026-27"
YEAR_START = date(2026, 4, 6)  # a Monday
YEAR_END = date(2027, 3, 31)
CATEGORIES = ("residential", "community-team", "detox", "family-support", "respite")


@dataclass(frozen=True)
class PoolSpec:
    pools: int = 1
    partners: int = 4
    decisions: int = 10  # per pool
    weeks: int = 52  # weekly spend lines per decision (at most 52: a decision lives in one year)
    variations: float = 0.2  # share of decisions varied mid-year
    reversals: float = 0.01  # share of spend lines reversed


def actor(partner: str, role: str) -> dict[str, str]:
    kind = "pm" if role == "pool_manager" else "bh"
    return {"id": f"{kind}-{partner.lower()}-01", "partner": partner, "role": role}


def partner_codes(n: int) -> list[str]:
    return [f"P{i:02d}" for i in range(1, n + 1)]


def split(rng: random.Random, codes: list[str]) -> dict[str, str]:
    """Whole-percent shares of 100 over `codes`, every one at least 5."""
    cuts = sorted(rng.sample(range(1, 20), len(codes) - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 20], strict=True)]
    return {code: str(part * 5) for code, part in zip(codes, parts, strict=True)}


class _Ids:
    def __init__(self, prefix: str) -> None:
        self.prefix, self.n = prefix, 0

    def __call__(self) -> str:
        self.n += 1
        return f"{self.prefix}-{self.n:07d}"


def establish(pool: str, codes: list[str], next_id: _Ids) -> list[dict[str, Any]]:
    """The pool, its pledges and its first receipts."""
    host = codes[0]
    manager = actor(host, "pool_manager")
    out: list[dict[str, Any]] = [{
        "command": "EstablishPool", "command_id": next_id(), "actor": manager, "pool_id": pool,
        "name": f"Synthetic pooled fund {pool}", "host": host,
        "partners": [{"code": c, "name": f"Partner {c}"} for c in codes],
        "first_year": YEAR, "risk_share": {"rule": "proportional"},
    }]
    for code in codes:
        out.append({"command": "PledgeContribution", "command_id": next_id(),
                    "actor": actor(code, "budget_holder"), "pool_id": pool, "partner": code,
                    "year": YEAR, "amount": "5000000.00"})
    for code in codes:
        out.append({"command": "ReceiveContribution", "command_id": next_id(), "actor": manager,
                    "pool_id": pool, "partner": code, "year": YEAR, "amount": "1250000.00",
                    "received_on": YEAR_START.isoformat(), "reference": f"RCPT-{pool}-{code}-Q1"})
    return out


def decision(pool: str, decision_id: str, codes: list[str], rng: random.Random, weekly: int,
             next_id: _Ids, weeks: int = 52) -> list[dict[str, Any]]:
    """A proposal funded by two to four partners, and their approvals."""
    funders = sorted(rng.sample(codes, rng.randint(2, min(4, len(codes)))))
    manager = actor(codes[0], "pool_manager")
    out: list[dict[str, Any]] = [{
        "command": "ProposeDecision", "command_id": next_id(), "actor": manager, "pool_id": pool,
        "decision_id": decision_id, "year": YEAR, "case_ref": f"CASE-{decision_id}",
        "category": rng.choice(CATEGORIES), "start": YEAR_START.isoformat(),
        "planned_end": YEAR_END.isoformat(),
        # cost with headroom, so that weekly lines (and test probes) always fit
        "cost": {"total": f"{weekly * weeks * 2}.00"}, "funding": split(rng, funders),
    }]
    for code in funders:
        out.append({"command": "ApproveDecision", "command_id": next_id(),
                    "actor": actor(code, "budget_holder"), "pool_id": pool,
                    "decision_id": decision_id, "partner": code})
    return out


def spend(pool: str, decision_id: str, invoice_ref: str, amount: str, service_date: date,
          manager: str, command_id: str | None) -> dict[str, Any]:
    command = {"command": "RecordSpend", "actor": actor(manager, "pool_manager"),
               "pool_id": pool, "decision_id": decision_id, "invoice_ref": invoice_ref,
               "amount": amount, "service_date": service_date.isoformat()}
    if command_id is not None:
        command["command_id"] = command_id
    return command


def generate_pool(pool: str, spec: PoolSpec, rng: random.Random) -> Iterator[dict[str, Any]]:
    codes = partner_codes(spec.partners)
    next_id = _Ids(f"{pool}-c")
    yield from establish(pool, codes, next_id)
    weekly: dict[str, int] = {}
    funding: dict[str, dict[str, str]] = {}
    for d in range(1, spec.decisions + 1):
        decision_id = f"D{d:05d}"
        weekly[decision_id] = rng.randint(200, 3000)
        commands = decision(pool, decision_id, codes, rng, weekly[decision_id], next_id)
        funding[decision_id] = commands[0]["funding"]
        yield from commands
    varied = {d for d in weekly if rng.random() < spec.variations}
    vary_week = max(1, spec.weeks // 2)
    for week in range(spec.weeks):
        service_date = YEAR_START + timedelta(weeks=week)
        for decision_id in weekly:
            if week == vary_week and decision_id in varied:
                variation = f"{decision_id}-V1"
                new_split = split(rng, sorted(funding[decision_id]))
                while new_split == funding[decision_id]:
                    new_split = split(rng, sorted(funding[decision_id]))
                # R12: the partners whose share rises approve (the cost is unchanged)
                approvers = [code for code, pct in new_split.items()
                             if int(pct) > int(funding[decision_id][code])]
                yield {"command": "ProposeVariation", "command_id": next_id(),
                       "actor": actor(codes[0], "pool_manager"), "pool_id": pool,
                       "decision_id": decision_id, "variation_id": variation,
                       "reason": "Mid-year review: the split changes",
                       "effective_from": service_date.isoformat(), "funding": new_split}
                for code in approvers:
                    yield {"command": "ApproveVariation", "command_id": next_id(),
                           "actor": actor(code, "budget_holder"), "pool_id": pool,
                           "decision_id": decision_id, "variation_id": variation,
                           "partner": code}
            pence = weekly[decision_id] * 100 + rng.randint(-5000, 5000)
            ref = f"INV-{decision_id}-W{week:02d}"
            yield spend(pool, decision_id, ref, f"{pence // 100}.{pence % 100:02d}", service_date,
                        codes[0], next_id())
            if rng.random() < spec.reversals:
                yield {"command": "ReverseSpend", "command_id": next_id(),
                       "actor": actor(codes[0], "pool_manager"), "pool_id": pool,
                       "invoice_ref": ref, "reason": "Keyed in error"}


def generate(spec: PoolSpec, seed: int = 1) -> list[dict[str, Any]]:
    """Every pool's commands, pools interleaved week by week as they would arrive."""
    rng = random.Random(seed)
    streams = [generate_pool(f"SYN{p:03d}", spec, random.Random(rng.random()))
               for p in range(1, spec.pools + 1)]
    out: list[dict[str, Any]] = []
    while streams:
        for stream in list(streams):
            chunk = [c for _, c in zip(range(50), stream, strict=False)]
            if not chunk:
                streams.remove(stream)
            out.extend(chunk)
    return out


_RENAMED = ("command_id", "decision_id", "invoice_ref", "variation_id", "reference")
_DATES = ("start", "planned_end", "service_date", "received_on", "effective_from")


def later_year(commands: list[dict[str, Any]], years: int) -> list[dict[str, Any]]:
    """One pool's year of commands as the same fund's year `years` later: pledges, decisions
    and spend of that financial year, with ids of their own (the pool is not established
    again)."""
    out = []
    for command in commands:
        if command["command"] == "EstablishPool":
            continue
        shifted = dict(command)
        for key in _RENAMED:
            if key in shifted:
                shifted[key] = f"Y{years}-{shifted[key]}"
        if "case_ref" in shifted:
            shifted["case_ref"] = f"{shifted['case_ref']}-Y{years}"
        if "year" in shifted:
            shifted["year"] = year_of(years, shifted["year"])
        for key in _DATES:
            if key in shifted:
                day = date.fromisoformat(shifted[key])
                shifted[key] = day.replace(year=day.year + years).isoformat()
        out.append(shifted)
    return out


def year_of(years: int, year: str = YEAR) -> str:
    """The financial year `years` after `year` ("2026-27" and 2: "2028-29")."""
    first = int(year[:4]) + years
    return f"{first}-{(first + 1) % 100:02d}"


def as_lines(commands: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(c) for c in commands]
