"""A rebuild's time with checkpoints' added rows teed, read back, and with no checkpoints, in turn.

    python -m benchmarks.checkpoint_ab URL [URL ...] [--rounds 3] [--variants tee,read_back,none]
    python -m benchmarks.checkpoint_ab --build URL --events 100000
    python -m benchmarks.checkpoint_ab --catch-up quick [--db sqlite|postgresql://...] [--rounds 3]

Each URL names a ledger already holding a history (`--build` makes one: the growing pool-year
of `runner._pool_history`, grown by `runner._grow`, as the rebuild-memory figure builds it).
Every round rebuilds each ledger once per variant, in turn, so a busy moment of a shared
machine falls on all alike; the figures are medians, and ratios of medians. After each round
the checkpoints of the teed and the read-back rebuilds are compared column by column: they
must be the same bytes (decision 0040). `--catch-up SIZE` runs only the runner's batch-import
step (whose `catch_up` figure is graded ≥ 0.5), with the tee on and off in turn.
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


def rebuilt(ledger: LedgerApplication, variant: str) -> tuple[float, float, list[tuple[Any, ...]]]:
    """Wall and CPU seconds (this process's) one rebuild took in `variant`, and the
    checkpoints it wrote."""
    os.environ["POOLEDBUDGET_CHECKPOINT_EVERY"] = "0" if variant == "none" else "2000"
    added_tee.ENABLED = variant != "read_back"
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    rebuild(ledger)
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    return took, cpu, stored(ledger)


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
    cpus: dict[str, dict[str, list[float]]] = {u: {v: [] for v in variants} for u in urls}
    events = {}
    for _ in range(rounds):
        for url, ledger in ledgers.items():
            events[url] = ledger.recorder.max_notification_id()
            found = {}
            for variant in variants:
                took, cpu, found[variant] = rebuilt(ledger, variant)
                times[url][variant].append(took)
                cpus[url][variant].append(cpu)
            if "tee" in found and "read_back" in found and (
                    found["tee"] != found["read_back"] or not found["tee"]):
                raise RuntimeError(f"{url}: teed checkpoints differ from read-back ones")
    for ledger in ledgers.values():
        ledger.close()
    out: dict[str, Any] = {}
    for url, by_variant in times.items():
        row: dict[str, Any] = {"events": events[url], "checkpoints": len(found["tee"])
                               if "tee" in found else None}
        for label, figures in (("wall", by_variant), ("cpu", cpus[url])):
            medians = {v: statistics.median(t) for v, t in figures.items()}
            row[label] = {"seconds": {v: [round(t, 2) for t in ts] for v, ts in figures.items()},
                          "median_s": {v: round(m, 2) for v, m in medians.items()}}
            if "tee" in medians and "read_back" in medians:
                row[label]["tee_vs_read_back"] = round(medians["tee"] / medians["read_back"], 3)
            if "none" in medians:
                row[label].update({f"{v}_vs_none": round(medians[v] / medians["none"], 3)
                                   for v in medians if v != "none"})
        out[url] = row
    return out


def catch_up_ratio(db: str, size: str, rounds: int) -> dict[str, Any]:
    """The runner's batch-import step (import, then catch-up, rebuild and bare decoding in
    turn), its `catch_up` and `rebuild` ratios with the tee on and off, in turn."""
    from .runner import SIZES, Backend, Report, batch_import

    ratios: dict[str, dict[str, list[float]]] = {v: {"catch_up": [], "rebuild": []}
                                                 for v in ("tee", "read_back")}
    for _ in range(rounds):
        for variant in ratios:
            added_tee.ENABLED = variant == "tee"
            backend = Backend(db)
            report = Report(size, backend.kind, 1)
            try:
                batch_import(backend, SIZES[size], 1, report)
            finally:
                backend.close()
            for figure in report.figures:
                if figure.name in ("catch_up", "rebuild"):
                    ratios[variant][figure.name].append(round(figure.ratio, 3))
    return {v: {name: {"runs": runs, "median": statistics.median(runs)}
                for name, runs in figures.items()} for v, figures in ratios.items()}


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
    parser.add_argument("--catch-up", default=None, metavar="SIZE",
                        help="only the runner's catch-up figure at this size, tee on and off")
    parser.add_argument("--db", default="sqlite", help="for --catch-up")
    args = parser.parse_args()
    if args.catch_up:
        print(json.dumps(catch_up_ratio(args.db, args.catch_up, args.rounds), indent=2))
    if args.build:
        print(json.dumps({"built": args.build, "events": build(args.build, args.events)}))
    if args.urls:
        print(json.dumps(compare(args.urls, args.rounds, args.variants.split(",")), indent=2))


if __name__ == "__main__":
    main()
