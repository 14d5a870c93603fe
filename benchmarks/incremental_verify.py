"""`verify --from-seal` after 1% new events on the largest history, against a full verify.

The largest history the run builds (one pool, `runner.growing_history`) is sealed, 1% more
events are recorded after the seal (new decisions and their weekly spend, as the history grew),
and then, in turn, ROUNDS times: a full verify and a verify from the seal's digest. The target
is the incremental verify taking at most a tenth of the full one (issue 25). The full walk's
speed is reported beside it (events/s), the figure the walk's speed-up moved.

    python -m benchmarks.incremental_verify --db sqlite:///path/to/ledger.db [--pool SYN001]

runs the same measurement on an existing one-pool ledger (it writes a seal and new events).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Iterator
from itertools import islice
from typing import Any

from pooledbudget.aggregates import Pool, pool_uuid
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.audit.verify import verify
from pooledbudget.batch import apply_lines
from pooledbudget.commands import parse_command
from pooledbudget.logs import configure_logging

from . import generator as g

POOL = "SYN001"  # the generator's first pool: the growing history's only one
NEW_SHARE = 0.01
TARGET = 0.1  # incremental ÷ full verify time
ROUNDS = 3


def new_lines(seed: int, tag: str) -> Iterator[str]:
    """More decisions and spend in the pool, ids made unique by `tag` (as the history grew)."""
    spec = g.PoolSpec(pools=1, decisions=40, weeks=52, variations=0.2, reversals=0.01)
    commands = g.generate(spec, seed)
    batch = 0
    while True:
        batch += 1
        for command in commands[1 + 2 * spec.partners:]:
            copy = dict(command, command_id=f"{command['command_id']}-{tag}{batch}")
            for key in ("decision_id", "invoice_ref", "variation_id"):
                if key in copy:
                    copy[key] = f"{copy[key]}-{tag}{batch}"
            yield json.dumps(copy)


def _events(ledger: LedgerApplication) -> int:
    return int(ledger.recorder.max_notification_id() or 0)


def seal_and_grow(ledger: LedgerApplication, seed: int, pool: str = POOL) -> tuple[str, int]:
    """Seals the pool, then records 1% more events after the seal: (digest, events added)."""
    ledger.execute(parse_command({
        "command": "SealPool", "pool_id": pool, "reason": "benchmark: incremental verify",
        "actor": g.actor("P01", "pool_manager")}))
    digest: str = [e for e in ledger.events.get(pool_uuid(pool))
                   if isinstance(e, Pool.Sealed)][-1].hash
    before = _events(ledger)
    goal = before + max(1, round(before * NEW_SHARE))
    lines = new_lines(seed, f"iv{before}-")
    while (have := _events(ledger)) < goal:
        chunk = list(islice(lines, max(1, min(500, (goal - have) // 3))))
        failed = [r for r in apply_lines(ledger, chunk, pause_collection=True) if not r["ok"]]
        if failed:
            raise RuntimeError(f"a generated command was rejected: {failed[0]}")
    return digest, _events(ledger) - before


def measure(ledger: LedgerApplication, seed: int, pool: str = POOL) -> dict[str, Any]:
    """Full and incremental verify timed in turn (medians of ROUNDS); both must say ok."""
    digest, added = seal_and_grow(ledger, seed, pool)
    full_s, tail_s = [], []
    full = tail = None
    for _ in range(ROUNDS):
        started = time.perf_counter()
        full = verify(ledger)
        full_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        tail = verify(ledger, from_seal=digest)
        tail_s.append(time.perf_counter() - started)
    assert full is not None and tail is not None
    if not (full.ok and tail.ok):
        raise RuntimeError(f"verify failed: {full.first_bad or tail.first_bad}")
    t_full, t_tail = statistics.median(full_s), statistics.median(tail_s)
    return {"events": _events(ledger), "new_events": added, "full_s": t_full,
            "from_seal_s": t_tail, "ratio": t_tail / t_full,
            "full_events_checked": full.events_checked,
            "from_seal_events_checked": tail.events_checked,
            "full_events_per_s": full.events_checked / t_full, "met": t_tail / t_full <= TARGET}


def add_figures(report: Any, figure: Any, ledger: LedgerApplication, seed: int) -> None:
    """The runner's hook: measures on its largest history and adds two figures to `report`
    (`figure` is the runner's Figure class, passed in so this module need not import it)."""
    row = measure(ledger, seed)
    report.details["incremental_verify"] = row
    report.add(figure("verify_from_seal", row["ratio"], row["from_seal_s"] * 1000,
                      row["full_s"] * 1000, "ms (from seal ÷ full)", f"≤ {TARGET}", row["met"],
                      f"verify --from-seal after {row['new_events']} new events "
                      f"({NEW_SHARE:.0%}) on {row['events']} vs a full verify, median of "
                      f"{ROUNDS} in turn"))
    report.add(figure("verify_walk", row["full_events_per_s"], row["full_events_per_s"],
                      row["full_events_per_s"], "events/s",
                      note=f"the full verify's walk over {row['events']} events"))


def main(argv: list[str] | None = None) -> None:
    configure_logging("off")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--pool", default=POOL)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    ledger = open_ledger(args.db)
    try:
        row = measure(ledger, args.seed, args.pool)
    finally:
        ledger.close()
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()},
                     indent=2))
    print(f"verify --from-seal ÷ full verify: {row['ratio']:.3f} (target ≤ {TARGET}: "
          f"{'met' if row['met'] else 'missed'})")


if __name__ == "__main__":
    main()
