"""A rebuild's time with checkpoints' added rows teed, read back, and with no checkpoints, in turn.

    python -m benchmarks.checkpoint_ab URL [URL ...] [--rounds 3] [--variants tee,read_back,none]
    python -m benchmarks.checkpoint_ab --build URL --events 100000

Each URL names a ledger already holding a history (`--build` makes one: the growing pool-year
of `runner._pool_history`, grown by `runner._grow`, as the rebuild-memory figure builds it).
Every round rebuilds each ledger once per variant, in turn, so a busy moment of a shared
machine falls on all alike; the figures are medians, and ratios of medians. After each round
the checkpoints of the teed and the read-back rebuilds are compared column by column: they
must be the same bytes (decision 0040).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import statistics
import time
from typing import Any

from sqlalchemy import select

from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.collection import own_the_process
from pooledbudget.logs import configure_logging
from pooledbudget.projections import added_tee, live_store, rebuild
from pooledbudget.projections.tables import checkpoints

VARIANTS = ("tee", "read_back", "none")


def rebuilt(ledger: LedgerApplication, variant: str) -> tuple[float, list[tuple[Any, ...]]]:
    """Seconds one rebuild took in `variant`, and the checkpoints it wrote."""
    os.environ["POOLEDBUDGET_CHECKPOINT_EVERY"] = "0" if variant == "none" else "2000"
    added_tee.ENABLED = variant != "read_back"
    gc.collect()
    t0 = time.perf_counter()
    rebuild(ledger)
    took = time.perf_counter() - t0
    return took, stored(ledger)


def stored(ledger: LedgerApplication) -> list[tuple[Any, ...]]:
    """Every checkpoint's columns, its compressed parts by their SHA-256."""
    with live_store(ledger).transaction() as conn:
        rows = conn.execute(select(checkpoints).order_by(checkpoints.c.pool_id,
                                                         checkpoints.c.position)).all()
    return [tuple(hashlib.sha256(bytes(v)).hexdigest() if isinstance(v, (bytes, memoryview))
                  else str(v) for v in row) for row in rows]


def compare(urls: list[str], rounds: int, variants: list[str]) -> dict[str, Any]:
    ledgers = {url: open_ledger(url) for url in urls}
    times: dict[str, dict[str, list[float]]] = {u: {v: [] for v in variants} for u in urls}
    events = {}
    for _ in range(rounds):
        for url, ledger in ledgers.items():
            events[url] = ledger.recorder.max_notification_id()
            found = {}
            for variant in variants:
                took, found[variant] = rebuilt(ledger, variant)
                times[url][variant].append(took)
            if "tee" in found and "read_back" in found:
                if found["tee"] != found["read_back"] or not found["tee"]:
                    raise RuntimeError(f"{url}: teed checkpoints differ from read-back ones")
    for ledger in ledgers.values():
        ledger.close()
    out: dict[str, Any] = {}
    for url, by_variant in times.items():
        medians = {v: statistics.median(t) for v, t in by_variant.items()}
        row: dict[str, Any] = {"events": events[url], "seconds": by_variant,
                               "median_s": {v: round(m, 2) for v, m in medians.items()}}
        if "tee" in medians and "read_back" in medians:
            row["tee_vs_read_back"] = round(medians["tee"] / medians["read_back"], 3)
        if "none" in medians:
            row.update({f"{v}_vs_none": round(medians[v] / medians["none"], 3)
                        for v in medians if v != "none"})
        out[url] = row
    return out


def build(url: str, events: int) -> int:
    from .runner import _grow, _pool_history, events_in

    ledger = open_ledger(url)
    _grow(ledger, _pool_history(1), events)
    have = events_in(ledger)
    ledger.close()
    return have


def main() -> None:
    own_the_process()
    configure_logging("off")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("urls", nargs="*")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--build", default=None, help="make a history at this URL first")
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    if args.build:
        print(json.dumps({"built": args.build, "events": build(args.build, args.events)}))
    if args.urls:
        print(json.dumps(compare(args.urls, args.rounds, args.variants.split(",")), indent=2))


if __name__ == "__main__":
    main()
