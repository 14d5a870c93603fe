"""PostgreSQL event stores compared, and the ledger on PostgreSQL against SQLite, in one run.

    python -m benchmarks.pg_stores --db postgresql://user@host:port/db [--copies 50] [--quick]

Part 1 — the two ways eventsourcing 9.5.6 stores events in PostgreSQL, each in a fresh schema of
the same server, same process, same aggregate class:
  * `eventsourcing.postgres` (native, psycopg 3 with its pool), and
  * `eventsourcing_sqlalchemy` (SQLAlchemy 2 over psycopg 3).
Figures: one-event saves/s (a new aggregate per save), appends/s (load an existing aggregate from
the aggregate cache, add one event, save), events/s in 500-event saves, and the whole notification
log read raw and read + decoded (500 per select).

Part 2 — the ledger itself: the worked scenario scaled to N pools (benchmarks.catch_up) applied
command by command, then the read models caught up from nothing, on a SQLite file and on a fresh
PostgreSQL schema (native store), in the same run.

Prints one JSON document; docs/decisions/0006-postgresql-store.md records a run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

from eventsourcing.application import Application

from benchmarks.baseline import Counter
from benchmarks.catch_up import bare_decode, scaled_lines


def _pg_env(url: str, schema: str) -> dict[str, str]:
    parts = urlsplit(url)
    return {
        "POSTGRES_DBNAME": parts.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": parts.username or "postgres",
        "POSTGRES_PASSWORD": parts.password or "",
        "POSTGRES_SCHEMA": schema,
    }


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    import psycopg

    base = url.split("?")[0]
    schema = f"bench_{uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def store_env(kind: str, url: str, schema: str) -> dict[str, str]:
    if kind == "native":
        env = {"PERSISTENCE_MODULE": "eventsourcing.postgres", **_pg_env(url, schema)}
    else:
        netloc = urlsplit(url).netloc
        path = urlsplit(url).path
        env = {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
               "SQLALCHEMY_URL": f"postgresql+psycopg://{netloc}{path}",
               "SQLALCHEMY_SCHEMA": schema}
    env["AGGREGATE_CACHE_MAXSIZE"] = "10000"
    return env


def rate(n: int, seconds: float) -> int:
    return round(n / seconds) if seconds > 0 else 0


def timed(fn: Callable[[], int]) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = fn()
    return n, time.perf_counter() - t0


def measure_store(kind: str, url: str, n_single: int, n_batches: int) -> dict[str, Any]:
    with fresh_schema(url) as schema:
        app: Application[Any] = Application(env=store_env(kind, url, schema))
        ids: list[Any] = []

        def singles() -> int:
            for i in range(n_single):
                counter = Counter(name=f"c{i}")
                app.save(counter)
                ids.append(counter.id)
            return n_single

        def appends() -> int:
            for aggregate_id in ids:
                counter: Counter = app.repository.get(aggregate_id)
                counter.add(amount="2450.00", note="weekly charge")
                app.save(counter)
            return len(ids)

        def batches() -> int:
            for i in range(n_batches):
                counter = Counter(name=f"b{i}")
                for _ in range(499):
                    counter.add(amount="2450.00", note="weekly charge")
                app.save(counter)
            return n_batches * 500

        def read(decode: bool) -> int:
            start, count = 1, 0
            while True:
                notifications = app.recorder.select_notifications(start=start, limit=500)
                if not notifications:
                    return count
                if decode:
                    for notification in notifications:
                        app.mapper.to_domain_event(notification)
                count += len(notifications)
                start = notifications[-1].id + 1

        n1, t1 = timed(singles)
        n2, t2 = timed(appends)
        n3, t3 = timed(batches)
        read(False)  # warm the server's cache once for both readings
        n4, t4 = timed(lambda: read(False))
        n5, t5 = timed(lambda: read(True))
        app.close()
    return {
        "one_event_saves_per_s": rate(n1, t1),
        "appends_per_s": rate(n2, t2),
        "batch_500_events_per_s": rate(n3, t3),
        "log_read_raw_events_per_s": rate(n4, t4),
        "log_read_decoded_events_per_s": rate(n5, t5),
        "log_events": n4,
    }


def measure_ledger(url: str, lines: list[str]) -> dict[str, Any]:
    from pooledbudget.application import open_ledger
    from pooledbudget.batch import apply_lines
    from pooledbudget.projections import live_store

    ledger = open_ledger(url)
    t0 = time.perf_counter()
    results = list(apply_lines(ledger, lines, pause_collection=True))
    t_apply = time.perf_counter() - t0
    ok = sum(1 for r in results if r["ok"])
    events = ledger.recorder.max_notification_id() or 0
    decoded, t_bare = timed(lambda: bare_decode(ledger))
    t0 = time.perf_counter()
    live_store(ledger)  # catch the read models up from nothing
    t_catch_up = time.perf_counter() - t0
    ledger.close()
    return {
        "lines": len(results), "lines_ok": ok, "events": events,
        "commands_per_s": rate(len(results), t_apply),
        "events_recorded_per_s": rate(events, t_apply),
        "bare_decode_events_per_s": rate(decoded, t_bare),
        "catch_up_events_per_s": rate(events, t_catch_up),
        "catch_up_seconds": round(t_catch_up, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="postgresql://user@host:port/db")
    parser.add_argument("--copies", type=int, default=50, help="scenario copies for part 2")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args()
    from pooledbudget.logs import configure_logging

    configure_logging("off")
    n_single, n_batches = (100, 2) if args.quick else (2000, 20)
    copies = 2 if args.quick else args.copies
    figures: dict[str, Any] = {"stores": {}, "ledger": {}}
    for kind in ("native", "sqlalchemy"):
        figures["stores"][kind] = measure_store(kind, args.db, n_single, n_batches)
    lines = scaled_lines(copies)
    figures["ledger"]["copies"] = copies
    with tempfile.TemporaryDirectory() as tmp:
        figures["ledger"]["sqlite_file"] = measure_ledger(f"sqlite:///{Path(tmp) / 'b.db'}", lines)
    with fresh_schema(args.db) as schema:
        figures["ledger"]["postgresql"] = measure_ledger(f"{args.db}?schema={schema}", lines)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
