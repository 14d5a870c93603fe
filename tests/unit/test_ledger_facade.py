"""`Ledger` (ledger.py), the documented Python API: commands in, reports, queries, the change feed,
history and verification out, end to end on SQLite and PostgreSQL; eventsourcing's surface stays
inside."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eventsourcing.application import Application

import pooledbudget
from pooledbudget import CommandResult, Ledger, LedgerError, StateError, parse_command
from pooledbudget.application import LedgerApplication
from tests.conftest import pg_schema_url

from .helpers import (
    POOL,
    YEAR,
    approve_cmd,
    establish_cmd,
    pledge_cmd,
    pm,
    propose_cmd,
    receive_cmd,
    spend_cmd,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    """A `Ledger` opened by URL: a SQLite file, or a new schema on the test PostgreSQL server."""
    if request.param == "sqlite":
        with Ledger.open(f"sqlite:///{tmp_path / 'facade.db'}") as opened:
            yield opened
        return
    with pg_schema_url(request) as url, Ledger.open(url) as opened:
        yield opened


def _approved_pool(ledger: Ledger) -> None:
    """A pool of ASC and CFS, each pledging and paying 100,000, with D1 (1,000, half each)
    approved by both."""
    ledger.execute(establish_cmd())
    for code in ("ASC", "CFS"):
        ledger.execute(pledge_cmd(code, "100000.00"))
        ledger.execute(receive_cmd(code, "100000.00", reference=f"R-{code}"))
    ledger.execute(propose_cmd())
    for code in ("ASC", "CFS"):
        ledger.execute(approve_cmd("D1", code))


def test_commands_go_in_as_dicts_or_models_and_come_back_as_results(ledger: Ledger) -> None:
    first = ledger.execute(establish_cmd())
    assert first == CommandResult("EstablishPool", ["PoolEstablished"])
    model = parse_command(pledge_cmd("ASC", "5000.00"))
    assert ledger.execute(model).events == ["ContributionPledged"]
    with pytest.raises(StateError) as refused:
        ledger.execute(establish_cmd())
    assert (refused.value.code, refused.value.rule) == ("pool_exists", "R5")


def test_execute_many_gives_each_command_its_own_outcome(ledger: Ledger) -> None:
    once = {**pledge_cmd("ASC", "10.00"), "command_id": "c-1"}
    outcomes = ledger.execute_many([establish_cmd(), once, once,
                                    pledge_cmd("NOPE", "1.00", actor=pm())])
    assert [type(o).__name__ for o in outcomes] == [
        "CommandResult", "CommandResult", "CommandResult", "AuthorisationError"]
    assert isinstance(outcomes[2], CommandResult) and outcomes[2].duplicate
    assert isinstance(outcomes[3], LedgerError) and outcomes[3].rule == "R26"


def test_apply_takes_json_lines_text_or_a_file(ledger: Ledger, tmp_path: Path) -> None:
    lines = [json.dumps(establish_cmd()), "", "not json", json.dumps(pledge_cmd("ASC", "1.00"))]
    results = ledger.apply("\n".join(lines))
    assert [(r["line"], r["ok"]) for r in results] == [(1, True), (3, False), (4, True)]
    assert results[1]["error"]["code"] == "invalid_command"
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps(pledge_cmd("CFS", "2.00")) + "\n", encoding="utf-8")
    assert [r["events"] for r in ledger.apply_file(feed)] == [["ContributionPledged"]]


def test_reports_and_queries_read_what_was_recorded(ledger: Ledger) -> None:
    _approved_pool(ledger)
    ledger.execute(spend_cmd("D1", "INV-1", "200.00"))
    shares = ledger.shares(POOL, YEAR)
    assert {p.partner: p.spent for p in shares.partners} == {"ASC": "100.00", "CFS": "100.00"}
    assert ledger.cost_shift(POOL, YEAR).pool == POOL
    assert ledger.approvals(POOL).pool == POOL
    assert [d.decision_id for d in ledger.decisions(POOL)] == ["D1"]
    shown = ledger.decision(POOL, "D1")  # no rule to name
    assert (shown.status, shown.spent) == ("approved", "200.00")
    assert ledger.pool(POOL).host == "ASC"
    with pytest.raises(StateError) as missing:
        ledger.decision(POOL, "NOPE")
    assert (missing.value.code, missing.value.rule) == ("decision_not_found", "R9")


def test_the_change_feed_history_and_verify(ledger: Ledger) -> None:
    _approved_pool(ledger)
    ledger.execute(spend_cmd("D1", "INV-1", "200.00"))
    changes = list(ledger.changes())
    positions = [change.position for change in changes]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert "SpendRecorded" in [change.event for change in changes]
    assert [c.position for c in ledger.changes(after=positions[1], limit=2)] == positions[2:4]
    rows = ledger.history(POOL, "D1")
    assert rows and len(rows) < len(changes)
    checked = ledger.verify()
    assert checked.ok and checked.events_checked >= len(rows)


def test_the_facade_keeps_eventsourcing_inside(ledger: Ledger) -> None:
    assert not isinstance(ledger, Application)
    for name in ("repository", "recorder", "notification_log", "mapper", "events", "snapshots",
                 "save", "take_snapshot", "factory", "log", "closing"):
        assert not hasattr(ledger, name), name
    with pytest.raises(AttributeError):
        ledger.recorder = object()  # type: ignore[attr-defined]
    assert isinstance(ledger.application, LedgerApplication)  # the one documented way in


def test_the_package_exports_the_facade_and_keeps_the_old_names() -> None:
    assert pooledbudget.Ledger is Ledger and "Ledger" in pooledbudget.__all__
    assert callable(pooledbudget.open_ledger) and pooledbudget.LedgerApplication is LedgerApplication
