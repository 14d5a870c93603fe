"""Many writers at once: the loads, the writers (threads sharing a ledger, or processes with a
ledger each, one command at a time as a web service sends them) and the checks of the result.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from concurrency.workload import MANAGER, POOL, holder, line, setup_lines, spend
from pooledbudget.application import LedgerApplication
from pooledbudget.audit.verify import verify
from pooledbudget.commands import parse_json_line
from pooledbudget.errors import LedgerError
from read_model_dump import dump

FUNDING = {"ASC": "50", "CFS": "30", "ICB": "20"}
DECISIONS: dict[str, tuple[str, dict[str, str], dict[str, str] | None]] = {
    d: ("20000.00", FUNDING, None) for d in ("D1", "D2", "D3")
}


def setup() -> list[str]:
    return setup_lines(POOL, DECISIONS)


def amount(writer: int, n: int) -> str:
    """Odd pence, different for every spend, so a lost or doubled one shows in the total."""
    pence = 100 + (writer * 7919 + n * 104_729) % 4_000
    return f"{Decimal(pence) / 100:.2f}"


def one_decision(writers: int, spends: int) -> list[list[str]]:
    """Every writer spends on D1 only."""
    return [[spend("D1", f"ONE-W{w}-S{n:02d}", amount(w, n)) for n in range(spends)]
            for w in range(writers)]


def mixed(writers: int, spends: int) -> list[list[str]]:
    """Spends over D1-D3 in turn; every fifth of a writer's spends reversed later by the same
    writer; writers 0-2 also vary the cost of D1-D3 twice each (one writer a decision, as R12
    allows one pending variation at a time), each variation approved by the three funders.
    Every command succeeds in any interleaving: each decision has room for all the spend."""
    batches = []
    for w in range(writers):
        batch: list[str] = []
        for n in range(spends):
            batch.append(spend(f"D{n % 3 + 1}", f"W{w}-S{n:02d}", amount(w, n)))
            if n % 5 == 4:
                batch.append(line("ReverseSpend", f"W{w}-R{n:02d}",
                                  invoice_ref=f"W{w}-S{n - 3:02d}", reason="wrong supplier"))
            if w < 3 and n % 10 == 2:
                batch += variation(f"D{w + 1}", f"V{w}-{n:02d}", f"{21000 + 1000 * n}.00")
        batches.append(batch)
    return batches


def variation(decision: str, variation_id: str, cost: str) -> list[str]:
    lines = [line("ProposeVariation", f"{variation_id}-p", MANAGER, decision_id=decision,
                  variation_id=variation_id, reason="more weeks of care",
                  cost={"total": cost})]
    for code in FUNDING:
        lines.append(line("ApproveVariation", f"{variation_id}-ok-{code}", holder(code),
                          decision_id=decision, variation_id=variation_id, partner=code))
    return lines


# -- writers ------------------------------------------------------------------------------------


def execute_lines(ledger: LedgerApplication, lines: list[str]) -> list[dict[str, Any]]:
    """One command at a time, each result recorded (ok, or the error's code)."""
    results = []
    for raw in lines:
        try:
            outcome = ledger.execute(parse_json_line(raw))
            results.append({"ok": True, "duplicate": outcome.duplicate})
        except LedgerError as error:
            results.append({"ok": False, "error": error.as_dict()})
    return results


def in_threads(ledger: LedgerApplication, batches: list[list[str]],
               follow: Any = None) -> list[list[dict[str, Any]]]:
    """Each batch in its own thread, all sharing `ledger`, started together; `follow`, if
    given, is called over and over in one more thread until they finish (a reader)."""
    results: list[list[dict[str, Any]]] = [[] for _ in batches]
    start = threading.Barrier(len(batches))
    crashed: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait(timeout=60)
            results[n] = execute_lines(ledger, batches[n])
        except BaseException as error:  # reported below, not lost in the thread
            crashed.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(len(batches))]

    def work() -> None:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)

    in_threads_with(work, follow)
    assert not crashed, crashed
    return results


def _process_worker(url: str, phases: list[list[str]], out: str, barrier: Any) -> None:
    from pooledbudget.application import open_ledger
    from pooledbudget.logs import configure_logging

    configure_logging("off")
    ledger = open_ledger(url)
    ledger.recorder.max_notification_id()  # connect before the start line
    for n, lines in enumerate(phases):
        barrier.wait(timeout=120)  # all start together
        Path(f"{out}.{n}").write_text(json.dumps(execute_lines(ledger, lines)))
        barrier.wait(timeout=120)  # all done: the test looks
    ledger.close()


def _context() -> Any:
    """Fresh processes without paying the imports in each: children are forked from a server
    process that imported the package once (started on first use, kept for the session),
    never from the test process itself, whose threads and open connections a fork would copy."""
    ctx = multiprocessing.get_context("forkserver")
    # Importable from the server's own path (this module's folder is added to the children's
    # path only; a preload that fails to import is silently skipped).
    ctx.set_forkserver_preload(["pooledbudget.application", "pooledbudget.projections",
                                "pooledbudget.audit.verify", "sqlalchemy"])
    return ctx


class Processes:
    """One spawned OS process per writer, each with its own ledger, kept for several phases:
    in each, every writer applies its batch, all starting together, while `follow` (if given)
    runs over and over in a thread of this process."""

    def __init__(self, url: str, phases: list[list[list[str]]], tmp: Path) -> None:
        writers = len(phases[0])
        ctx = _context()
        self.barrier = ctx.Barrier(writers + 1)
        self.outs = [tmp / f"writer-{n}.json" for n in range(writers)]
        self.processes = [
            ctx.Process(target=_process_worker,
                        args=(url, [phase[w] for phase in phases], str(self.outs[w]),
                              self.barrier))
            for w in range(writers)]
        self.phase = 0
        self.phases = len(phases)
        for process in self.processes:
            process.start()

    def run(self, follow: Any = None) -> list[list[dict[str, Any]]]:
        """The next phase: every writer's results."""
        def both_barriers() -> None:
            self.barrier.wait(timeout=300)
            self.barrier.wait(timeout=300)

        in_threads_with(both_barriers, follow)
        results = [json.loads(Path(f"{out}.{self.phase}").read_text()) for out in self.outs]
        self.phase += 1
        return results

    def close(self) -> None:
        """Waits for the writers to end; one still waiting at a barrier (the test failed
        before its last phase) is stopped by breaking the barrier."""
        for process in self.processes:
            process.join(timeout=30)
        if any(process.is_alive() for process in self.processes):
            self.barrier.abort()
            for process in self.processes:
                process.join(timeout=60)
        for process in self.processes:
            assert process.exitcode == 0 or self.phase < self.phases, process.exitcode


def in_threads_with(work: Any, follow: Any) -> None:
    """`work()` here while `follow()` runs over and over in a thread until it returns."""
    done = threading.Event()
    crashed: list[BaseException] = []

    def read() -> None:
        try:
            while not done.wait(0.05):  # a reader now and then, not a spinning one
                follow()
        except BaseException as error:
            crashed.append(error)

    reader = threading.Thread(target=read) if follow is not None else None
    if reader:
        reader.start()
    try:
        work()
    finally:
        done.set()
        if reader:
            reader.join(timeout=300)
    assert not crashed, crashed


# -- checks -------------------------------------------------------------------------------------


@dataclass
class Expected:
    """What the lines sent must leave, whatever order the writers' commands interleaved in."""

    spends: dict[str, dict[str, Fraction]] = field(default_factory=dict)  # decision -> ref -> £
    reversed: set[str] = field(default_factory=set)
    commands: int = 0

    @classmethod
    def of(cls, lines: list[str]) -> Expected:
        expected = cls(commands=len(lines))
        for raw in lines:
            cmd = json.loads(raw)
            if cmd["command"] == "RecordSpend":
                expected.spends.setdefault(cmd["decision_id"], {})[cmd["invoice_ref"]] = \
                    Fraction(Decimal(cmd["amount"]))
            elif cmd["command"] == "ReverseSpend":
                expected.reversed.add(cmd["invoice_ref"])
        return expected


def topic_counts(ledger: LedgerApplication) -> Counter[str]:
    counts: Counter[str] = Counter()
    for notification in ledger.recorder.select_notifications(start=1, limit=1_000_000):
        counts[notification.topic.rpartition(":")[2]] += 1
    return counts


def assert_all_succeeded(results: list[list[dict[str, Any]]]) -> None:
    failed = [r for rs in results for r in rs if not r["ok"]]
    assert failed == [], f"{len(failed)} commands failed, first: {failed[:3]}"
    assert not any(r["duplicate"] for rs in results for r in rs)


def assert_consistent(ledger: LedgerApplication, setup_count: int, expected: Expected) -> None:
    """Every invoice recorded exactly once, each decision's net spend exact to the penny, each
    command's receipt once, recording time never going back along the log, `verify` clean."""
    counts = topic_counts(ledger)
    spends = sum(len(refs) for refs in expected.spends.values())
    assert counts["SpendRecorded"] == counts["InvoiceRegistered"] == spends
    assert counts["SpendReversed"] == len(expected.reversed)
    assert counts["CommandAccepted"] == setup_count + expected.commands
    for decision_id, refs in expected.spends.items():
        decision = ledger.decision(POOL, decision_id)
        assert set(decision.spends) == set(refs)
        assert {r for r, s in decision.spends.items() if s.reversed} == expected.reversed & set(refs)
        net = sum((v for r, v in refs.items() if r not in expected.reversed), Fraction(0))
        assert decision.spent == net, (decision_id, decision.spent, net)
    times = [ledger.mapper.to_domain_event(n).timestamp  # type: ignore[attr-defined]
             for n in ledger.recorder.select_notifications(start=1, limit=1_000_000)]
    assert times == sorted(times), "recording time went back along the log"
    result = verify(ledger)
    assert result.ok, result.first_bad


def assert_read_models_equal_a_rebuild(ledger: LedgerApplication) -> None:
    """The live read models (followed while the writers wrote) row for row equal read models
    built in one pass from the whole log."""
    from pooledbudget.projections import LedgerProjection, ReadModelStore, catch_up, live_store

    live = dump(live_store(ledger))
    scratch = LedgerProjection(ReadModelStore.in_memory(), ledger)
    catch_up(ledger, scratch)
    assert dump(scratch.view) == live
