"""Verifying only what was recorded after a seal or head the auditor holds (`--from-seal`).

The anchor is checked first (`anchor.check_anchor`). Then the pool's events after its position
get every check a full verify makes (hash, version, `prev_hash`, recording time, R17, the pool's
links and stream index, the seals recorded since), with the chains carrying on from what the
anchor commits to: a seal's stream heads, event count and log digest, or a head's link. Only the
log after the anchor is walked, plus one keyed read per stream the anchor sealed and per stream
begun before it that continues after it: the cost grows with what is new. Nothing is written.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.utils import get_topic

from ..aggregates import Decision, Pool, pool_uuid
from ..collection import collection_paused
from .anchor import Anchor, check_anchor, decode_checked, find_anchor
from .chain_state import PoolChainState
from .links_check import LinkChecker
from .log_scan import scan_log
from .verify import Progress, Verification, _Checker, _seals

BATCH = 1000
CLOSED = get_topic(Pool.YearClosed)


class _TailChecker(_Checker):
    """A head (unlike a seal) records no stream heads: the seals after it are checked for the
    streams the walk saw, and for the pool's event count and log digest, which cover all."""

    partial_heads = False

    def check_seal(self, seal: Any) -> bool:
        if self.partial_heads:
            state = self.states.get(seal.pool_id, PoolChainState())
            seal.heads = {k: v for k, v in seal.heads.items() if k in state.heads}
        return super().check_seal(seal)


def _continued(app: Application[Any], after: int) -> dict[UUID, int]:
    """Streams begun at or before `after` that continue after it: each one's first version
    after it. Read without decoding (the walk decodes)."""
    recorder: Any = app.recorder
    first: dict[UUID, int] = {}
    started: set[UUID] = set()
    start = after + 1
    while notifications := recorder.select_notifications(start=start, limit=BATCH):
        for n in notifications:
            aggregate_id = UUID(str(n.originator_id))
            if n.originator_version == 1:
                started.add(aggregate_id)
            elif aggregate_id not in started and aggregate_id not in first:
                first[aggregate_id] = n.originator_version
        start = notifications[-1].id + 1
    return first


def _stored(app: Application[Any], aggregate_id: UUID, version: int) -> Any | None:
    found = app.recorder.select_events(aggregate_id, gt=version - 1, lte=version)
    if not found:
        return None
    try:
        return app.mapper.to_domain_event(found[0])
    except Exception:  # noqa: BLE001 - the walk reports what it cannot decode
        return None


def _prepare(app: Application[Any], anchor: Anchor, checker: _TailChecker
             ) -> tuple[dict[UUID, str | None], tuple[str, dict[str, Any]] | None]:
    """The pools, heads and decision years of the streams that continue after the anchor, and
    the years the pool had closed by then."""
    pool = anchor.pool
    sealed = {UUID(k): (int(v[0]), str(v[1])) for k, v in (anchor.heads or {}).items()}
    pools: dict[UUID, str | None] = dict.fromkeys(sealed, pool)
    checker.heads.update(sealed)
    continued = _continued(app, anchor.up_to)
    for aggregate_id, version in continued.items():
        first = _stored(app, aggregate_id, 1)
        owner = getattr(first, "pool_id", None)
        pools.setdefault(aggregate_id, owner)
        if pools[aggregate_id] != pool:
            continue
        if isinstance(first, Decision.Proposed):
            checker.decision_years[aggregate_id] = first.year
        if aggregate_id in checker.heads:
            continue
        if anchor.kind == "seal":
            return pools, ("a stream of the pool begun before the seal is not among its heads",
                           {"seal": anchor.digest, "aggregate_id": str(aggregate_id)})
        found = app.recorder.select_events(aggregate_id, gt=version - 2, lte=version - 1)
        previous, error = decode_checked(app, found[0]) if found else (None, "removed")
        if previous is None:
            return pools, ("the event before the head that this stream continues from is not "
                           "stored as recorded", {"head": anchor.digest, "error": error,
                                                  "aggregate_id": str(aggregate_id),
                                                  "version": version - 1})
        checker.heads[aggregate_id] = (version - 1, previous.hash)
    stream = pool_uuid(pool)
    before = (sealed[stream][0] if stream in sealed
              else continued.get(stream, 10**12) - 1)
    for stored in app.recorder.select_events(stream, lte=before):
        if stored.topic == CLOSED:
            event: Any = app.mapper.to_domain_event(stored)
            checker.closed.setdefault(pool, {})[event.year] = 0
    return pools, None


def verify_from(app: Application[Any], digest: str, *, pool: str | None = None,
                progress: Progress | None = None) -> Verification:
    """Checks the seal or head `digest` (of `pool`, if given), then only the pool's events
    recorded after it. On a log nobody touched it says ok exactly when a full verify does.
    Raises `UnknownDigestError` when no seal or head has that digest."""
    anchor = find_anchor(app, digest, pool)
    pool = anchor.pool
    seals = [s for s in _seals(app, pool, start=anchor.up_to + 1) if s.digest != digest]
    links = LinkChecker(app, pool, after=anchor.up_to)
    checker = _TailChecker(pool, seals, links)
    checker.partial_heads = anchor.kind == "head"
    checker.result.from_anchor = anchor.as_dict()
    if not checker.report(None, links.start()) or not checker.report(None, check_anchor(
            app, anchor)):
        return checker.result
    checker.states[pool] = PoolChainState(anchor.events, anchor.log_digest, {
        k: list(v) for k, v in (anchor.heads or {}).items()})
    links.last[pool] = (anchor.seq, anchor.link, anchor.up_to)
    checker.last_time = anchor.last_time
    pools, problem = _prepare(app, anchor, checker)
    if not checker.report(None, problem):
        return checker.result
    seen_seal = anchor.seal_id is None
    done = 0
    with collection_paused():
        for logged in scan_log(app, start=anchor.up_to + 1, pools=pools):
            if not checker.check(logged):
                return checker.result
            if (logged.aggregate_id, logged.version) == anchor.seal_id:
                seen_seal = True
            done += 1
            if progress is not None and done % 1000 == 0:
                progress(done)
    if not checker.check_seals_before(10**18) or not checker.report(None, links.finish()):
        return checker.result
    if not seen_seal:
        checker.bad(None, "the seal is not in the log after the position it seals: moved or "
                    "removed", seal=digest, up_to=anchor.up_to)
        return checker.result
    checker.result.heads = links.heads()
    if progress is not None:
        progress(done)
    return checker.result

