"""A county-sized fund-year from the benchmarks' generator, for the board pack at scale.

One pool of five named partners, 300 family placements with 40 weekly spend lines each (about
13,000 lines with approvals, mid-year variations and reversals, 12,000 of them spend); the last
few placements are left awaiting one partner's approval, so the pending list is longer than a
board sheet shows. The first half of the lines are applied, the recording time noted (the
as-at), then the rest.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pooledbudget.application import LedgerApplication
from pooledbudget.batch import apply_lines
from pooledbudget.projections import live_store

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generator import PoolSpec, generate  # noqa: E402

POOL, YEAR = "SYN001", "2026-27"
SPEC = PoolSpec(pools=1, partners=5, decisions=300, weeks=40)
PENDING = 12  # the last placements, each still waiting on one funder
NAMES = {"P01": "Adult Social Care", "P02": "Children's Services", "P03": "NHS Integrated Care Board",
         "P04": "Substance Misuse Service (Public Health)", "P05": "Probation Service"}


@dataclass(frozen=True)
class County:
    decision_ids: list[str]
    pending_ids: list[str]
    as_at: datetime
    lines: int


def commands(seed: int = 26) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """The year's commands, every decision id, and the ids left pending."""
    out: list[dict[str, Any]] = []
    ids = [f"D{d:05d}" for d in range(1, SPEC.decisions + 1)]
    pending = set(ids[-PENDING:])
    last_approval: dict[str, int] = {}
    for command in generate(SPEC, seed=seed):
        if command["command"] == "EstablishPool":
            command = {**command, "name": "County Families Pooled Fund",
                       "partners": [{"code": p["code"], "name": NAMES[p["code"]]}
                                    for p in command["partners"]]}
        decision = command.get("decision_id") or command.get("invoice_ref", "INV-")[4:10]
        if decision in pending and command["command"] != "ProposeDecision":
            if command["command"] != "ApproveDecision":
                continue  # no spend, variation or reversal before approval
            last_approval[decision] = len(out)
        out.append(command)
    for index in sorted(last_approval.values(), reverse=True):
        del out[index]  # one funder has not approved yet
    return out, ids, sorted(pending)


def build(ledger: LedgerApplication) -> County:
    """Applies the county year to an empty `ledger` and catches its read models up."""
    cmds, ids, pending = commands()
    lines = [json.dumps(c) for c in cmds]
    half = len(lines) // 2
    results = list(apply_lines(ledger, lines[:half]))
    as_at = ledger.last_recorded_time()
    assert as_at is not None
    results += list(apply_lines(ledger, lines[half:]))
    failed = [r for r in results if not r["ok"]]
    assert not failed, failed[:3]
    live_store(ledger)
    return County(ids, pending, as_at, len(lines))
