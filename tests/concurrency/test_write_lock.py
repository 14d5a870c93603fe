"""The write lock's edges: a bounded wait with a clear error, a writer killed while it holds the
lock, and `verify` still catching a back-dated event now that honest histories are in order.
On a SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from concurrency import load
from concurrency.workload import spend
from pooledbudget.aggregates.chain import event_hash, stored_fields
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.audit.verify import verify
from pooledbudget.commands import parse_json_line
from pooledbudget.errors import WriteLockTimeoutError
from pooledbudget.persistence import SettingError


def _ledger_with_setup(url: str, **options: Any) -> LedgerApplication:
    ledger = open_ledger(url, **options)
    load.assert_all_succeeded([load.execute_lines(ledger, load.setup())])
    return ledger


@contextmanager
def _lock_held_by(ledger: LedgerApplication) -> Iterator[None]:
    """Another thread holds `ledger`'s write lock until the block ends."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with ledger.recorder.write_scope():  # type: ignore[attr-defined]
            taken.set()
            release.wait(timeout=60)

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(timeout=30)
    try:
        yield
    finally:
        release.set()
        holder.join(timeout=30)


@pytest.mark.parametrize("sharing", [True, False], ids=["same_ledger", "another_ledger"])
def test_a_writer_waits_no_longer_than_its_lock_timeout(db_url: str, sharing: bool) -> None:
    """While another writer (a thread of the same ledger, or another ledger on the same
    database) holds the lock, a command waits about its `lock_timeout`, then fails with
    `write_lock_timeout` and writes nothing, alone or in a group of `execute_many`; once the
    lock is free, the same commands are recorded."""
    holder = _ledger_with_setup(db_url, lock_timeout=0.5)
    waiter = holder if sharing else open_ledger(db_url, lock_timeout=0.5)
    before = holder.recorder.max_notification_id()
    commands = [parse_json_line(spend("D1", f"WAIT-{n}", "1.00")) for n in range(3)]
    with _lock_held_by(holder):
        started = time.monotonic()
        with pytest.raises(WriteLockTimeoutError) as raised:
            waiter.execute(commands[0])
        waited = time.monotonic() - started
        outcomes = waiter.execute_many(commands[1:])
    assert 0.4 <= waited < 10
    assert raised.value.code == "write_lock_timeout"
    assert "lock_timeout" in raised.value.message
    assert [getattr(o, "code", None) for o in outcomes] == ["write_lock_timeout"] * 2
    assert holder.recorder.max_notification_id() == before
    assert not any(o.duplicate for o in [waiter.execute(c) for c in commands])
    assert waiter.execute_many(commands)
    new = [n.topic for n in holder.recorder.select_notifications(start=before + 1, limit=100)]
    # three spends, each with its invoice claim and receipt (and, on a pool's first spend, the
    # one-off listing of invoice references claimed under the old rule: decision 0024)
    assert sum(not topic.endswith("LegacyInvoiceRefsIndexed") for topic in new) == 9
    if waiter is not holder:
        waiter.close()
    holder.close()


@pytest.mark.parametrize("given", [0, -1, float("nan"), 10**6])
def test_a_lock_timeout_outside_its_range_is_refused(given: float) -> None:
    with pytest.raises(SettingError) as raised:
        open_ledger("memory://", lock_timeout=given)
    assert raised.value.field == "lock_timeout"


def test_the_lock_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POOLEDBUDGET_LOCK_TIMEOUT", "2.5")
    ledger = open_ledger("memory://")
    assert ledger.recorder.lock_timeout == 2.5  # type: ignore[attr-defined]
    ledger.close()
    monkeypatch.setenv("POOLEDBUDGET_LOCK_TIMEOUT", "soon")
    with pytest.raises(SettingError, match="POOLEDBUDGET_LOCK_TIMEOUT"):
        open_ledger("memory://")


# -- a writer killed holding the lock -----------------------------------------------------------

VICTIM = """
import json, sys, time
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.commands import parse_json_line
from pooledbudget.logs import configure_logging

configure_logging("off")
url, stop_at = sys.argv[1], int(sys.argv[2])
saves = 0
save = LedgerApplication.save

def save_then_hang(self, *objs, **kwargs):
    # The events are inserted, the transaction and the lock still held: say so and hang.
    global saves
    recordings = save(self, *objs, **kwargs)
    saves += 1
    if saves == stop_at:
        print("HOLDING", flush=True)
        time.sleep(600)
    return recordings

LedgerApplication.save = save_then_hang
ledger = open_ledger(url)
for n, raw in enumerate(sys.stdin):
    ledger.execute(parse_json_line(raw))
    print(json.dumps({"acknowledged": n}), flush=True)
"""


def test_a_writer_killed_holding_the_lock_loses_nothing_acknowledged_and_doubles_nothing(
    db_url: str,
) -> None:
    """A writer process is SIGKILLed after inserting its 10th command's events, before its
    commit, while three threads of another ledger wait for the lock. The threads then get it
    and all succeed; the victim's nine acknowledged commands are recorded and its tenth is not
    there at all; sending the victim's whole batch again reports the nine as duplicates and
    records the rest once. Net spend exact, verify clean."""
    ledger = _ledger_with_setup(db_url)
    setup_count = load.Expected.of(load.setup()).commands
    victim_lines = [spend("D1", f"VICTIM-{n:02d}", load.amount(9, n)) for n in range(20)]
    victim = subprocess.Popen(
        [sys.executable, "-c", VICTIM, db_url, "10"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert victim.stdin is not None and victim.stdout is not None
    victim.stdin.write("\n".join(victim_lines) + "\n")
    victim.stdin.close()
    acknowledged = []
    for raw in victim.stdout:
        if raw.strip() == "HOLDING":
            break
        acknowledged.append(json.loads(raw)["acknowledged"])
    else:
        pytest.fail(f"the victim ended without holding the lock: {victim.wait()}")
    assert acknowledged == list(range(9))

    others = load.one_decision(3, 5)
    results: list[list[dict[str, Any]]] = []
    waiting = threading.Thread(target=lambda: results.extend(load.in_threads(ledger, others)))
    waiting.start()
    time.sleep(0.5)  # the threads are queued behind the victim's lock
    assert waiting.is_alive(), "the others wrote while the victim held the lock"
    os.kill(victim.pid, signal.SIGKILL)
    assert victim.wait(timeout=30) == -signal.SIGKILL
    waiting.join(timeout=120)
    load.assert_all_succeeded(results)

    decision = ledger.decision("CP", "D1")
    assert {f"VICTIM-{n:02d}" for n in range(9)} <= set(decision.spends)
    assert not {f"VICTIM-{n:02d}" for n in range(9, 20)} & set(decision.spends)
    others_sent = [raw for batch in others for raw in batch]
    load.assert_consistent(ledger, setup_count, load.Expected.of(victim_lines[:9] + others_sent))

    again = load.execute_lines(ledger, victim_lines)
    assert [r["ok"] for r in again] == [True] * 20
    assert [r["duplicate"] for r in again] == [True] * 9 + [False] * 11
    load.assert_consistent(ledger, setup_count, load.Expected.of(victim_lines + others_sent))
    ledger.close()


# -- verify still catches a back-dated event ----------------------------------------------------


def test_verify_reports_an_event_whose_recording_time_was_moved_earlier(db_url: str) -> None:
    """Honest writers leave recording times in log order (the tests above); an event moved by
    hand to before the event logged ahead of it, even with its hash recomputed so its own
    chain still checks, is named by `verify`."""
    ledger = _ledger_with_setup(db_url)
    load.execute_lines(ledger, [spend("D1", f"LATE-{n}", "10.00") for n in range(3)])
    assert verify(ledger).ok
    last_id = ledger.recorder.max_notification_id()
    before, last = ledger.recorder.select_notifications(start=last_id - 1, limit=2)
    earlier = ledger.mapper.to_domain_event(before).timestamp - timedelta(seconds=5)  # type: ignore[attr-defined]
    event: Any = ledger.mapper.to_domain_event(last)
    fields = {k: v for k, v in stored_fields(event).items() if k != "hash"}
    fields["timestamp"] = earlier
    unsigned = type(event)(**fields, hash="")
    moved = type(event)(**fields, hash=event_hash(get_topic(type(event)), stored_fields(unsigned)))
    _rewrite(ledger, ledger.mapper.to_stored_event(moved))

    result = verify(ledger)
    assert not result.ok
    assert result.first_bad is not None
    assert result.first_bad["notification_id"] == last_id
    assert result.first_bad["problem"] == "recorded earlier than the event before it in the log"
    ledger.close()


def _rewrite(ledger: LedgerApplication, stored: Any) -> None:
    """Replaces one stored event's state in place, as someone with the database's password."""
    recorder: Any = ledger.recorder
    with recorder.datastore.transaction(commit=True) as curs:
        if hasattr(recorder.datastore, "schema"):
            curs.execute(SQL("UPDATE {}.{} SET state = %s WHERE originator_id = %s AND "
                             "originator_version = %s").format(
                Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)),
                (stored.state, stored.originator_id, stored.originator_version))
        else:
            curs.execute(f"UPDATE {recorder.events_table_name} SET state = ? WHERE "
                         "originator_id = ? AND originator_version = ?",
                         (stored.state, stored.originator_id.hex, stored.originator_version))
