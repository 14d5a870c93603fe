"""Many writers on one ledger: eight threads sharing one, or four processes with one each.

Writers take the database's write lock before they read the clock and decide (writelock.py), so
they wait their turn instead of failing. Each test runs two phases, 25 spends per writer on ONE
decision, then a mixed load (spends, reversals, variations and their approvals over three
decisions), and after each: no command failed, every invoice is recorded exactly once, every
decision's net spend is exact to the penny, recording time follows log order (`verify` is
clean) and the read models kept live while they wrote equal a rebuild. On a SQLite file and on
PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from concurrency import load
from pooledbudget.application import open_ledger
from pooledbudget.projections import live_store

THREADS = 8
PROCESSES = 4
SPENDS = 25


def test_threads_sharing_one_ledger(db_url: str) -> None:
    """Eight threads share one ledger while a ninth keeps its read models live."""
    ledger = open_ledger(db_url)
    setup = load.setup()
    load.assert_all_succeeded([load.execute_lines(ledger, setup)])
    sent: list[str] = []
    for phase in (load.one_decision(THREADS, SPENDS), load.mixed(THREADS, SPENDS)):
        results = load.in_threads(ledger, phase, follow=lambda: live_store(ledger))
        load.assert_all_succeeded(results)
        sent += [raw for batch in phase for raw in batch]
        load.assert_consistent(ledger, len(setup), load.Expected.of(sent))
        load.assert_read_models_equal_a_rebuild(ledger)
    ledger.close()


def test_processes_each_with_a_ledger(db_url: str, tmp_path: Path) -> None:
    """Four processes, each with its own ledger on the same database, one command at a time,
    while this process keeps the read models live."""
    ledger = open_ledger(db_url)
    setup = load.setup()
    load.assert_all_succeeded([load.execute_lines(ledger, setup)])
    phases = [load.one_decision(PROCESSES, SPENDS), load.mixed(PROCESSES, SPENDS)]
    writers = load.Processes(db_url, phases, tmp_path)
    try:
        sent: list[str] = []
        for phase in phases:
            results = writers.run(follow=lambda: live_store(ledger))
            load.assert_all_succeeded(results)
            sent += [raw for batch in phase for raw in batch]
            load.assert_consistent(ledger, len(setup), load.Expected.of(sent))
            load.assert_read_models_equal_a_rebuild(ledger)
    finally:
        writers.close()
    ledger.close()
