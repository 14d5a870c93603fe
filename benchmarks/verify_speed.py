"""`verify` speed on a large generated history, against bare decoding of the same log.

    python -m benchmarks.verify_speed [--copies 200]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from pooledbudget.application import open_ledger
from pooledbudget.audit.verify import verify
from pooledbudget.batch import apply_lines
from pooledbudget.logs import configure_logging

from .catch_up import bare_decode, scaled_lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=200)
    args = parser.parse_args()
    configure_logging("off")
    with tempfile.TemporaryDirectory() as tmp:
        ledger = open_ledger(f"sqlite:///{Path(tmp) / 'bench.db'}")
        list(apply_lines(ledger, scaled_lines(args.copies)))
        t0 = time.perf_counter()
        decoded = bare_decode(ledger)
        t_bare = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = verify(ledger)
        t_verify = time.perf_counter() - t0
        ledger.close()
    assert result.ok, result.first_bad
    print(json.dumps({
        "events": result.events_checked, "seals": result.seals_checked,
        "verify_events_per_s": round(result.events_checked / t_verify),
        "bare_decode_events_per_s": round(decoded / t_bare),
        "verify_vs_bare_decode": round(t_bare / t_verify, 3),
    }, indent=2))


if __name__ == "__main__":
    main()
