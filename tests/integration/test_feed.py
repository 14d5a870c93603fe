"""The change feed: every stored event once, in strictly increasing positions, resumable from
any position, including while other processes write."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest

from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.cli import main
from pooledbudget.feed import Change, FeedError, changes
from unit.helpers import approved_decision, run, setup_pool, spend_cmd


def stored(ledger: LedgerApplication) -> list[tuple[int, str, int]]:
    """(position, stream, version) of every stored event, read from the store in one go."""
    return [(n.id, str(n.originator_id), n.originator_version)
            for n in ledger.recorder.select_notifications(start=1, limit=1_000_000)]


def test_changes_after_0_lists_every_stored_event_once_in_increasing_positions(
        scenario: LedgerApplication) -> None:
    everything = list(scenario.changes(after=0))
    positions = [c.position for c in everything]
    assert all(a < b for a, b in zip(positions, positions[1:], strict=False))
    assert [(c.position, c.stream, c.version) for c in everything] == stored(scenario)
    assert len({(c.stream, c.version) for c in everything}) == len(everything)
    names = Counter(c.event for c in everything)
    # Claims and receipts are in it: one invoice claim per spend, one receipt per accepted line.
    assert names["InvoiceRegistered"] == names["SpendRecorded"] > 0
    assert names["CommandAccepted"] > 0 and names["YearClosureRecorded"] == 1
    # Read in small pages, it is the same feed.
    assert list(changes(scenario, after=0, batch=7)) == everything


def test_changes_after_k_returns_exactly_the_tail(scenario: LedgerApplication) -> None:
    everything = list(scenario.changes())
    last = everything[-1].position
    for k in [*range(0, last + 2, 11), last - 1, last, last + 5]:
        tail = [c for c in everything if c.position > k]
        assert list(scenario.changes(after=k)) == tail, k
        assert list(scenario.changes(after=k, limit=3)) == tail[:3], k


def test_a_consumer_paging_with_a_limit_sees_every_event_once(
        scenario: LedgerApplication) -> None:
    seen: list[int] = []
    position = 0
    while page := list(scenario.changes(after=position, limit=10)):
        seen += [c.position for c in page]
        position = page[-1].position
    assert seen == [p for p, _, _ in stored(scenario)]


def test_each_change_says_where_it_belongs_and_what_it_records(
        scenario: LedgerApplication) -> None:
    everything = {c.position: c for c in scenario.changes()}
    spend = next(c for c in everything.values() if c.event == "SpendRecorded")
    assert spend.pool == "FRP" and spend.subject == "decision" and spend.version > 1
    proposed = next(c for c in everything.values()
                    if c.event == "DecisionProposed" and c.stream == spend.stream)
    assert spend.subject_id == proposed.subject_id == proposed.fields["decision_id"]
    assert spend.actor is not None and spend.actor["role"] == "pool_manager"
    assert {"invoice_ref", "amount", "funding", "service_date"} <= set(spend.fields)
    assert not {"hash", "prev_hash", "timestamp", "actor"} & set(spend.fields)
    reversal = next(c for c in everything.values() if c.event == "SpendReversed")
    assert reversal.reason and reversal.fields["invoice_ref"]
    receipt = next(c for c in everything.values() if c.event == "CommandAccepted")
    assert receipt.subject == "command" and receipt.subject_id == receipt.fields["command_id"]
    assert json.loads(json.dumps(spend.as_dict()))["recorded_at"] == spend.recorded_at.isoformat()
    assert list(scenario.changes(pool="FRP")) == list(everything.values())
    assert list(scenario.changes(pool="ELSEWHERE")) == []


def test_changes_cli_prints_json_lines_of_the_tail(scenario: LedgerApplication,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    url = scenario.database.url if scenario.database else ""
    last = scenario.recorder.max_notification_id() or 0
    assert main(["changes", "--after", str(last - 4), "--db", url]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["position"] for line in lines] == list(range(last - 3, last + 1))
    assert main(["changes", "--after", "0", "--limit", "2", "--pool", "FRP", "--db", url]) == 0
    assert [json.loads(x)["position"] for x in capsys.readouterr().out.splitlines()] == [1, 2]


@pytest.mark.parametrize("after", [-1, 1.5, "3", True])
def test_a_position_that_is_not_a_whole_number_is_refused(after: object) -> None:
    ledger = open_ledger("memory://")
    try:
        with pytest.raises(FeedError) as info:
            list(ledger.changes(after=after))  # type: ignore[arg-type]
        assert info.value.field == "after"
        with pytest.raises(FeedError):
            list(ledger.changes(limit=0))
    finally:
        ledger.close()


def test_an_event_that_cannot_be_read_stops_the_feed_at_its_position(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'l.db'}"
    ledger = open_ledger(url)
    setup_pool(ledger)
    sqlite3.connect(tmp_path / "l.db").execute(
        "UPDATE stored_events SET state = x'00ff' WHERE rowid = 3").connection.commit()
    assert [c.position for c in ledger.changes(limit=2)] == [1, 2]
    with pytest.raises(FeedError) as info:
        list(ledger.changes())
    assert info.value.code == "unreadable_event" and "position 3" in info.value.message
    ledger.close()


def _write(url: str, pool: str, count: int, errors: list[BaseException]) -> None:
    try:  # opening too: a writer that cannot open must fail the test, not vanish
        ledger = open_ledger(url)
    except BaseException as error:  # noqa: BLE001 - reported by the test
        errors.append(error)
        return
    try:
        for i in range(count):
            run(ledger, {**spend_cmd("D1", f"{pool}-INV-{i}", "1.00"), "pool_id": pool})
    except BaseException as error:  # noqa: BLE001 - reported by the test
        errors.append(error)
    finally:
        ledger.close()


def _consume(url: str, pool: str | None, done: threading.Event, seen: list[Change],
             errors: list[BaseException], limit: int) -> None:
    try:
        ledger = open_ledger(url)
    except BaseException as error:  # noqa: BLE001 - reported by the test
        errors.append(error)
        return
    try:
        position = 0
        while True:
            finished = done.is_set()  # read before the page: a page after it sees every write
            page = list(ledger.changes(after=position, limit=limit, pool=pool))
            seen += page
            if page:
                position = page[-1].position
            elif finished:
                return
    except BaseException as error:  # noqa: BLE001 - reported by the test
        errors.append(error)
    finally:
        ledger.close()


def test_consumers_interleaving_with_concurrent_writers_miss_and_repeat_nothing(
        db_url: str) -> None:
    """Two writers append spends to two pools while two consumers follow the feed (one of
    them only pool A) in small pages, each resuming from the last position it handled: every
    event is handed over exactly once, in order."""
    setup = open_ledger(db_url)
    for pool in ("A", "B"):
        run(setup, {"command": "EstablishPool", "actor": {"id": "pm-asc", "partner": "ASC",
                    "role": "pool_manager"}, "pool_id": pool, "name": f"Pool {pool}",
                    "host": "ASC", "first_year": "2026-27",
                    "partners": [{"code": "ASC", "name": "Adult"},
                                 {"code": "CFS", "name": "Children"}]})
    setup.close()
    for pool in ("A", "B"):
        ledger = open_ledger(db_url)
        _approved(ledger, pool)
        ledger.close()
    done = threading.Event()
    errors: list[BaseException] = []
    everything_seen: list[Change] = []
    pool_a_seen: list[Change] = []
    consumers = [threading.Thread(target=_consume, args=(db_url, None, done, everything_seen,
                                                         errors, 7)),
                 threading.Thread(target=_consume, args=(db_url, "A", done, pool_a_seen,
                                                         errors, 5))]
    writers = [threading.Thread(target=_write, args=(db_url, pool, 60, errors))
               for pool in ("A", "B")]
    for thread in consumers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    for thread in consumers:
        thread.join()
    assert errors == []
    final = open_ledger(db_url)
    everything = list(final.changes())
    final.close()
    assert sum(c.event == "SpendRecorded" for c in everything) == 120
    assert [c.position for c in everything_seen] == [c.position for c in everything]
    assert [c.position for c in pool_a_seen] == [c.position for c in everything if c.pool == "A"]


def _approved(ledger: LedgerApplication, pool: str) -> None:
    from unit import helpers

    previous = helpers.POOL
    helpers.POOL = pool
    try:
        for code in ("ASC", "CFS"):
            run(ledger, helpers.pledge_cmd(code, "100000.00"))
        approved_decision(ledger, "D1", cost={"total": "50000.00"})
    finally:
        helpers.POOL = previous
