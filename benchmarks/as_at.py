"""Only the as-at figures of the growing history (`as_at_vs_live`, `as_at_growth`), as the
runner's `growing_history` step measures them, without its other probes:

    python -m benchmarks.as_at [--db sqlite|postgresql://...] [--sizes 50000,100000]
                               [--profile out.prof] [--floor]

`--profile` writes a cProfile of one as-at at the largest size. `--ab` also times, in turn with
them, the as-at of decision 0030 (a private store restored from every checkpoint's rows).
`--floor` times, at the largest size, the as-at at the pool's event a checkpoint follows and at
some of the pool's events after it, each in turn with the live report: what an as-at costs
with nothing to replay, and what each event replayed adds (decision 0048).
"""

from __future__ import annotations

import argparse
import cProfile
import json
from datetime import datetime
from functools import partial
from pathlib import Path
from unittest.mock import patch

from sqlalchemy import func, select

from pooledbudget import reports
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.logs import configure_logging
from pooledbudget.projections.checkpoints import checkpoint_every
from pooledbudget.projections.live import live_store
from pooledbudget.projections.tables import checkpoints

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
    parser.add_argument("--floor", action="store_true")
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
        if args.floor:
            for row in as_at_floor(ledger):
                print(json.dumps(row), flush=True)
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


FLOOR_AFTER = (0, 10, 100, 1000)  # pool events after the checkpoint, and its interval's last


def as_at_floor(ledger: LedgerApplication) -> list[dict[str, float]]:
    """p50s of the shares report as at the pool's event that its last checkpoint by 95% of the
    history follows, and as at the pool's events some way after it (the last before the next
    checkpoint among them), each timed in turn with the live report. An as-at applies the
    pool's events after its checkpoint: at 0 there are none to apply."""
    from pooledbudget.projections.projector import wanted_topics

    live = live_store(ledger)
    last = events_in(ledger)
    with live.transaction() as conn:
        base = conn.execute(select(func.max(checkpoints.c.position)).where(
            checkpoints.c.pool_id == "SYN001",
            checkpoints.c.position <= last - max(1, last // 20))).scalar()
    if base is None:
        return []
    pool_events = [base, *(n.id for n in ledger.recorder.select_notifications(
        start=base, limit=checkpoint_every(), topics=wanted_topics(),
        inclusive_of_start=False))][:checkpoint_every()]
    newest = ledger.last_recorded_time()
    times = {}
    for after in reversed(range(len(pool_events))):  # those recorded when the log ends: live
        note = ledger.recorder.select_notifications(start=pool_events[after], limit=1)[0]
        times[after] = ledger.mapper.to_domain_event(note).timestamp  # type: ignore[attr-defined]
        if newest is None or times[after] < newest:
            break
    last_before = min(times)
    rows = []
    for after in sorted({a for a in FLOOR_AFTER if a < last_before} | {last_before}):
        note = ledger.recorder.select_notifications(start=pool_events[after], limit=1)[0]
        at = ledger.mapper.to_domain_event(note).timestamp  # type: ignore[attr-defined]
        as_at_ms, live_ms = _interleaved([
            lambda at=at: timed(partial(reports.shares, ledger, "SYN001", g.YEAR, as_at=at))[1],
            lambda: timed(partial(reports.shares, ledger, "SYN001", g.YEAR))[1]], AS_AT_ROUNDS)
        rows.append({"pool_events_after_checkpoint": after, "position": pool_events[after],
                     "as_at_p50_ms": as_at_ms, "live_p50_ms": live_ms})
    return rows


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
