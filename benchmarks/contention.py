"""Latency of a spend under contention: 1, 4 and 8 writers at once, on one decision or each on
its own, as ratios to one writer (lower is better; 1.0 means waiting for others costs nothing).

Every writer is an OS process with its own ledger on the same database (the "one process per
worker" model of docs/developers/concurrency.md), forked from a server that imported the package
once. Writers take turns at the database's write lock (decision 0023), so a spend's latency is
its own work plus the wait for the spends ahead of it. Each round starts all its writers at one
moment; each writer times each of its spends (`execute`, wall clock). The rounds run in turn, all
of them twice, and the samples of both repetitions are pooled.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from datetime import timedelta
from typing import Any

from pooledbudget.application import open_ledger
from pooledbudget.commands import parse_command

from . import generator as g

WRITERS = (1, 4, 8)
REPEATS = 2
POOL = "SYN001"


def _spend(decision: str, tag: str, n: int, manager: str) -> dict[str, Any]:
    return g.spend(POOL, decision, f"{tag}-{n:05d}", "1.00",
                   g.YEAR_START + timedelta(days=n % 300), manager, f"{tag}-{n:05d}")


def _writer(url: str, writer: int, tasks: Any, results: Any) -> None:
    """Runs the rounds it is sent: (tag, decision, spends, start at) -> its latencies in s."""
    from pooledbudget.logs import configure_logging

    configure_logging("off")
    ledger = open_ledger(url)
    manager = g.partner_codes(4)[0]
    while (task := tasks.get()) is not None:
        tag, decision, spends, start_at = task
        commands = [parse_command(_spend(decision, f"{tag}-w{writer}", n, manager))
                    for n in range(spends)]
        time.sleep(max(0.0, start_at - time.time()))
        latencies = []
        for command in commands:
            began = time.perf_counter()
            ledger.execute(command)
            latencies.append(time.perf_counter() - began)
        results.put((writer, latencies))
    ledger.close()


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def measure(url: str, spends: int, warm_up: int) -> dict[str, Any]:
    """p50 and p99 (ms) of a spend for each number of writers, on one decision and on
    different decisions, with the rounds' throughput."""
    spec = g.PoolSpec(pools=1, decisions=max(WRITERS), weeks=2, variations=0, reversals=0)
    ledger = open_ledger(url)
    from pooledbudget.batch import apply_lines

    bad = [r for r in apply_lines(ledger, g.as_lines(g.generate(spec, 1))) if not r["ok"]]
    ledger.close()
    if bad:
        raise RuntimeError(f"setup rejected: {bad[0]}")
    decisions = [f"D{d:05d}" for d in range(1, spec.decisions + 1)]

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pooledbudget.application", "pooledbudget.batch"])
    tasks = [ctx.Queue() for _ in range(max(WRITERS))]
    results = ctx.Queue()
    workers = [ctx.Process(target=_writer, args=(url, w, tasks[w], results))
               for w in range(max(WRITERS))]
    for worker in workers:
        worker.start()

    def round_(tag: str, writers: int, one: bool, count: int) -> tuple[list[float], float]:
        start_at = time.time() + 0.5
        for w in range(writers):
            tasks[w].put((tag, decisions[0] if one else decisions[w], count, start_at))
        latencies: list[float] = []
        for _ in range(writers):
            latencies += results.get(timeout=600)[1]
        return latencies, max(0.001, time.time() - start_at)

    try:
        round_("warm", max(WRITERS), False, warm_up)  # connections, caches, the WAL file
        samples: dict[tuple[str, int], list[float]] = {}
        elapsed: dict[tuple[str, int], float] = {}
        for repeat in range(REPEATS):
            for mode in ("one", "different"):
                for writers in WRITERS:
                    if writers == 1 and mode == "different":
                        continue  # one writer is the same round either way
                    latencies, seconds = round_(f"r{repeat}-{mode}-{writers}", writers,
                                                mode == "one", spends)
                    samples.setdefault((mode, writers), []).extend(latencies)
                    elapsed[(mode, writers)] = elapsed.get((mode, writers), 0.0) + seconds
    finally:
        for queue in tasks:
            queue.put(None)
        for worker in workers:
            worker.join(timeout=60)
    samples[("different", 1)] = samples[("one", 1)]
    elapsed[("different", 1)] = elapsed[("one", 1)]
    rows = {}
    for (mode, writers), latencies in sorted(samples.items()):
        rows[f"{mode}_{writers}"] = {
            "writers": writers, "decisions": 1 if mode == "one" else writers,
            "spends": len(latencies),
            "p50_ms": round(_percentile(latencies, 50) * 1000, 3),
            "p99_ms": round(_percentile(latencies, 99) * 1000, 3),
            "spends_per_s": round(len(latencies) / elapsed[(mode, writers)], 1)}
    return rows
