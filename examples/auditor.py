"""An auditor's as-at reconstruction and verification of a pool.

    python examples/auditor.py [--db URL] [--pool FRP] [--year 2026-27]
                               [--as-at 2026-10-01T12:00:00] [--seal DIGEST]

1. replays the pool's history (every event, oldest first) and counts it by event;
2. reconstructs the shares as the ledger stood at `--as-at` (a recording time, rule R22) beside
   the shares now;
3. verifies every hash chain and seal (R24), and that the seal `--seal` (a digest written down at
   an earlier audit) is still there and holds;
4. recomputes the hash of every event of the pool's own stream after the first, by hand, from the
   history alone, with `json` and `hashlib` (docs/audit/hash-chain.md).

It only reads. Exit status 0 when everything verifies, 1 otherwise. Without `--db` it builds the
packaged worked scenario into a fresh SQLite file in a temporary directory.
Uses the public API: `open_ledger`, `reports`, `pooledbudget.audit.history` and `.verify`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections import Counter
from contextlib import suppress
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from pooledbudget import LedgerError, configure_logging, open_ledger, parse_json_line, reports
from pooledbudget.audit.history import history
from pooledbudget.audit.verify import verify

ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://pooledbudget.example/ids")


def build_scenario(url: str) -> None:
    ledger = open_ledger(url)
    try:
        scenario = files("pooledbudget") / "scenarios" / "family_recovery_pool.jsonl"
        for line in scenario.read_text(encoding="utf-8").splitlines():
            # The scenario includes commands the ledger must refuse.
            with suppress(LedgerError):
                ledger.execute(parse_json_line(line), use_command_time=True)
    finally:
        ledger.close()


def recompute(pool: str, previous: dict[str, Any], row: dict[str, Any]) -> str:
    """The hash of a pool-stream event (not the first) from its history row, by hand."""
    event = {
        **row["facts"],
        "actor": {"id": row["actor"], "partner": row["partner"], "role": row["role"]},
        "originator_id": {"$uuid": str(uuid5(ID_NAMESPACE, f"pool:{pool}"))},
        "originator_version": row["version"],
        "timestamp": {"$datetime": row["recorded_at"]},
        "prev_hash": previous["hash"],
    }
    if row["reason"] is not None:
        event["reason"] = row["reason"]
    canonical = json.dumps({"event": event, "topic": f"pooledbudget:{row['event']}"},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="database URL (default: the worked scenario, fresh)")
    parser.add_argument("--pool", default="FRP")
    parser.add_argument("--year", default="2026-27")
    parser.add_argument("--as-at", default="2026-10-01T12:00:00")
    parser.add_argument("--seal", help="a seal digest from an earlier audit")
    args = parser.parse_args(argv)
    configure_logging("off")
    url = args.db
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'audit.db'}"
        build_scenario(url)
    as_at = datetime.fromisoformat(args.as_at)
    as_at = as_at if as_at.tzinfo else as_at.replace(tzinfo=UTC)

    ledger = open_ledger(url)
    try:
        rows = list(history(ledger, args.pool))
        print(f"History of {args.pool}: {len(rows)} events, "
              f"{rows[0]['recorded_at'] if rows else '-'} to {rows[-1]['recorded_at'] if rows else '-'}")
        for name, count in sorted(Counter(row["event"] for row in rows).items()):
            print(f"  {name:<24}{count:>5}")

        then = reports.shares(ledger, args.pool, args.year, as_at=as_at)
        now = reports.shares(ledger, args.pool, args.year)
        print(f"\nShares {args.year}: as at {as_at.isoformat()} | now")
        print(f"{'partner':<8}{'spent':>12}{'committed':>12}{'forecast':>12} |"
              f"{'spent':>12}{'committed':>12}{'forecast':>12}")
        for old, new in zip(then.partners, now.partners, strict=True):
            print(f"{old.partner:<8}{old.spent:>12}{old.committed:>12}{old.forecast:>12} |"
                  f"{new.spent:>12}{new.committed:>12}{new.forecast:>12}")

        result = verify(ledger, pool=args.pool, seal=args.seal)
        print(f"\nVerify: ok={result.ok}, {result.events_checked} events, "
              f"{result.seals_checked} seal(s) checked")
        for seal in result.seals:
            print(f"  seal up to log position {seal['up_to']}: {seal['digest']}")
        if not result.ok:
            print(f"  FIRST BAD: {json.dumps(result.first_bad, default=str)}")

        pool_rows = [row for row in rows if row["subject"] == "pool"]
        matches = [recompute(args.pool, prev, row) == row["hash"]
                   for prev, row in zip(pool_rows, pool_rows[1:], strict=False)]
        by_hand = all(matches)
        print(f"\nRecomputed by hand: {sum(matches)} of {len(matches)} pool-stream hashes match")
    finally:
        ledger.close()
    return 0 if result.ok and by_hand else 1


if __name__ == "__main__":
    sys.exit(main())
