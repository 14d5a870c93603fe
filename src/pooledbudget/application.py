"""The service layer: one method per command — load, check, decide, save atomically.

Checks run in the order docs/reference/rules.md fixes: shape (by the command models), idempotency
(R25), the recording clock, authority (R26), a closed year (R17), the state rules, then the limits. A
rejected command raises a `LedgerError` and nothing is written.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    project_aggregate,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording

from . import commands as c
from .aggregates import (
    CommandReceipt,
    Decision,
    EvidenceRef,
    InvoiceRef,
    Pool,
    decision_uuid,
    pool_uuid,
)
from .aggregates.closure import YearClosure, closure_uuid
from .aggregates.register import Entry, check_complete, check_entries
from .aggregates.registry import (
    LegacyInvoiceRefs,
    evidence_uuid,
    invoice_key_uuid,
    legacy_invoices_uuid,
    receipt_uuid,
)
from .aggregates.terms import Actor, ElementTerms, Outcome, VariedElementTerms
from .audit.seal import chain_state
from .collection import collection_paused
from .errors import (
    AuthorisationError,
    ConcurrencyConflictError,
    IdempotencyConflictError,
    LedgerError,
    StateError,
    TimeInFutureError,
    TimeWentBackwardsError,
    WriteLockTimeoutError,
)
from .feed import Change
from .feed import changes as _changes
from .guards import UNLESS_EXISTS
from .log_index import LOG_INDEX, entry_for
from .logs import ledger_logger
from .persistence import (
    Database,
    at_rest_options,
    check_cipher,
    database,
    lock_timeout_setting,
    prepare,
    setup_lock,
    timeout_env,
)
from .references import reference_key

log = ledger_logger()  # silent unless the host asks (logs.py)
A = TypeVar("A", bound=Aggregate)
Clock = Callable[[], datetime]
MAX_ATTEMPTS = 5
INTERNAL_EVENTS = {"InvoiceRegistered", "EvidenceRegistered", "CommandAccepted",
                   "YearClosureRecorded", "LegacyInvoiceRefsIndexed"}
LEGACY_CLAIM_TOPIC = "pooledbudget:InvoiceRegistered"
GROUP_SIZE = 1000
# How far after the clock a command's `at` may be under `use_command_time` (clocks differ a
# little between machines); beyond it the line fails `time_in_future`, unless allowed.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Sealing reads the stored log (chain_state), so these run alone, after the group before them
# is saved.
RUN_ALONE = (c.CloseYear, c.SealPool)


@dataclass(frozen=True)
class CommandResult:
    """What a command recorded: the names of its events, or that it was a duplicate (R25)."""

    command: str
    events: list[str] = field(default_factory=list)
    duplicate: bool = False


@dataclass
class _Group:
    """What the commands of one group have loaded, created and decided, saved together."""

    aggregates: dict[UUID, Aggregate] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)  # in command order, for the log
    guards: list[UUID] = field(default_factory=list)
    last_at: datetime | None = None
    absent: set[UUID] = field(default_factory=set)  # looked up in one query before the group
    current: dict[UUID, Any] = field(default_factory=dict)  # cached ones, brought up to date
    # How many pending events each aggregate the current command found already held.
    marks: dict[UUID, int] = field(default_factory=dict)


class _Replay(Exception):
    """A rejected command had changed the group's aggregates part-way: replay one at a time."""


@dataclass(frozen=True)
class _Decided:
    aggregates: list[Aggregate]
    events: list[Any]
    guard: list[UUID]
    at: datetime


def event_name(event: object) -> str:
    """The stable event name: the last part of the event's explicit topic."""
    return str(type(event).TOPIC).rpartition(":")[2]  # type: ignore[attr-defined]


def utc_now() -> datetime:
    return datetime.now(UTC)


class LedgerApplication(Application[UUID]):
    """The event-sourced ledger. Build one with `open_ledger(url)`."""

    name = "pooledbudget"

    def __init__(self, env: Mapping[str, str] | None = None, clock: Clock = utc_now,
                 database: Database | None = None, lock_timeout: float | None = None) -> None:
        super().__init__(env=env)
        self.clock = clock
        if lock_timeout is not None and hasattr(self.recorder, "lock_timeout"):
            self.recorder.lock_timeout = lock_timeout
        self.database = database  # where read models go beside the events; see open_ledger
        self._local = threading.local()  # the group `execute_many` is deciding, per thread
        # Each pool's raw-text invoice claims, once read (they never change: see `_legacy`).
        self._legacy_claims: dict[str, dict[str, dict[str, str]]] = {}
        self._handlers: dict[type[c.Command], Callable[[Any, Actor, datetime], list[Aggregate]]]
        self._handlers = {
            c.EstablishPool: self._establish_pool,
            c.JoinPool: self._join_pool,
            c.PledgeContribution: self._pledge,
            c.VaryContribution: self._vary,
            c.ReceiveContribution: self._receive,
            c.ProposeDecision: self._propose_decision,
            c.ApproveDecision: self._approve_decision,
            c.DeclineDecision: self._decline_decision,
            c.ProposeVariation: self._propose_variation,
            c.ApproveVariation: self._approve_variation,
            c.DeclineVariation: self._decline_variation,
            c.EndDecision: self._end_decision,
            c.RecordSpend: self._record_spend,
            c.RecordOutcome: self._record_outcome,
            c.ReverseSpend: self._reverse_spend,
            c.CloseYear: self._close_year,
            c.SealPool: self._seal_pool,
            c.AdoptSignatoryRegister: self._adopt_register,
            c.RegisterSignatory: self._register_signatory,
            c.RevokeSignatory: self._revoke_signatory,
        }

    def save(self, *objs: Any, pools: Mapping[UUID, str | None] | None = None,
             **kwargs: Any) -> list[Recording[UUID]]:
        """eventsourcing's `save` (collect, record, snapshot, notify), collecting the ledger's
        aggregates and events by their classes instead of by eventsourcing's runtime Protocol
        checks: those cost 16 us an aggregate and 10 an event, a tenth of a spend command's own
        work. Anything else is collected as eventsourcing collects it. Each event goes to the
        recorder with its pool and hash, for the pool's links (`log_index`); `pools` names the
        pool of the aggregates of events saved without their aggregate."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        pool_of: dict[UUID, str | None] = dict(pools or {})
        for obj in objs:
            if isinstance(obj, Aggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
                pool_of[obj.id] = getattr(obj, "pool_id", None)
            elif isinstance(obj, Aggregate.Event):
                processing_event.events.append(obj)
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        processing_event.saved_kwargs[LOG_INDEX] = [
            entry_for(event, _pool_of(event, pool_of)) for event in processing_event.events]
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # deprecated in eventsourcing, still called
        return recordings

    # -- the one entry point ------------------------------------------------------------------

    def execute(self, command: c.Command, *, use_command_time: bool = False,
                allow_future_times: bool = False) -> CommandResult:
        """Runs one command atomically; raises `LedgerError` (nothing written) if rejected.

        `use_command_time`: record it at its `at`, which must not be more than
        `FUTURE_TOLERANCE` after the clock unless `allow_future_times` (simulations)."""
        started = time.perf_counter()
        try:
            with self._future_times(allow_future_times):
                result = self._execute(command, use_command_time)
        except LedgerError as error:
            _log(command, error, started)
            raise
        _log(command, result, started)
        return result

    def execute_many(self, commands: Sequence[c.Command], *, use_command_time: bool = False,
                     group_size: int = GROUP_SIZE,
                     allow_future_times: bool = False,
                     pause_collection: bool = False) -> list[CommandResult | LedgerError]:
        """Runs commands in order with exactly the outcomes `execute` gives one at a time, but
        saves the accepted ones of each group of up to `group_size` in one atomic save.

        Each command is decided against the state its predecessors left (their aggregates are
        held in memory until the group is saved), so a rejection is the one `execute` would
        give and writes nothing. If the group's save conflicts with another writer, or a
        rejected command had already changed an aggregate, the group is run again one command
        at a time.

        `pause_collection`: pause Python's automatic garbage collection while each group is
        decided (faster for large feeds, see collection.py). It pauses it for the whole
        process, every other thread included, so it is for programs that own the process (the
        `apply` command, the benchmarks), not for a ledger embedded in a service.
        """
        with self._future_times(allow_future_times):
            return self._execute_many(commands, use_command_time, group_size,
                                      pause_collection)

    @contextmanager
    def _future_times(self, allowed: bool) -> Iterator[None]:
        """Whether `_recording_time` accepts an `at` after the clock, for this thread's call."""
        before = getattr(self._local, "allow_future_times", False)
        self._local.allow_future_times = allowed or before
        try:
            yield
        finally:
            self._local.allow_future_times = before

    def _execute_many(self, commands: Sequence[c.Command], use_command_time: bool,
                      group_size: int,
                      pause_collection: bool) -> list[CommandResult | LedgerError]:
        outcomes: list[CommandResult | LedgerError] = []
        group: list[c.Command] = []
        for command in commands:
            if isinstance(command, RUN_ALONE):
                outcomes += self._run_group(group, use_command_time, pause_collection)
                group = []
                outcomes += self._run_one_by_one([command], use_command_time)
                continue
            group.append(command)
            if len(group) >= group_size:
                outcomes += self._run_group(group, use_command_time, pause_collection)
                group = []
        outcomes += self._run_group(group, use_command_time, pause_collection)
        return outcomes

    def _run_one_by_one(self, commands: Sequence[c.Command],
                        use_command_time: bool) -> list[CommandResult | LedgerError]:
        outcomes: list[CommandResult | LedgerError] = []
        for command in commands:
            try:
                outcomes.append(self.execute(command, use_command_time=use_command_time))
            except LedgerError as error:
                outcomes.append(error)
        return outcomes

    def _run_group(self, commands: Sequence[c.Command], use_command_time: bool,
                   pause_collection: bool = False) -> list[CommandResult | LedgerError]:
        if len(commands) <= 1:
            return self._run_one_by_one(commands, use_command_time)
        # The group's objects live until it is saved: see `execute_many`'s `pause_collection`.
        with collection_paused(force=True) if pause_collection else nullcontext():
            return self._run_paused_group(commands, use_command_time)

    def _writing(self) -> AbstractContextManager[None]:
        """The database's write lock, taken before the clock is read and the command decided,
        and held until its save commits: writers wait their turn instead of racing, and
        recording time follows log order (writelock.py). Raises `WriteLockTimeoutError`."""
        write_scope = getattr(self.recorder, "write_scope", None)
        return nullcontext() if write_scope is None else write_scope()

    def _run_paused_group(self, commands: Sequence[c.Command],
                          use_command_time: bool) -> list[CommandResult | LedgerError]:
        outcomes: list[CommandResult | LedgerError] = []
        timings: list[float] = []
        started_group = time.perf_counter()
        try:
            with self._writing():
                group = _Group(absent=self._absent(commands),
                               current=self._up_to_date(self._touched(commands)))
                self._local.group = group
                for command in commands:
                    started = time.perf_counter()
                    outcomes.append(self._decide_in_group(group, command, use_command_time))
                    timings.append(time.perf_counter() - started)
                saving = time.perf_counter()
                held = [e for a in group.aggregates.values() for e in a.collect_events()]
                if len(held) != len(group.events):  # a handler changed one it didn't return
                    raise RuntimeError(
                        f"{len(held)} pending events but {len(group.events)} decided")
                if group.events:
                    self.save(*group.events, pools={key: getattr(a, "pool_id", None)
                                                    for key, a in group.aggregates.items()},
                              **{UNLESS_EXISTS: group.guards})
        except WriteLockTimeoutError as error:
            for command in commands:
                _log(command, error, started_group)
            return [error for _ in commands]
        except (_Replay, IntegrityError):
            self._local.group = None
            return self._run_one_by_one(commands, use_command_time)
        finally:
            self._local.group = None
        if group.events:  # committed: what the next command finds in the cache
            self._cache_saved(group.aggregates.values())
        share = (time.perf_counter() - saving) / len(commands)
        for command, outcome, spent in zip(commands, outcomes, timings, strict=True):
            _log(command, outcome, time.perf_counter() - spent - share)
        return outcomes

    def _decide_in_group(self, group: _Group, command: c.Command,
                         use_command_time: bool) -> CommandResult | LedgerError:
        group.marks = {}
        try:
            decided = self._decide(command, use_command_time)
        except LedgerError as error:
            if any(len(group.aggregates[key].pending_events) != mark
                   for key, mark in group.marks.items()):
                raise _Replay from error
            return error
        if isinstance(decided, CommandResult):
            return decided
        for aggregate in decided.aggregates:
            group.aggregates[aggregate.id] = aggregate
        group.events += decided.events
        group.guards += decided.guard
        group.last_at = decided.at
        return CommandResult(command.kind, _public_names(decided.events))

    @staticmethod
    def _unique_ids(commands: Sequence[c.Command]) -> set[UUID]:
        """The receipts and new invoice references these commands will look for: in a feed,
        almost always ones that don't exist yet."""
        wanted = {receipt_uuid(cmd.command_id) for cmd in commands if cmd.command_id}
        wanted |= {invoice_key_uuid(cmd.pool_id, reference_key(cmd.invoice_ref))
                   for cmd in commands if isinstance(cmd, (c.RecordSpend, c.RecordOutcome))}
        wanted |= {evidence_uuid(cmd.pool_id, cmd.evidence_ref) for cmd in commands
                   if isinstance(cmd, c.RecordOutcome)}
        return wanted

    def _absent(self, commands: Sequence[c.Command]) -> set[UUID]:
        """Those of `_unique_ids` that don't exist, found in one query for a whole group."""
        wanted = self._unique_ids(commands)
        existing: set[UUID] = self.recorder.existing(list(wanted))  # type: ignore[attr-defined]
        return wanted - existing

    def _group(self) -> _Group | None:
        group: _Group | None = getattr(self._local, "group", None)
        return group

    def _execute(self, command: c.Command, use_command_time: bool) -> CommandResult:
        # First, optimistically: the command's receipt and invoice reference are taken not to
        # exist without looking (the store's uniqueness refuses the save if one does). Any
        # rejection or refusal is decided again with every look-up, so errors and duplicates
        # are reported exactly as if they had been looked up first.
        #
        # Deciding and saving happen under the database's write lock (`_writing`), so another
        # writer cannot get in between: a refusal is then an optimistic guess proved wrong, or
        # a writer that does not take the lock, and is decided again before it reaches the
        # caller.
        self._local.assumed_absent = self._unique_ids([command])
        try:
            for attempt in range(MAX_ATTEMPTS):
                optimistic = bool(self._local.assumed_absent)
                try:
                    with self._writing():
                        decided = self._decide(command, use_command_time)
                        if isinstance(decided, _Decided):
                            self.save(*decided.aggregates, unless_exists=decided.guard)
                except WriteLockTimeoutError:
                    raise
                except LedgerError:
                    if not optimistic:
                        raise
                    self._local.assumed_absent = set()
                    continue
                except IntegrityError:
                    if not optimistic:
                        # Lost a race: reload and decide again, after a short random pause so
                        # that writers colliding on one aggregate spread out.
                        time.sleep(random.uniform(0, 0.002 * 2 ** attempt))
                    self._local.assumed_absent = set()
                    continue
                if isinstance(decided, CommandResult):
                    return decided  # a duplicate (R25)
                self._cache_saved(decided.aggregates)  # committed
                return CommandResult(command.kind, _public_names(decided.events))
        finally:
            self._local.assumed_absent = set()
        raise ConcurrencyConflictError(
            f"{command.kind} kept conflicting with concurrent writers; try again")

    def _decide(self, command: c.Command, use_command_time: bool) -> CommandResult | _Decided:
        """The command's new events (with the aggregates that hold them and the year-closure
        guard), or the first result if it is a duplicate; raises `LedgerError` if rejected."""
        digest = command.content_digest() if command.command_id else None
        handler = self._handlers[type(command)]
        actor: Actor = command.actor.model_dump()
        if duplicate := self._duplicate(command, digest):
            return duplicate
        self._local.shared = []
        self._local.current = {}  # nothing brought up to date for another command is used
        try:
            at = self._recording_time(command, use_command_time)
            aggregates = handler(command, actor, at)
            self._check_shared_unchanged()
        except LedgerError:
            self._check_shared_unchanged()
            self._local.current = {}
            # Another process may have applied this very command since the check above, so
            # the handler saw its effects (its invoice taken, say): R25 still comes first.
            if duplicate := self._duplicate(command, digest):
                return duplicate
            raise
        self._local.current = {}  # what this command did not take is not kept for the next
        group = self._group()
        marks = {} if group is None else group.marks
        events = [e for a in aggregates for e in a.pending_events[marks.get(a.id, 0):]]
        if command.command_id and digest:
            receipt = CommandReceipt.accept(
                command.command_id, command.kind, digest, getattr(command, "pool_id", None),
                _public_names(events), actor, at)
            aggregates.append(receipt)
            events += receipt.pending_events
        # A decision is written only while its year is open (R17): the save is refused if the
        # year's closure was recorded meanwhile (see guards.py, 0006).
        guard = [closure_uuid(a.pool_id, a.year) for a in aggregates if isinstance(a, Decision)]
        return _Decided(aggregates, events, guard, at)

    def _cache_saved(self, aggregates: Iterable[Aggregate]) -> None:
        """Just saved, these decisions are exactly as recorded: cached, the next command finds
        them current instead of reading back and applying the events it has just written. (The
        repository fast-forwards whatever it serves, so a cached instance another writer has
        since moved on from is brought up to date, never served stale.)"""
        cache = self.repository.cache
        for aggregate in aggregates:  # a pool's raw-text claims, just listed, never change
            if type(aggregate) is LegacyInvoiceRefs and not aggregate.pending_events:
                self._legacy_claims[aggregate.pool_id] = aggregate.claims
        if cache is None:
            return
        for aggregate in aggregates:
            if type(aggregate) is Decision and not aggregate.pending_events:
                cache.put(aggregate.id, aggregate)

    def _check_shared_unchanged(self) -> None:
        """A handler changed an aggregate it had loaded read-only (the cached instance itself):
        a bug, caught before the cache could serve the change as if it were recorded."""
        changed = [a for a in getattr(self._local, "shared", []) if a.pending_events]
        self._local.shared = []
        if changed:
            for aggregate in changed:
                self.repository.cache.get(aggregate.id, evict=True)  # type: ignore[union-attr]
            raise RuntimeError(f"{type(changed[0]).__name__} {changed[0].id} was loaded "
                               "read-only but changed")

    def _duplicate(self, command: c.Command, digest: str | None) -> CommandResult | None:
        """The first result if this command_id was already applied (R25), else None."""
        if not command.command_id:
            return None
        receipt = self._find(CommandReceipt, receipt_uuid(command.command_id), read_only=True)
        if receipt is None:
            return None
        if receipt.digest != digest:
            raise IdempotencyConflictError(
                f"command_id {command.command_id} was already used for a different "
                "command (R25)", field="command_id")
        return CommandResult(command.kind, list(receipt.events), duplicate=True)

    def _recording_time(self, command: c.Command, use_command_time: bool) -> datetime:
        if not use_command_time or command.at is None:
            return self.clock()
        group = self._group()
        last = group.last_at if group is not None and group.last_at else self.last_recorded_time()
        if last is not None and command.at < last:
            raise TimeWentBackwardsError(
                f"at {command.at.isoformat()} is earlier than the last recorded time "
                f"{last.isoformat()}", field="at")
        if not getattr(self._local, "allow_future_times", False):
            now = self.clock()
            if command.at > now + FUTURE_TOLERANCE:
                raise TimeInFutureError(
                    f"at {command.at.isoformat()} is more than 5 minutes after the clock "
                    f"({now.isoformat()}); a simulation passes --allow-future-times",
                    field="at")
        return command.at

    def last_recorded_time(self) -> datetime | None:
        last_id = self.recorder.max_notification_id()
        if not last_id:
            return None
        notification = self.recorder.select_notifications(start=last_id, limit=1)[0]
        event: Any = self.mapper.to_domain_event(notification)
        timestamp: datetime = event.timestamp
        return timestamp

    def changes(self, after: int = 0, limit: int | None = None,
                pool: str | None = None) -> Iterator[Change]:
        """Every stored event after position `after` (of one pool, if given), oldest first, at
        most `limit`: the change feed (feed.py, docs/developers/integration.md)."""
        return _changes(self, after=after, limit=limit, pool=pool)

    # -- loading ------------------------------------------------------------------------------

    def _find(self, cls: type[A], aggregate_id: UUID, *, read_only: bool = False) -> A | None:
        """The aggregate as the commands before this one left it (in a group, they may not be
        saved yet), or None.

        `read_only`: the command will not change it, so the repository's cached instance is
        used as it is instead of a copy (copying a pool or decision on every command is most
        of a command's cost). Outside a group only: a group may change it in a later command.
        """
        group = self._group()
        aggregate: Any = None if group is None else group.aggregates.get(aggregate_id)
        if aggregate is None:
            absent = (group.absent if group is not None
                      else getattr(self._local, "assumed_absent", ()))
            if aggregate_id in absent:
                return None
            shared = read_only and group is None
            current = (group.current if group is not None
                       else getattr(self._local, "current", None))
            if current and aggregate_id in current:  # brought up to date with others
                aggregate = current.pop(aggregate_id)
                if not shared:
                    aggregate = deepcopy(aggregate)
            else:
                try:
                    aggregate = self.repository.get(aggregate_id, deepcopy_from_cache=not shared)
                except AggregateNotFoundError:
                    return None
            if shared:
                self._local.shared = [*getattr(self._local, "shared", []), aggregate]
            if group is not None:
                group.aggregates[aggregate_id] = aggregate
        if group is not None:
            group.marks.setdefault(aggregate_id, len(aggregate.pending_events))
        if not isinstance(aggregate, cls):
            raise TypeError(f"{aggregate_id} is a {type(aggregate).__name__}, not {cls.__name__}")
        return aggregate

    def _up_to_date(self, ids: Iterable[UUID]) -> dict[UUID, Any]:
        """Those of these aggregates the cache holds, brought up to date in one query (the
        recorder's `select_after`) rather than the repository's one each: a round trip less per
        command, a query per group instead of one per aggregate. Copy on write: a cached
        instance is never changed here; one with newer events is replaced in the cache by an
        updated copy. `_find` takes them from here; the repository loads the rest as usual."""
        cache = self.repository.cache
        select_after = getattr(self.recorder, "select_after", None)
        if cache is None or select_after is None:
            return {}
        found: dict[UUID, Any] = {}
        for aggregate_id in ids:
            try:
                found[aggregate_id] = cache.get(aggregate_id)
            except KeyError:
                continue
        if not found:
            return found
        newer: dict[UUID, list[Any]] = {}
        for stored in select_after([(key, aggregate.version) for key, aggregate in found.items()]):
            newer.setdefault(stored.originator_id, []).append(self.mapper.to_domain_event(stored))
        for aggregate_id, events in newer.items():
            updated = project_aggregate(deepcopy(found[aggregate_id]), events)
            cache.put(aggregate_id, updated)
            found[aggregate_id] = updated
        return found

    @staticmethod
    def _touched(commands: Sequence[c.Command]) -> set[UUID]:
        """The pools and decisions these commands name."""
        ids: set[UUID] = set()
        for command in commands:
            pool_id = getattr(command, "pool_id", None)
            if pool_id is None:
                continue
            ids.add(pool_uuid(pool_id))
            if (decision_id := getattr(command, "decision_id", None)) is not None:
                ids.add(decision_uuid(pool_id, decision_id))
        return ids

    def pool(self, pool_id: str, *, read_only: bool = False) -> Pool:
        pool = self._find(Pool, pool_uuid(pool_id), read_only=read_only)
        if pool is None:
            raise StateError(f"no pool {pool_id!r} has been established (R5)", field="pool_id",
                             code="pool_not_found", rule="R5")
        return pool

    def decision(self, pool_id: str, decision_id: str, rule: str = "R9") -> Decision:
        """The decision, or `decision_not_found` under `rule`: a command names its own rule
        (R10 approving, R13 spending); a plain look-up, the rule by which decisions exist (R9)."""
        decision = self._find(Decision, decision_uuid(pool_id, decision_id))
        if decision is None:
            raise StateError(f"no decision {decision_id!r} in pool {pool_id!r} ({rule})",
                             field="decision_id", code="decision_not_found", rule=rule)
        return decision

    # -- authority (R26) ----------------------------------------------------------------------

    @staticmethod
    def _require_pool_manager(actor: Actor) -> None:
        """The role alone, checked before the pool is even looked up (R26 comes before R5)."""
        if actor["role"] != "pool_manager":
            raise AuthorisationError(
                f"only a pool manager of the host may do this; {actor['id']} is "
                f"{actor['role']} of {actor['partner']} (R26)", field="actor")

    @staticmethod
    def _require_host_manager(host: str, actor: Actor) -> None:
        if actor["role"] != "pool_manager" or actor["partner"] != host:
            raise AuthorisationError(
                f"only a pool manager of the host {host} may do this; {actor['id']} is "
                f"{actor['role']} of {actor['partner']} (R26)", field="actor")

    @staticmethod
    def _require_budget_holder(partner: str, actor: Actor) -> None:
        if actor["role"] != "budget_holder" or actor["partner"] != partner:
            raise AuthorisationError(
                f"only a budget holder of {partner} may do this; {actor['id']} is "
                f"{actor['role']} of {actor['partner']} (R26)", field="actor")

    def _managed_pool(self, pool_id: str, actor: Actor, *, read_only: bool = False) -> Pool:
        self._require_pool_manager(actor)
        pool = self.pool(pool_id, read_only=read_only)
        self._require_host_manager(pool.host, actor)
        pool.check_signatory(actor)
        return pool

    def _signed_pool(self, pool_id: str, actor: Actor, *, read_only: bool = False) -> Pool:
        """The pool, its register (if any) vouching for the actor (R27, after R26)."""
        pool = self.pool(pool_id, read_only=read_only)
        pool.check_signatory(actor)
        return pool

    # -- pools and contributions --------------------------------------------------------------

    def _establish_pool(self, cmd: c.EstablishPool, actor: Actor, at: datetime) -> list[Aggregate]:
        self._require_host_manager(cmd.host, actor)
        signatories = None if cmd.signatories is None else _entries(cmd.signatories)
        if signatories is not None:  # the register before the state rules (R27, then R5)
            check_entries(signatories, [p.code for p in cmd.partners], cmd.host)
            check_complete(signatories, [p.code for p in cmd.partners], cmd.host, actor)
        if self._find(Pool, pool_uuid(cmd.pool_id), read_only=True) is not None:
            raise StateError(f"pool {cmd.pool_id!r} is already established (R5)",
                             field="pool_id", code="pool_exists", rule="R5")
        risk = cmd.risk_share
        risk_share: dict[str, Any] = {"rule": risk.rule}
        if risk.percentages is not None:
            risk_share["percentages"] = {k: format(v, "f") for k, v in risk.percentages.items()}
        if risk.caps is not None:
            risk_share["caps"] = {k: format(v, "f") for k, v in risk.caps.items()}
        return [Pool.establish(
            pool_id=cmd.pool_id, name=cmd.name, host=cmd.host,
            partners=[(p.code, p.name) for p in cmd.partners], first_year=cmd.first_year,
            risk_share=risk_share, actor=actor, at=at, signatories=signatories,
            two_signatures_above=cmd.two_signatures_above)]

    def _join_pool(self, cmd: c.JoinPool, actor: Actor, at: datetime) -> list[Aggregate]:
        pool = self._managed_pool(cmd.pool_id, actor)
        pool.ensure_open(cmd.from_year, field="from_year")
        pool.join(cmd.partner.code, cmd.partner.name, cmd.from_year, actor, at,
                  None if cmd.signatories is None else _entries(cmd.signatories))
        return [pool]

    def _pledge(self, cmd: c.PledgeContribution, actor: Actor, at: datetime) -> list[Aggregate]:
        self._require_budget_holder(cmd.partner, actor)
        pool = self._signed_pool(cmd.pool_id, actor)
        pool.ensure_open(cmd.year)
        pool.pledge(cmd.partner, cmd.year, cmd.amount, actor, at)
        return [pool]

    def _vary(self, cmd: c.VaryContribution, actor: Actor, at: datetime) -> list[Aggregate]:
        self._require_budget_holder(cmd.partner, actor)
        pool = self._signed_pool(cmd.pool_id, actor)
        pool.ensure_open(cmd.year)
        pool.vary(cmd.partner, cmd.year, cmd.amount, cmd.reason, actor, at)
        return [pool]

    def _receive(self, cmd: c.ReceiveContribution, actor: Actor, at: datetime) -> list[Aggregate]:
        pool = self._managed_pool(cmd.pool_id, actor)
        pool.ensure_open(cmd.year)
        pool.receive(cmd.partner, cmd.year, cmd.amount, cmd.received_on.isoformat(),
                     cmd.reference, actor, at)
        return [pool]

    def _close_year(self, cmd: c.CloseYear, actor: Actor, at: datetime) -> list[Aggregate]:
        pool = self._managed_pool(cmd.pool_id, actor)
        pool.close_year(cmd.year, actor, at)
        self._seal(pool, f"year {cmd.year} closed", actor, at)
        return [pool, YearClosure.close(cmd.pool_id, cmd.year, actor, at)]

    def _seal_pool(self, cmd: c.SealPool, actor: Actor, at: datetime) -> list[Aggregate]:
        pool = self._managed_pool(cmd.pool_id, actor)
        self._seal(pool, cmd.reason, actor, at)
        return [pool]

    def _seal(self, pool: Pool, reason: str, actor: Actor, at: datetime) -> None:
        """Seals every event of the pool recorded so far (R24)."""
        up_to, state = chain_state(self, pool.pool_id, since=pool.last_seal)
        pool.seal(up_to=up_to, events=state.events, heads=state.heads,
                  log_digest=state.log_digest, reason=reason, actor=actor, at=at)

    # -- the signatory register (R27, R28) ----------------------------------------------------

    def _adopt_register(self, cmd: c.AdoptSignatoryRegister, actor: Actor,
                        at: datetime) -> list[Aggregate]:
        pool = self._managed_pool(cmd.pool_id, actor)
        pool.adopt_register(_entries(cmd.signatories), cmd.two_signatures_above, actor, at)
        return [pool]

    def _register_signatory(self, cmd: c.RegisterSignatory, actor: Actor,
                            at: datetime) -> list[Aggregate]:
        entry = _entries([cmd.signatory])[0]
        pool = self._register_keeper(cmd.pool_id, entry.role, entry.partner, actor)
        pool.register_signatory(entry, actor, at)
        return [pool]

    def _revoke_signatory(self, cmd: c.RevokeSignatory, actor: Actor,
                          at: datetime) -> list[Aggregate]:
        if actor["role"] not in ("pool_manager", "budget_holder"):
            raise AuthorisationError(f"{actor['role']}s do not change the register (R26)",
                                     field="actor")
        pool = self.pool(cmd.pool_id)
        entry = pool.signatory_entry(cmd.signatory_id)
        if entry is not None:
            self._register_keeper(cmd.pool_id, entry.role, entry.partner, actor)
        elif actor["role"] == "pool_manager":
            self._require_host_manager(pool.host, actor)
        pool.check_signatory(actor)
        pool.revoke_signatory(cmd.signatory_id, cmd.reason, actor, at)
        return [pool]

    def _register_keeper(self, pool_id: str, role: str, partner: str, actor: Actor) -> Pool:
        """R26 for register changes: a budget holder's entry by a budget holder of its partner,
        any other by a pool manager of the host; then R27 on the actor."""
        if role == "budget_holder":
            self._require_budget_holder(partner, actor)
            return self._signed_pool(pool_id, actor)
        return self._managed_pool(pool_id, actor)

    # -- decisions ----------------------------------------------------------------------------

    def _propose_decision(self, cmd: c.ProposeDecision, actor: Actor,
                          at: datetime) -> list[Aggregate]:
        pool = self._managed_pool(cmd.pool_id, actor, read_only=True)
        pool.ensure_open(cmd.year)
        pool.ensure_year_in_pool(cmd.year)
        if self._find(Decision, decision_uuid(cmd.pool_id, cmd.decision_id),
                      read_only=True) is not None:
            raise StateError(f"decision {cmd.decision_id!r} already exists (R9)",
                             field="decision_id", code="decision_exists", rule="R9")
        elements = [
            ElementTerms(name=e.name, cost=e.amount.decimal,
                         cost_basis={} if e.cost is None else _cost_basis(e.cost),
                         funding=dict(e.funding),
                         responsibility=None if e.responsibility is None
                         else dict(e.responsibility),
                         outcome=None if e.outcome is None else Outcome(
                             e.outcome.measure, e.outcome.price.decimal, e.outcome.max_count))
            for e in cmd.element_list()
        ]
        return [Decision.propose(
            pool_id=cmd.pool_id, decision_id=cmd.decision_id, year=cmd.year,
            case_ref=cmd.case_ref, category=cmd.category, start=cmd.start,
            planned_end=cmd.planned_end, elements=elements, members=pool.members(cmd.year),
            actor=actor, at=at)]

    def _open_decision(self, pool_id: str, decision_id: str, rule: str,
                       manager: Actor | None = None, actor: Actor | None = None
                       ) -> tuple[Pool, Decision]:
        """Authority first (R26; `manager` must be a pool manager of the host), then the
        decision, then its year still open (R17)."""
        if self._group() is None:
            self._local.current = self._up_to_date(
                [pool_uuid(pool_id), decision_uuid(pool_id, decision_id)])
        if manager is not None:
            pool = self._managed_pool(pool_id, manager, read_only=True)
        elif actor is not None:
            pool = self._signed_pool(pool_id, actor, read_only=True)
        else:
            pool = self.pool(pool_id, read_only=True)
        decision = self.decision(pool_id, decision_id, rule)
        pool.ensure_open(decision.year)
        return pool, decision

    def _answered_decision(self, cmd: Any, actor: Actor, rule: str) -> tuple[Pool, Decision]:
        """A budget holder answering for their partner (R26), vouched for by the register if
        there is one (R27), on a decision of an open year."""
        self._require_budget_holder(cmd.partner, actor)
        return self._open_decision(cmd.pool_id, cmd.decision_id, rule, actor=actor)

    def _approve_decision(self, cmd: c.ApproveDecision, actor: Actor,
                          at: datetime) -> list[Aggregate]:
        pool, decision = self._answered_decision(cmd, actor, "R10")
        decision.approve(cmd.partner, actor, at, pool.partner_order, *_authority(pool, actor))
        return [decision]

    def _decline_decision(self, cmd: c.DeclineDecision, actor: Actor,
                          at: datetime) -> list[Aggregate]:
        pool, decision = self._answered_decision(cmd, actor, "R10")
        decision.decline(cmd.partner, cmd.reason, actor, at, pool.partner_order,
                         _authority(pool, actor)[0])
        return [decision]

    def _propose_variation(self, cmd: c.ProposeVariation, actor: Actor,
                           at: datetime) -> list[Aggregate]:
        pool, decision = self._open_decision(
            cmd.pool_id, cmd.decision_id, "R12", actor)
        elements: list[VariedElementTerms] | None = None
        if cmd.elements is not None:
            elements = [_varied(e.name, e.cost, e.funding, e.responsibility, e.outcome)
                        for e in cmd.elements]
        elif any(x is not None for x in (cmd.cost, cmd.funding, cmd.responsibility)):
            if len(decision.elements) != 1:
                raise StateError("top-level cost/funding/responsibility vary a one-element "
                                 "decision only; list the elements (R12)", field="elements",
                                 code="variation_needs_elements", rule="R12")
            name = next(iter(decision.elements))
            elements = [_varied(name, cmd.cost, cmd.funding, cmd.responsibility)]
        decision.propose_variation(
            variation_id=cmd.variation_id, reason=cmd.reason, effective_from=cmd.effective_from,
            planned_end=cmd.planned_end, elements=elements, members=pool.members(decision.year),
            actor=actor, at=at)
        return [decision]

    def _approve_variation(self, cmd: c.ApproveVariation, actor: Actor,
                           at: datetime) -> list[Aggregate]:
        pool, decision = self._answered_decision(cmd, actor, "R12")
        decision.approve_variation(cmd.variation_id, cmd.partner, actor, at, pool.partner_order,
                                   *_authority(pool, actor))
        return [decision]

    def _decline_variation(self, cmd: c.DeclineVariation, actor: Actor,
                           at: datetime) -> list[Aggregate]:
        pool, decision = self._answered_decision(cmd, actor, "R12")
        decision.decline_variation(cmd.variation_id, cmd.partner, cmd.reason, actor, at,
                                   pool.partner_order, _authority(pool, actor)[0])
        return [decision]

    def _end_decision(self, cmd: c.EndDecision, actor: Actor, at: datetime) -> list[Aggregate]:
        _, decision = self._open_decision(
            cmd.pool_id, cmd.decision_id, "R12", actor)
        decision.end_early(cmd.ended_on, cmd.reason, actor, at)
        return [decision]

    # -- spend --------------------------------------------------------------------------------

    def _record_spend(self, cmd: c.RecordSpend, actor: Actor, at: datetime) -> list[Aggregate]:
        pool, decision = self._open_decision(
            cmd.pool_id, cmd.decision_id, "R13", actor)
        key, index = self._unused_invoice(cmd.pool_id, cmd.invoice_ref, actor, at)
        decision.record_spend(
            invoice_ref=cmd.invoice_ref, amount=cmd.amount.decimal, service_date=cmd.service_date,
            element=cmd.element, supplier=cmd.supplier, order=pool.partner_order, actor=actor,
            at=at, supplier_is_individual=cmd.supplier_is_individual)
        invoice = InvoiceRef.claim(cmd.pool_id, cmd.invoice_ref, key, cmd.decision_id, actor, at)
        return [decision, invoice, *index]

    def _unused_invoice(self, pool_id: str, invoice_ref: str, actor: Actor,
                        at: datetime) -> tuple[str, list[Aggregate]]:
        """The reference's key if no reference the same under R13 was recorded in the pool
        (a key claim, or an old raw-text one: decision 0024), with the pool's new listing of
        old claims if this is the first time; else `invoice_ref_reused` naming the earlier."""
        key = reference_key(invoice_ref)
        legacy, index = self._legacy(pool_id, actor, at)
        claim = self._find(InvoiceRef, invoice_key_uuid(pool_id, key), read_only=True)
        earlier = claim.invoice_ref if claim is not None else next(iter(legacy.get(key, {})), None)
        if earlier is not None:
            same = ("has already been used" if earlier == invoice_ref else
                    f"is the same reference as {earlier}, already used")
            raise StateError(f"invoice_ref {invoice_ref} {same} in this pool (R13: "
                             "references are compared in capitals, letters and digits only, "
                             "without leading zeros)", field="invoice_ref",
                             code="invoice_ref_reused", rule="R13")
        return key, index

    def _record_outcome(self, cmd: c.RecordOutcome, actor: Actor,
                        at: datetime) -> list[Aggregate]:
        """R33: an outcome payment is spend; its invoice reference is claimed as a spend's is
        (R13) and its evidence reference once in the pool, never freed (R33)."""
        pool, decision = self._open_decision(
            cmd.pool_id, cmd.decision_id, "R33", actor)
        key, index = self._unused_invoice(cmd.pool_id, cmd.invoice_ref, actor, at)
        if self._find(EvidenceRef, evidence_uuid(cmd.pool_id, cmd.evidence_ref),
                      read_only=True) is not None:
            raise StateError(f"evidence_ref {cmd.evidence_ref} has already been paid on in this "
                             "pool, and is never used again, even after a reversal (R33)",
                             field="evidence_ref", code="evidence_ref_reused", rule="R33")
        decision.record_outcome(
            invoice_ref=cmd.invoice_ref, evidence_ref=cmd.evidence_ref, element=cmd.element,
            count=cmd.count, achieved_on=cmd.achieved_on, supplier=cmd.supplier,
            supplier_is_individual=cmd.supplier_is_individual, order=pool.partner_order,
            actor=actor, at=at)
        invoice = InvoiceRef.claim(cmd.pool_id, cmd.invoice_ref, key, cmd.decision_id, actor, at)
        evidence = EvidenceRef.register(cmd.pool_id, cmd.evidence_ref, cmd.decision_id,
                                        cmd.invoice_ref, actor, at)
        return [decision, invoice, evidence, *index]

    def _reverse_spend(self, cmd: c.ReverseSpend, actor: Actor, at: datetime) -> list[Aggregate]:
        pool = self._managed_pool(cmd.pool_id, actor, read_only=True)
        key = reference_key(cmd.invoice_ref)
        legacy, index = self._legacy(cmd.pool_id, actor, at)
        claim = self._find(InvoiceRef, invoice_key_uuid(cmd.pool_id, key), read_only=True)
        if claim is not None:
            recorded, decision_id = claim.invoice_ref, claim.decision_id
        elif key in legacy:  # the exact spelling, else the first recorded (decision 0024)
            same = legacy[key]
            recorded = cmd.invoice_ref if cmd.invoice_ref in same else next(iter(same))
            decision_id = same[recorded]
        else:
            raise StateError(f"no spend with invoice_ref {cmd.invoice_ref} in this pool (R16)",
                             field="invoice_ref", code="spend_not_found", rule="R16")
        decision = self.decision(cmd.pool_id, decision_id, "R16")
        pool.ensure_open(decision.year)
        decision.reverse_spend(recorded, cmd.reason, actor, at,
                               four_eyes=pool.register is not None)
        return [decision, *index]

    def _legacy(self, pool_id: str, actor: Actor,
                at: datetime) -> tuple[dict[str, dict[str, str]], list[Aggregate]]:
        """The pool's invoice claims made by raw text before R13 was amended, by key; and, the
        first time, the new `LegacyInvoiceRefs` that lists them, to be saved with the command.
        Once stored the list never changes, so it is read once per process."""
        known = self._legacy_claims.get(pool_id)
        if known is not None:
            return known, []
        index = self._find(LegacyInvoiceRefs, legacy_invoices_uuid(pool_id), read_only=True)
        if index is not None:
            if not index.pending_events:
                self._legacy_claims[pool_id] = index.claims
            return index.claims, []
        claims = self._scan_legacy_claims(pool_id)
        return claims, [LegacyInvoiceRefs.index(pool_id, claims, actor, at)]

    def _scan_legacy_claims(self, pool_id: str) -> dict[str, dict[str, str]]:
        """The pool's raw-text claims, from the log: once per pool, ever (decision 0024)."""
        claims: dict[str, dict[str, str]] = {}
        start = 0
        while True:
            found = self.recorder.select_notifications(
                start=start, limit=1000, topics=[LEGACY_CLAIM_TOPIC], inclusive_of_start=False)
            if not found:
                return claims
            for notification in found:
                event: Any = self.mapper.to_domain_event(notification)
                if event.pool_id == pool_id and event.key is None:
                    same = claims.setdefault(reference_key(event.invoice_ref), {})
                    same[event.invoice_ref] = event.decision_id
            start = found[-1].id


def _pool_of(event: Any, pools: Mapping[UUID, str | None]) -> str | None:
    aggregate_id = event.originator_id
    if aggregate_id in pools:
        return pools[aggregate_id]
    if event.originator_version == 1:
        return getattr(event, "pool_id", None)
    raise ValueError(f"event {aggregate_id} v{event.originator_version} saved without its "
                     "aggregate or its pool: its pool's link cannot be written")


def _entries(signatories: Sequence[c.Signatory]) -> list[Entry]:
    return [Entry(s.id, s.partner, s.role, None if s.limit is None else s.limit.decimal)
            for s in signatories]


def _authority(pool: Pool, actor: Actor) -> tuple[Entry | None, Decimal | None]:
    """The signer's register entry and the two-signature threshold (None, None without a
    register: authority is then only what the command says, R26)."""
    if pool.register is None:
        return None, None
    return pool.register.active.get(actor["id"]), pool.register.two_signatures_above


def _public_names(events: list[Any]) -> list[str]:
    return [name for name in map(event_name, events) if name not in INTERNAL_EVENTS]


def _log(command: c.Command, outcome: CommandResult | LedgerError, started: float) -> None:
    duration_ms = round((time.perf_counter() - started) * 1000, 3)
    pool_id = getattr(command, "pool_id", None)
    if isinstance(outcome, LedgerError):
        log.info("command", pool=pool_id, command=command.kind, outcome="rejected",
                 code=outcome.code, rule=outcome.rule, field=outcome.field,
                 duration_ms=duration_ms)
    else:
        log.info("command", pool=pool_id, command=command.kind,
                 outcome="duplicate" if outcome.duplicate else "recorded",
                 events=outcome.events, duration_ms=duration_ms)


def _cost_basis(cost: c.Cost) -> dict[str, str]:
    if cost.total is not None:
        return {"total": format(cost.total, "f")}
    return {"weekly": format(cost.weekly, "f"), "weeks": str(cost.weeks)}


def _varied(name: str, cost: c.Cost | None, funding: dict[str, Any] | None,
            responsibility: dict[str, Any] | None,
            outcome: c.VariedOutcome | None = None) -> VariedElementTerms:
    return VariedElementTerms(
        name=name,
        cost=None if cost is None else cost.amount.decimal,
        cost_basis=None if cost is None else _cost_basis(cost),
        funding=None if funding is None else dict(funding),
        responsibility=None if responsibility is None else dict(responsibility),
        max_count=None if outcome is None else outcome.max_count,
        measure=None if outcome is None else outcome.measure,
        price=None if outcome is None or outcome.price is None else outcome.price.decimal,
    )


def open_ledger(url: str | None = None, *, clock: Clock = utc_now,
                cache_size: int = 1000, lock_timeout: float | None = None) -> LedgerApplication:
    """A ledger on the database at `url` (default `$POOLEDBUDGET_DB`, else a SQLite file).

    One ledger may be shared by the threads of a process (docs/developers/concurrency.md).
    `lock_timeout`: how many seconds a command waits for its turn to write while others write
    (default `$POOLEDBUDGET_LOCK_TIMEOUT`, else 30) before `WriteLockTimeoutError`."""
    timeout = lock_timeout_setting(lock_timeout)
    db: Database = database(url)
    prepare(db)
    env = {**db.env, **at_rest_options(), **timeout_env(db, timeout)}
    env["AGGREGATE_CACHE_MAXSIZE"] = str(cache_size)
    env["CREATE_TABLE"] = "y"
    with setup_lock(db):  # several processes may open a fresh database at once
        app = LedgerApplication(env=env, clock=clock, database=db, lock_timeout=timeout)
    try:
        check_cipher(app)  # a missing or wrong key is refused before anything is misread
    except LedgerError:
        app.close()
        raise
    return app
