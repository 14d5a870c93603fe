"""Only the as-at figures of the growing history (`as_at_vs_live`, `as_at_growth`), as the
runner's `growing_history` step measures them, without its other probes:

    python -m benchmarks.as_at [--db sqlite|postgresql://...] [--sizes 50000,100000]
                               [--profile out.prof]

`--profile` writes a cProfile of one as-at at the largest size. `--ab` also times, in turn with
them, the as-at of decision 0030 (a private store restored from every checkpoint's rows).
"""

from __future__ import annotations

import argparse
import cProfile
import json
from datetime import datetime
from functools import partial
from pathlib import Path
from unittest.mock import patch

from pooledbudget import reports
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.logs import configure_logging
from pooledbudget.projections.live import live_store

from . import generator as g
from .runner import (
    AS_AT_ROUNDS,
    Backend,
    Report,
    _as_at_near_the_end,
    _grow,
    _interleaved,
    _pool_history,
    as_at_targets,
    events_in,
    print_table,
    timed,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--sizes", default="50000,100000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--ab", action="store_true")
    args = parser.parse_args(argv)
    configure_logging("off")
    sizes = sorted(int(size) for size in args.sizes.split(","))
    backend = Backend(args.db)
    try:
        ledger = open_ledger(backend.url("history"))
        history = _pool_history(args.seed)
        rows = {}
        for size in sizes:
            _grow(ledger, history, size)
            rows[size] = _as_at_near_the_end(ledger)
            if args.ab:
                rows[size].update(_against_0030(ledger))
            print(json.dumps({"size": size, **rows[size]}), flush=True)
        if len(rows) > 1:  # the targets compare two sizes
            report = Report("as-at", backend.kind, args.seed)
            as_at_targets(rows, report)
            print_table(report)
        if args.profile:
            _profile(ledger, args.profile)
        ledger.close()
    finally:
        backend.close()


def _against_0030(ledger: LedgerApplication) -> dict[str, float]:
    """p50s of the as-at over the live rows and of 0030's private store, timed in turn."""
    from pooledbudget.projections import from_checkpoint

    at = _near_the_end(ledger)
    live_store(ledger)

    def report(over_live: bool) -> float:
        shares = partial(reports.shares, ledger, "SYN001", g.YEAR, as_at=at)
        if over_live:
            return timed(shares)[1]
        with patch.object(from_checkpoint, "can_shadow", lambda live: False):
            return timed(shares)[1]

    new_ms, old_ms = _interleaved([partial(report, True), partial(report, False)], AS_AT_ROUNDS)
    return {"ab_over_live_p50_ms": new_ms, "ab_0030_p50_ms": old_ms}


def _near_the_end(ledger: LedgerApplication) -> datetime:
    last = events_in(ledger)
    note = ledger.recorder.select_notifications(start=last - max(1, last // 20), limit=1)[0]
    at: datetime = ledger.mapper.to_domain_event(note).timestamp  # type: ignore[attr-defined]
    return at


def _profile(ledger: LedgerApplication, path: Path) -> None:
    """One shares report as at 95% of the history, as `_as_at_near_the_end` times it."""
    at = _near_the_end(ledger)
    live_store(ledger)
    cProfile.runctx("run()", globals(), {"run": partial(reports.shares, ledger, "SYN001", g.YEAR,
                                                        as_at=at)}, str(path))


if __name__ == "__main__":
    main()
