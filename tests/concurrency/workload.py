"""Command lines and worker processes for the concurrency tests.

Workers are separate OS processes (multiprocessing, spawn): each opens its own ledger on the
shared database, waits at a barrier so all start together, applies its lines through the same
batch path as `pooledbudget apply`, and writes its results to a JSON file.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter
from pathlib import Path
from typing import Any

POOL = "CP"
YEAR = "2026-27"
PARTNERS = ("ASC", "CFS", "ICB")
MANAGER = {"id": "pm-asc-01", "partner": "ASC", "role": "pool_manager"}


def holder(code: str) -> dict[str, str]:
    return {"id": f"bh-{code.lower()}-01", "partner": code, "role": "budget_holder"}


def line(command: str, command_id: str, actor: dict[str, str] | None = None,
         **fields: Any) -> str:
    return json.dumps({"command": command, "command_id": command_id,
                       "actor": actor or MANAGER, "pool_id": fields.pop("pool_id", POOL),
                       **fields})


def setup_lines(pool: str = POOL, decisions: dict[str, tuple[str, dict[str, str],
                                                              dict[str, str] | None]] | None = None,
                ) -> list[str]:
    """A pool of three partners with pledges, and approved one-element decisions
    (id -> (cost, funding, responsibility))."""
    decisions = decisions if decisions is not None else DECISIONS
    lines = [line("EstablishPool", f"{pool}-setup-pool", pool_id=pool, name="Concurrency pool",
                  host="ASC", partners=[{"code": c, "name": c} for c in PARTNERS],
                  first_year=YEAR, risk_share={"rule": "proportional"})]
    for code, amount in (("ASC", "10000.00"), ("CFS", "8000.00"), ("ICB", "6000.00")):
        lines.append(line("PledgeContribution", f"{pool}-setup-pledge-{code}", holder(code),
                          pool_id=pool, partner=code, year=YEAR, amount=amount))
    for decision_id, (cost, funding, responsibility) in decisions.items():
        extra = {} if responsibility is None else {"responsibility": responsibility}
        lines.append(line("ProposeDecision", f"{pool}-setup-{decision_id}", pool_id=pool,
                          decision_id=decision_id, year=YEAR, case_ref=f"CASE-{decision_id}",
                          category="placement", start="2026-04-01", planned_end="2027-03-31",
                          cost={"total": cost}, funding=funding, **extra))
        for code, pct in funding.items():
            if pct != "0":
                lines.append(line("ApproveDecision", f"{pool}-setup-{decision_id}-ok-{code}",
                                  holder(code), pool_id=pool, decision_id=decision_id,
                                  partner=code))
    return lines


# D1 and D2 have room for everything sent to them; D3 has exactly ten pounds, raced for by
# twelve one-pound spends from every worker, so the last pound is contested.
DECISIONS: dict[str, tuple[str, dict[str, str], dict[str, str] | None]] = {
    "D1": ("5000.00", {"ASC": "50", "CFS": "30", "ICB": "20"}, None),
    "D2": ("4000.00", {"ASC": "40", "CFS": "60"}, {"ASC": "100"}),
    "D3": ("10.00", {"ASC": "50", "CFS": "50"}, None),
}
LAST_POUND_ATTEMPTS = 12


def spend(decision_id: str, invoice: str, amount: str, pool: str = POOL,
          command_id: str | None = None) -> str:
    return line("RecordSpend", command_id or f"{pool}-{invoice}", pool_id=pool,
                decision_id=decision_id, invoice_ref=invoice, amount=amount,
                service_date="2026-06-01")


def receipt(code: str, n: int, amount: str = "100.00") -> str:
    return line("ReceiveContribution", f"rcpt-{code}-{n}", partner=code, year=YEAR,
                amount=amount, received_on="2026-05-01", reference=f"R-{code}-{n}")


def contended_lines() -> list[str]:
    """Spends on the same decisions and receipts on the same pool, interleaved."""
    lines: list[str] = []
    for i in range(LAST_POUND_ATTEMPTS):
        lines.append(spend("D3", f"LAST-{i:02d}", "1.00"))
        lines.append(spend("D1", f"D1-{i:02d}", "100.00"))
        lines.append(spend("D2", f"D2-{i:02d}", "25.37"))
        lines.append(receipt(PARTNERS[i % 3], i))
    return lines


def deal(lines: list[str], workers: int) -> list[list[str]]:
    """Round-robin: every worker gets lines of every kind, so they collide on each aggregate."""
    return [lines[w::workers] for w in range(workers)]


def _worker(url: str, lines: list[str], out: str, barrier: Any) -> None:
    from pooledbudget.application import open_ledger
    from pooledbudget.batch import apply_lines
    from pooledbudget.logs import configure_logging

    configure_logging("off")
    ledger = open_ledger(url)
    ledger.recorder.max_notification_id()  # connect before the start line
    barrier.wait(timeout=120)
    results = list(apply_lines(ledger, lines))
    ledger.close()
    Path(out).write_text(json.dumps(results))


def run_concurrently(url: str, batches: list[list[str]], tmp: Path) -> list[list[dict[str, Any]]]:
    """Applies each batch in its own spawned OS process, all starting together."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(batches))
    outs = [tmp / f"worker-{n}.json" for n in range(len(batches))]
    processes = [ctx.Process(target=_worker, args=(url, batch, str(out), barrier))
                 for batch, out in zip(batches, outs, strict=True)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0, f"worker exited with {process.exitcode}"
    return [json.loads(out.read_text()) for out in outs]


def command_of(raw: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(raw)
    return parsed


def topic_counts(ledger: Any) -> Counter[str]:
    counts: Counter[str] = Counter()
    for notification in ledger.recorder.select_notifications(start=1, limit=1_000_000):
        counts[notification.topic.rpartition(":")[2]] += 1
    return counts
