"""Recomputing every chain and checking it against the seals (R24).

One pass over the log finds the first event that does not match, in log order:
- its stored bytes no longer decode, or its content no longer gives its recorded hash (altered);
- its version does not follow the previous one of its aggregate (an event removed or inserted);
- its `prev_hash` is not the hash of the previous event of its aggregate (removed, swapped);
- it was recorded earlier than the event before it in the log (recording time never goes back);
- it is a decision's event recorded after the decision's year was closed (R17: a forgery);
- at a seal's position, the pool's heads, event count or log digest differ from what the seal
  recorded (a sealed stream was truncated, or rewritten with recomputed hashes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.utils import get_topic

from ..aggregates import Decision, Pool
from ..aggregates.chain import GENESIS, event_hash
from ..collection import collection_paused
from .chain_state import PoolChainState
from .links_check import LinkChecker, Problem
from .log_scan import LoggedEvent, scan_log

Progress = Callable[[int], None]
_TOPICS: dict[type, str] = {}


@dataclass
class SealRecord:
    pool_id: str
    digest: str
    up_to: int
    events: int
    heads: dict[str, list[Any]]
    log_digest: str
    notification_id: int


@dataclass
class Verification:
    ok: bool = True
    events_checked: int = 0
    seals_checked: int = 0
    first_bad: dict[str, Any] | None = None
    seals: list[dict[str, Any]] = field(default_factory=list)
    heads: list[dict[str, Any]] = field(default_factory=list)  # each pool's last link
    expected_head: dict[str, Any] | None = None
    from_anchor: dict[str, Any] | None = None  # where an incremental verify started

    def as_dict(self) -> dict[str, Any]:
        start = {} if self.from_anchor is None else {"from": self.from_anchor}
        if self.ok:
            found = {} if self.expected_head is None else {"expected_head": self.expected_head}
            return {"ok": True, **start, "events_checked": self.events_checked,
                    "seals_checked": self.seals_checked, "seals": self.seals,
                    "heads": self.heads, **found}
        return {"ok": False, **start, "events_checked": self.events_checked,
                "first_bad": self.first_bad}


def _seals(app: Application[Any], pool: str | None, start: int = 1) -> list[SealRecord]:
    notifications = app.recorder.select_notifications(
        start=start, limit=10_000_000, topics=[get_topic(Pool.Sealed)])
    seals = []
    for n in notifications:
        try:
            event: Any = app.mapper.to_domain_event(n)
        except Exception:  # noqa: BLE001 - the main pass reports undecodable events
            continue
        if pool is None or event.pool_id == pool:
            seals.append(SealRecord(event.pool_id, event.hash, event.up_to, event.events,
                                    event.heads, event.log_digest, n.id))
    return sorted(seals, key=lambda s: (s.up_to, s.notification_id))


class _Checker:
    def __init__(self, pool: str | None, seals: list[SealRecord], links: LinkChecker) -> None:
        self.pool = pool
        self.links = links
        self.pending_seals = seals
        self.heads: dict[UUID, tuple[int, str]] = {}
        self.states: dict[str, PoolChainState] = {}
        self.decision_years: dict[UUID, str] = {}
        self.closed: dict[str, dict[str, int]] = {}  # pool -> year -> notification id
        self.last_time: datetime | None = None
        self.result = Verification()

    def bad(self, logged: LoggedEvent | None, problem: str, **details: Any) -> None:
        where: dict[str, Any] = {}
        if logged is not None:
            where = {"notification_id": logged.notification_id,
                     "aggregate_id": str(logged.aggregate_id), "version": logged.version,
                     "topic": logged.topic, "pool": logged.pool_id}
        self.result.ok = False
        self.result.first_bad = {**where, "problem": problem, **details}

    def check_seals_before(self, notification_id: int) -> bool:
        """Checks every seal whose position lies before `notification_id`; False on a mismatch."""
        while self.pending_seals and self.pending_seals[0].up_to < notification_id:
            seal = self.pending_seals.pop(0)
            if not self.check_seal(seal):
                return False
        return True

    def check_seal(self, seal: SealRecord) -> bool:
        state = self.states.get(seal.pool_id, PoolChainState())
        self.result.seals_checked += 1
        self.result.seals.append({"pool": seal.pool_id, "digest": seal.digest,
                                  "up_to": seal.up_to, "events": seal.events})
        for aggregate_id, (version, head) in seal.heads.items():
            found = state.heads.get(aggregate_id)
            if found != [version, head]:
                self.bad(None, "a sealed stream no longer ends where the seal says",
                         seal=seal.digest, pool=seal.pool_id, aggregate_id=aggregate_id,
                         sealed_version=version, sealed_hash=head,
                         found_version=None if found is None else found[0],
                         found_hash=None if found is None else found[1])
                return False
        if state.events != seal.events or state.log_digest != seal.log_digest:
            self.bad(None, "the pool's events up to the seal differ from what it sealed",
                     seal=seal.digest, pool=seal.pool_id, sealed_events=seal.events,
                     found_events=state.events, sealed_log_digest=seal.log_digest,
                     found_log_digest=state.log_digest)
            return False
        return True

    def check(self, logged: LoggedEvent) -> bool:
        if not self.check_seals_before(logged.notification_id):
            return False
        event = logged.event
        if self.pool is not None and logged.pool_id not in (self.pool, None):
            return True
        if event is None:
            self.bad(logged, "the stored event cannot be decoded", error=logged.error)
            return False
        if self.pool is not None and logged.pool_id is None:
            return True
        self.result.events_checked += 1
        kind = type(event)
        topic = _TOPICS.get(kind) or _TOPICS.setdefault(kind, get_topic(kind))
        recomputed = event_hash(topic, event.__dict__)  # read only: no copy needed
        recorded = getattr(event, "hash", None)  # an altered key name drops the field
        if recomputed != recorded:
            self.bad(logged, "the event's content does not give its recorded hash",
                     recorded_hash=recorded, recomputed_hash=recomputed)
            return False
        previous = self.heads.get(logged.aggregate_id)
        expected_version = 1 if previous is None else previous[0] + 1
        if logged.version != expected_version:
            self.bad(logged, f"version {expected_version} of this aggregate is missing"
                     if logged.version > expected_version else "a version is repeated",
                     expected_version=expected_version)
            return False
        expected_prev = GENESIS if previous is None else previous[1]
        if event.prev_hash != expected_prev:
            self.bad(logged, "prev_hash is not the hash of the previous event of the aggregate",
                     recorded_prev_hash=event.prev_hash, expected_prev_hash=expected_prev)
            return False
        if self.last_time is not None and event.timestamp < self.last_time:
            self.bad(logged, "recorded earlier than the event before it in the log",
                     recorded_at=event.timestamp.isoformat(),
                     previous_recorded_at=self.last_time.isoformat())
            return False
        if not self.check_year_open(logged, event):
            return False
        if not self.report(logged, self.links.check(logged, event)):
            return False
        self.last_time = event.timestamp
        self.heads[logged.aggregate_id] = (logged.version, event.hash)
        if logged.pool_id is not None:
            self.states.setdefault(logged.pool_id, PoolChainState()).add(event)
        return True

    def report(self, logged: LoggedEvent | None, problem: Problem | None) -> bool:
        if problem is None:
            return True
        what, details = problem
        if details.pop("elsewhere", False):
            logged = None  # about another (a removed) event: the details say which
        self.bad(logged, what, **details)
        return False

    def check_year_open(self, logged: LoggedEvent, event: Any) -> bool:
        if isinstance(event, Decision.Proposed):
            self.decision_years[logged.aggregate_id] = event.year
        elif isinstance(event, Pool.YearClosed) and logged.pool_id is not None:
            self.closed.setdefault(logged.pool_id, {})[event.year] = logged.notification_id
        elif isinstance(event, Decision.Event) and logged.pool_id is not None:
            year = self.decision_years.get(logged.aggregate_id)
            if year is not None and year in self.closed.get(logged.pool_id, {}):
                self.bad(logged, f"a decision event recorded after {year} was closed (R17)")
                return False
        return True


def verify(app: Application[Any], *, pool: str | None = None, seal: str | None = None,
           expect_head: str | None = None, progress: Progress | None = None,
           from_seal: str | None = None) -> Verification:
    """Checks every chain (of one pool, if given), every seal, the pools' links and the stream
    index; `seal` must be among the seals, and `expect_head` (with `pool`) among the pool's
    links: a head written down earlier that is gone means its history was cut or rewritten.

    `from_seal`: a seal's digest or a pool's head held by the auditor; that anchor is checked,
    then only its pool's events after it (`from_seal.verify_from`; `UnknownDigestError` if no
    seal or head has it)."""
    if from_seal is not None:
        if seal is not None or expect_head is not None:
            raise ValueError("from_seal starts from one anchor: give no seal or expect_head")
        from .from_seal import verify_from

        return verify_from(app, from_seal, pool=pool, progress=progress)
    if expect_head is not None and pool is None:
        raise ValueError("expect_head is a head of one pool: give the pool")
    seals = _seals(app, pool)
    links = LinkChecker(app, pool, expect_head)
    checker = _Checker(pool, list(seals), links)
    if not checker.report(None, links.start()):
        return checker.result
    done = 0
    # The chains' heads and the pools of every aggregate live until the walk ends, and the
    # collector's full sweeps over them found nothing (0 unreachable objects after 200,000
    # events) yet cost 8-12% of a verify: paused for the walk, as for a catch-up batch (0012).
    with collection_paused():
        for logged in scan_log(app):
            if not checker.check(logged):
                return checker.result
            done += 1
            if progress is not None and done % 1000 == 0:
                progress(done)
    if not checker.check_seals_before(10**18) or not checker.report(None, links.finish()):
        return checker.result
    checker.result.heads = links.heads()
    if expect_head is not None:
        if links.head_found is None:
            checker.bad(None, "the expected head is not in the pool's history: events up to it "
                        "were removed or rewritten", pool=pool, expected_head=expect_head)
            return checker.result
        checker.result.expected_head = {"pool": pool, "head": expect_head,
                                        "seq": links.head_found}
    if checker.result.ok and seal is not None and seal not in {s.digest for s in seals}:
        checker.bad(None, "no seal with this digest: it was removed or altered", seal=seal)
    if progress is not None:
        progress(done)
    return checker.result
