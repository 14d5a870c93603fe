"""Finding 1 of issue 21: deletions went unseen. On a pool with no seal, removing a decision's
events (with or without its invoice registrations), only its last event, or rewriting it with
recomputed hashes, and removing a year close, all verified ok. Every one is now named by a
plain `verify` (the pool's links), and a truncation of the newest events by `--expect-head`."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic
from hypothesis import given, settings
from hypothesis import strategies as st

from pooledbudget.aggregates import Decision
from pooledbudget.aggregates.chain import event_hash
from pooledbudget.application import open_ledger
from pooledbudget.audit.verify import verify as verify_ledger
from tests.backends import BACKEND_VARIABLE, ledger_url
from tests.conftest import FakeClock
from tests.unit.helpers import approve_cmd, establish_cmd, pledge_cmd, propose_cmd, run, spend_cmd

from .tampering import Database, build, scenario_lines, verify

NO_SEAL = ("CloseYear", "SealPool")


@pytest.fixture
def unsealed(db_url: str, scenario_dir: Path) -> Database:
    """The worked scenario without its year close: a pool with no seal."""
    build(db_url, scenario_lines(scenario_dir, without=NO_SEAL))
    return Database(db_url)


def spent_decision(db: Database) -> Any:
    """The stored id of the decision with the most spend."""
    spends = [row[1] for row in db.events("pooledbudget:SpendRecorded")]
    return max(set(spends), key=spends.count)


def test_the_untouched_unsealed_ledger_verifies(unsealed: Database, capsys: Any) -> None:
    code, result = verify(unsealed.url, capsys)
    assert code == 0 and result["seals_checked"] == 0
    [head] = result["heads"]
    assert head["pool"] == "FRP" and head["seq"] == len(unsealed.events())


def test_a_whole_decision_deleted_is_named(unsealed: Database, capsys: Any) -> None:
    stream = unsealed.stream(spent_decision(unsealed))
    unsealed.delete_events([row[0] for row in stream])
    code, result = verify(unsealed.url, capsys)
    assert code == 1
    bad = result["first_bad"]
    assert bad["problem"] == "a linked event is no longer in the log: removed"
    assert bad["notification_id"] == stream[0][0]


def test_a_whole_decision_and_its_invoices_deleted_is_named(unsealed: Database,
                                                            capsys: Any) -> None:
    decision = spent_decision(unsealed)
    stream = [row[0] for row in unsealed.stream(decision)]
    decision_id = _decision_id(unsealed, decision)
    invoices = [row[0] for row in unsealed.rows(
        "SELECT {id}, state FROM stored_events WHERE topic = ?",
        ("pooledbudget:InvoiceRegistered",))
        if json.loads(bytes(row[1]))["decision_id"] == decision_id]
    assert invoices
    unsealed.delete_events(stream + invoices)
    code, result = verify(unsealed.url, capsys)
    assert code == 1 and "removed" in result["first_bad"]["problem"]
    assert result["first_bad"]["notification_id"] == min(stream + invoices)


def test_only_the_last_event_of_a_decision_deleted_is_named(unsealed: Database,
                                                           capsys: Any) -> None:
    last = unsealed.stream(spent_decision(unsealed))[-1]
    unsealed.delete_events([last[0]])
    code, result = verify(unsealed.url, capsys)
    assert code == 1
    assert result["first_bad"]["notification_id"] == last[0]
    assert result["first_bad"]["version"] == last[2]


def test_a_decision_deleted_with_its_links_is_named(unsealed: Database, capsys: Any) -> None:
    """The attacker removes the links too: the pool's next link no longer follows on."""
    stream = [row[0] for row in unsealed.stream(spent_decision(unsealed))]
    unsealed.delete_events(stream)
    unsealed.delete_links(stream)
    code, result = verify(unsealed.url, capsys)
    assert code == 1
    assert "is missing: events were removed with their links" in result["first_bad"]["problem"]


def test_a_decision_rewritten_with_recomputed_hashes_is_named(unsealed: Database,
                                                             capsys: Any) -> None:
    """The last spend replaced by a forgery whose own chain is perfect."""
    decision = spent_decision(unsealed)
    last = unsealed.stream(decision)[-1]
    app = open_ledger(unsealed.url)
    try:
        events = list(app.events.get(UUID(str(decision))))
        original = events[-1]
        assert isinstance(original, Decision.SpendRecorded)
        fields = {k: v for k, v in original.__dict__.items() if k != "hash"}
        fields["supplier"] = "Forged Ltd"
        forged = Decision.SpendRecorded(**fields, hash=event_hash(
            get_topic(Decision.SpendRecorded), fields))
        stored = app.mapper.to_stored_event(forged)
    finally:
        app.close()
    unsealed.run("UPDATE stored_events SET state = ? WHERE {id} = ?", (stored.state, last[0]))
    code, result = verify(unsealed.url, capsys)
    assert code == 1
    bad = result["first_bad"]
    assert bad["notification_id"] == last[0]
    assert bad["problem"].startswith("the pool link does not recompute")


def test_a_deleted_year_close_and_the_spend_it_let_in_are_named(
        db_url: str, scenario_dir: Path, capsys: Any) -> None:
    """The four rows of the year close removed (pool event, seal, closure, receipt): the year
    reopens and £50,000 more spend is accepted into it; `verify` names the removal."""
    build(db_url, scenario_lines(scenario_dir))
    db = Database(db_url)
    close = [row for row in db.events() if row[3] in (
        "pooledbudget:YearClosed", "pooledbudget:PoolSealed",
        "pooledbudget:YearClosureRecorded")]
    receipt = [row for row in db.events("pooledbudget:CommandAccepted")
               if row[0] == close[-1][0] + 1]
    removed = [row[0] for row in close + receipt]
    assert len(removed) == 4
    db.delete_events(removed)
    decision = _decision_id(db, spent_decision(db))
    spend = {"command": "RecordSpend", "command_id": "late-1",
             "actor": {"id": "pm-asc-01", "partner": "ASC", "role": "pool_manager"},
             "pool_id": "FRP", "decision_id": decision, "invoice_ref": "LATE-50K",
             "amount": "50000.00", "service_date": "2026-06-01"}
    build(db_url, [json.dumps(spend)])
    assert any(row[3] == "pooledbudget:SpendRecorded" for row in db.events()[-3:])
    code, result = verify(db_url, capsys)
    assert code == 1
    assert result["first_bad"]["problem"] == "a linked event is no longer in the log: removed"
    assert result["first_bad"]["notification_id"] == min(removed)


def test_a_truncated_tail_is_named_by_the_anchored_head(unsealed: Database,
                                                        capsys: Any) -> None:
    """The newest events removed with their links leave a consistent ledger: only the head
    written down before (the board pack, the export) shows it."""
    _, before = verify(unsealed.url, capsys)
    [head] = before["heads"]
    tail = [row[0] for row in unsealed.events()[-3:]]
    unsealed.delete_events(tail)
    unsealed.delete_links(tail)
    code, plain = verify(unsealed.url, capsys)
    assert code == 0  # what no chain can see
    code, result = verify(unsealed.url, capsys, "--pool", "FRP", "--expect-head", head["head"])
    assert code == 1
    assert result["first_bad"]["problem"].startswith("the expected head is not in the pool's")
    code, earlier = verify(unsealed.url, capsys, "--pool", "FRP", "--expect-head",
                           plain["heads"][0]["head"])
    assert code == 0 and earlier["expected_head"]["seq"] == head["seq"] - 3


def test_expect_head_needs_a_pool(unsealed: Database, capsys: Any) -> None:
    from pooledbudget.cli import main

    assert main(["verify", "--db", unsealed.url, "--expect-head", "0" * 64]) == 2


def _decision_id(db: Database, stored_id: Any) -> str:
    [(state,)] = db.rows("SELECT state FROM stored_events WHERE originator_id = ? AND "
                         "originator_version = 1", (stored_id,))
    return str(json.loads(bytes(state))["decision_id"])


# -- the property ---------------------------------------------------------------------------


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A pool, its decisions (one to three, approved) and spend against them in drawn order."""
    decisions = [f"D{n}" for n in range(1, draw(st.integers(1, 3)) + 1)]
    commands = [establish_cmd(), pledge_cmd("ASC", "100000.00"), pledge_cmd("CFS", "100000.00")]
    for decision in decisions:
        commands += [propose_cmd(decision), approve_cmd(decision, "ASC"),
                     approve_cmd(decision, "CFS")]
    order = draw(st.lists(st.sampled_from(decisions), min_size=1, max_size=8))
    commands += [spend_cmd(decision, f"INV-{n}", f"{n + 1}.00") for n, decision in
                 enumerate(order)]
    return commands


@settings(max_examples=25, deadline=None)
@given(commands=histories(), data=st.data())
def test_any_run_of_rows_removed_or_altered_is_reported(commands: list[dict[str, Any]],
                                                        data: st.DataObject) -> None:
    """Whatever contiguous run of stored event rows is deleted (with or without its links) or
    altered, anywhere up to the head written down before, `verify` reports it: a plain
    `verify` always, except for rows removed with their links at the very end of the log,
    which `verify --expect-head` (the head written down before) reports."""
    with tempfile.TemporaryDirectory() as folder:
        # A SQLite file (tampered with through sqlite3), or with
        # POOLEDBUDGET_PROPERTY_BACKEND=postgresql a new schema per example (tests/backends.py).
        url = (ledger_url() if os.environ.get(BACKEND_VARIABLE) == "postgresql"
               else f"sqlite:///{Path(folder) / 'ledger.db'}")
        app = open_ledger(url, clock=FakeClock())
        for command in commands:
            run(app, command)
        result = verify_ledger(app)
        assert result.ok
        [head] = result.heads
        app.close()
        db = Database(url)
        ids = [row[0] for row in db.events()]
        start = data.draw(st.integers(0, len(ids) - 1), label="start")
        length = data.draw(st.integers(1, len(ids) - start), label="length")
        action = data.draw(st.sampled_from(["delete", "delete with links", "alter"]))
        run_ids = ids[start:start + length]
        if action == "alter":
            for notification_id in run_ids:
                [(state,)] = db.rows("SELECT state FROM stored_events WHERE {id} = ?",
                                     (notification_id,))
                changed = bytearray(state)
                middle = len(changed) // 2
                changed[middle] = ord("7") if changed[middle] != ord("7") else ord("8")
                db.run("UPDATE stored_events SET state = ? WHERE {id} = ?",
                       (bytes(changed), notification_id))
        else:
            db.delete_events(run_ids)
            if action == "delete with links":
                db.delete_links(run_ids)
        app = open_ledger(url)
        try:
            anchored = verify_ledger(app, pool="P", expect_head=head["head"])
            plain = verify_ledger(app)
        finally:
            app.close()
        assert not anchored.ok, (action, start, length, len(ids))
        at_the_end = start + length == len(ids) and action == "delete with links"
        assert at_the_end or not plain.ok, (action, start, length, len(ids))


def test_the_board_pack_and_the_ledger_export_carry_the_head(unsealed: Database,
                                                              capsys: Any) -> None:
    """The head written down outside the database, where a board and a finance team keep it."""
    from pooledbudget.boardpack import render
    from pooledbudget.boardpack.data import gather
    from pooledbudget.exports import ledger_csv

    _, result = verify(unsealed.url, capsys)
    [head] = result["heads"]
    app = open_ledger(unsealed.url)
    try:
        html = render(gather(app, "FRP", "2026-27"))
        export = ledger_csv(app, "FRP", "2026-27")
    finally:
        app.close()
    assert f"--expect-head {head['head']}" in html
    lines = export.splitlines()
    assert lines[0].endswith(",ledger_head")
    assert all(line.endswith("," + head["head"]) for line in lines[1:]) and len(lines) > 5


def test_a_ledger_written_before_the_links_verifies_and_links_from_then_on(
        db_url: str, scenario_dir: Path, capsys: Any) -> None:
    """A database as an earlier release left it (no links, no stream index, no settings):
    it verifies clean, its as-at finds every decision (the index is filled from the log), and
    the links start at the first event written after the upgrade and catch deletions from
    then on."""
    lines = scenario_lines(scenario_dir, without=NO_SEAL)
    build(db_url, lines[:60])
    db = Database(db_url)
    for table in ("stored_events_links", "stored_events_streams", "stored_events_index_meta"):
        db.run(f"DROP TABLE {table}")
    before_upgrade = len(db.events())
    code, result = verify(db_url, capsys)  # reopening makes the tables, links_from = the end
    assert code == 0 and result["heads"] == []
    build(db_url, lines[60:])
    code, result = verify(db_url, capsys)
    assert code == 0
    [head] = result["heads"]
    assert head["seq"] == len(db.events()) - before_upgrade
    app = open_ledger(db_url)
    try:
        from pooledbudget.projections.live import pool_aggregate_ids

        ids = pool_aggregate_ids(app, "FRP")
    finally:
        app.close()
    proposed = db.events("pooledbudget:DecisionProposed")
    assert ids is not None and len(ids) == 1 + len(proposed)
    assert any(row[0] <= before_upgrade for row in proposed)
    decision = spent_decision(db)
    stream = [row[0] for row in db.stream(decision) if row[0] > before_upgrade]
    db.delete_events(stream[-1:])
    code, result = verify(db_url, capsys)
    assert code == 1 and result["first_bad"]["notification_id"] == stream[-1]


def test_concurrent_writers_leave_one_unbroken_pool_chain(db_url: str, tmp_path: Path) -> None:
    """Four processes appending to one pool at once: every event gets its link, each onto the
    one committed before it (the append's lock), so the pool verifies with one link per event
    and no writer failed for it."""
    from concurrency.workload import (
        POOL,
        contended_lines,
        deal,
        run_concurrently,
        setup_lines,
    )
    from pooledbudget.audit.links_check import LinkChecker
    from pooledbudget.audit.log_scan import scan_log
    from pooledbudget.batch import apply_lines

    ledger = open_ledger(db_url)
    list(apply_lines(ledger, setup_lines()))
    results = run_concurrently(db_url, deal(contended_lines(), 4), tmp_path)
    assert all(r["ok"] or r["error"]["code"] != "concurrency_conflict"
               for batch in results for r in batch)
    # The links alone (a full `verify` also checks recording times, which writers that read
    # the clock before taking the lock can still put out of order: the concurrency work).
    links = LinkChecker(ledger, None)
    for logged in scan_log(ledger):
        assert links.check(logged, logged.event) is None, logged
    assert links.finish() is None
    events = ledger.recorder.max_notification_id()
    ledger.close()
    [head] = links.heads()
    assert head["pool"] == POOL and head["seq"] == head["notification_id"] == events
