"""Rebuild and verify speed on the worked scenario scaled up, against bare decoding.

    python -m benchmarks.catch_up [--copies 50] [--db sqlite:///path | postgresql://...]

(`python -m benchmarks` measures these and more on synthetic pools; this script keeps the figures
on the worked scenario comparable with earlier runs.)

The scenario's pool is copied N times under other pool ids (FRP-1, FRP-2, ...), applied through
the ledger, then the read models are rebuilt from scratch and every hash chain verified. The
baseline, measured in the same run on the same database, is bare eventsourcing reading and
decoding the whole notification log.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from importlib.resources import files
from pathlib import Path

from pooledbudget.application import open_ledger
from pooledbudget.audit.verify import verify
from pooledbudget.batch import apply_lines
from pooledbudget.logs import configure_logging
from pooledbudget.projections import rebuild

from .baseline import bare_decode as _bare_decode


def scaled_lines(copies: int) -> list[str]:
    source = (files("pooledbudget") / "scenarios" / "family_recovery_pool.jsonl").read_text()
    lines = []
    for i in range(1, copies + 1):
        for raw in source.splitlines():
            command = json.loads(raw)
            command.pop("at", None)
            if command.get("pool_id"):
                command["pool_id"] = f"{command['pool_id']}-{i}"
            if command.get("command_id"):
                command["command_id"] = f"{command['command_id']}-{i}"
            lines.append(json.dumps(command))
    return lines


def bare_decode(ledger: object, batch: int = 500) -> int:
    """Bare eventsourcing: read the notification log in batches and decode every event."""
    return _bare_decode(ledger, batch)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=50)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    configure_logging("off")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        ledger = open_ledger(url)
        lines = scaled_lines(args.copies)
        t0 = time.perf_counter()
        results = list(apply_lines(ledger, lines, pause_collection=True))
        t_apply = time.perf_counter() - t0
        events = ledger.recorder.max_notification_id() or 0
        t0 = time.perf_counter()
        decoded = bare_decode(ledger)
        t_bare = time.perf_counter() - t0
        t0 = time.perf_counter()
        applied = rebuild(ledger)
        t_rebuild = time.perf_counter() - t0
        t0 = time.perf_counter()
        verified = verify(ledger)
        t_verify = time.perf_counter() - t0
        ledger.close()
    if not verified.ok:
        raise RuntimeError(f"verify failed: {verified.first_bad}")
    figures = {
        "database": url.split(":")[0], "copies": args.copies, "lines": len(results),
        "events": events, "apply_lines_per_s": round(len(results) / t_apply),
        "bare_decode_events_per_s": round(decoded / t_bare),
        "rebuild_events_per_s": round(applied / t_rebuild),
        "rebuild_vs_bare_decode": round((applied / t_rebuild) / (decoded / t_bare), 3),
        "verify_events_per_s": round(verified.events_checked / t_verify),
        "verify_vs_bare_decode": round((verified.events_checked / t_verify) / (decoded / t_bare), 3),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
