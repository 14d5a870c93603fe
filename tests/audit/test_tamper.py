"""Adversarial tests: tamper with a real SQLite ledger file directly; `verify` must name it (R24)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from pooledbudget.aggregates import Decision
from pooledbudget.aggregates.chain import event_hash
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.batch import apply_lines
from pooledbudget.cli import main


@pytest.fixture
def ledger_file(tmp_path: Path, scenario_dir: Path) -> Path:
    """The worked scenario in a SQLite file; its year close sealed the pool."""
    path = tmp_path / "ledger.db"
    app = open_ledger(f"sqlite:///{path}")
    list(apply_lines(app, (scenario_dir / "family_recovery_pool.jsonl").read_text().splitlines(),
                     use_command_time=True))
    app.close()
    return path


def verify(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["verify", "--db", f"sqlite:///{path}", "--no-progress", *extra])
    return code, json.loads(capsys.readouterr().out)


def rows(path: Path, topic: str | None = None) -> list[tuple[int, str, int, str]]:
    """(rowid, originator_id, version, topic) of stored events, in log order."""
    with sqlite3.connect(path) as conn:
        query = "select rowid, originator_id, originator_version, topic from stored_events"
        if topic is not None:
            return conn.execute(query + " where topic = ? order by rowid", (topic,)).fetchall()
        return conn.execute(query + " order by rowid").fetchall()


def stream(path: Path, originator_id: str) -> list[tuple[int, str, int, str]]:
    return [r for r in rows(path) if r[1] == originator_id]


def sealed_up_to(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        state = conn.execute("select state from stored_events where topic = ?",
                             ("pooledbudget:PoolSealed",)).fetchone()[0]
    return int(json.loads(state)["up_to"])


def as_written_before_links(path: Path) -> None:
    """The ledger as one written before the pools' links existed (none, required after the
    last event), so that only the per-stream chains and the seal guard it, as before."""
    with sqlite3.connect(path) as conn:
        conn.execute("delete from stored_events_links")
        conn.execute("update stored_events_index_meta set value = "
                     "(select max(rowid) from stored_events) where name = 'links_from'")


@pytest.fixture
def app(ledger_file: Path) -> Iterator[LedgerApplication]:
    ledger = open_ledger(f"sqlite:///{ledger_file}")
    yield ledger
    ledger.close()


def test_an_untouched_ledger_verifies_clean(ledger_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every chain recomputes and the year-close seal matches; the seal's digest is printed."""
    code, result = verify(ledger_file, capsys)
    assert code == 0 and result["ok"] is True
    assert result["events_checked"] == len(rows(ledger_file))
    [seal] = result["seals"]
    code, again = verify(ledger_file, capsys, "--seal", seal["digest"])
    assert code == 0 and again["ok"] is True


def test_one_changed_byte_in_an_amount_is_named(
    ledger_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Changing one digit of a recorded spend leaves valid JSON, but not the recorded hash."""
    rowid, originator_id, version, _ = rows(ledger_file, "pooledbudget:SpendRecorded")[3]
    with sqlite3.connect(ledger_file) as conn:
        state = bytearray(conn.execute("select state from stored_events where rowid = ?",
                                       (rowid,)).fetchone()[0])
        at = state.index(b'"amount":"') + len(b'"amount":"')
        state[at] = ord("9") if state[at] != ord("9") else ord("8")
        conn.execute("update stored_events set state = ? where rowid = ?", (bytes(state), rowid))
    code, result = verify(ledger_file, capsys)
    assert code == 1 and result["ok"] is False
    bad = result["first_bad"]
    assert bad["notification_id"] == rowid and bad["version"] == version
    assert bad["aggregate_id"] == str(UUID(originator_id))
    assert "does not give its recorded hash" in bad["problem"]


def test_one_changed_byte_that_breaks_the_encoding_is_named(
    ledger_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rowid = rows(ledger_file)[10][0]
    with sqlite3.connect(ledger_file) as conn:
        state = bytearray(conn.execute("select state from stored_events where rowid = ?",
                                       (rowid,)).fetchone()[0])
        state[0] = ord("[")
        conn.execute("update stored_events set state = ? where rowid = ?", (bytes(state), rowid))
    code, result = verify(ledger_file, capsys)
    assert code == 1
    assert result["first_bad"]["notification_id"] == rowid
    assert "cannot be decoded" in result["first_bad"]["problem"]


def test_an_event_deleted_from_the_middle_of_a_stream_is_named(
    ledger_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, decision_id, _, _ = rows(ledger_file, "pooledbudget:SpendRecorded")[0]
    events = stream(ledger_file, decision_id)
    assert len(events) >= 4
    removed = events[2]
    with sqlite3.connect(ledger_file) as conn:
        conn.execute("delete from stored_events where rowid = ?", (removed[0],))
    code, result = verify(ledger_file, capsys)
    bad = result["first_bad"]
    assert code == 1
    # The pool's link for it is still there: the removed event itself is named.
    assert bad["notification_id"] == removed[0] and bad["version"] == removed[2]
    assert bad["problem"] == "a linked event is no longer in the log: removed"


def test_the_last_event_of_a_stream_deleted_after_the_seal_is_named(
    ledger_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Truncating a sealed stream leaves every remaining chain intact; on a ledger written
    before the pools' links, only the seal shows it."""
    as_written_before_links(ledger_file)
    up_to = sealed_up_to(ledger_file)
    _, decision_id, _, _ = rows(ledger_file, "pooledbudget:SpendRecorded")[0]
    last = stream(ledger_file, decision_id)[-1]
    assert last[0] <= up_to
    with sqlite3.connect(ledger_file) as conn:
        conn.execute("delete from stored_events where rowid = ?", (last[0],))
    code, result = verify(ledger_file, capsys)
    bad = result["first_bad"]
    assert code == 1
    assert bad["problem"] == "a sealed stream no longer ends where the seal says"
    assert bad["aggregate_id"] == str(UUID(decision_id))
    assert bad["sealed_version"] == last[2] and bad["found_version"] == last[2] - 1


def test_two_swapped_events_are_named(ledger_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, decision_id, _, _ = rows(ledger_file, "pooledbudget:SpendRecorded")[0]
    first, second = stream(ledger_file, decision_id)[1:3]
    with sqlite3.connect(ledger_file) as conn:
        states = {r: conn.execute("select topic, state from stored_events where rowid = ?",
                                  (r,)).fetchone() for r in (first[0], second[0])}
        for target, source in ((first[0], second[0]), (second[0], first[0])):
            conn.execute("update stored_events set topic = ?, state = ? where rowid = ?",
                         (*states[source], target))
    code, result = verify(ledger_file, capsys)
    assert code == 1
    assert result["first_bad"]["notification_id"] == first[0]


def _forge_spend(app: LedgerApplication, decision_uuid: UUID, version: int, prev_hash: str,
                 timestamp: Any) -> Any:
    """A SpendRecorded that chains correctly onto `prev_hash`: the hash is recomputed."""
    fields: dict[str, Any] = {
        "originator_id": decision_uuid, "originator_version": version, "timestamp": timestamp,
        "prev_hash": prev_hash, "invoice_ref": "FORGED-1", "amount": "5000.00",
        "service_date": "2026-09-01", "element": None, "supplier": "Forged Ltd",
        "element_parts": {}, "funding": {"ASC": "5000.00"}, "responsibility": {"ASC": "5000.00"},
        "actor": {"id": "pm-asc-01", "partner": "ASC", "role": "pool_manager"},
    }
    existing = next(e for e in app.events.get(decision_uuid) if isinstance(e, Decision.SpendRecorded))
    fields = {k: fields.get(k, getattr(existing, k)) for k in existing.__dict__ if k != "hash"}
    fields.update(originator_version=version, prev_hash=prev_hash, timestamp=timestamp)
    forged = Decision.SpendRecorded(**fields, hash=event_hash(get_topic(Decision.SpendRecorded), fields))
    return app.mapper.to_stored_event(forged)


def test_a_forged_event_with_a_recomputed_hash_appended_to_a_closed_year_is_named(
    ledger_file: Path, app: LedgerApplication, capsys: pytest.CaptureFixture[str]
) -> None:
    """The forgery chains perfectly, but lands after the year's close (R17) and the seal."""
    _, decision_id, _, _ = rows(ledger_file, "pooledbudget:SpendRecorded")[0]
    decision_uuid = UUID(decision_id)
    last = list(app.events.get(decision_uuid))[-1]
    stored = _forge_spend(app, decision_uuid, last.originator_version + 1, last.hash, last.timestamp)
    app.close()
    with sqlite3.connect(ledger_file) as conn:
        conn.execute("insert into stored_events values (?, ?, ?, ?)",
                     (decision_id, stored.originator_version, stored.topic, stored.state))
    code, result = verify(ledger_file, capsys)
    bad = result["first_bad"]
    assert code == 1
    assert bad["aggregate_id"] == str(decision_uuid) and bad["version"] == last.originator_version + 1
    assert "recorded earlier" in bad["problem"] or "was closed" in bad["problem"]


def test_a_sealed_stream_rewritten_with_recomputed_hashes_is_named(
    ledger_file: Path, app: LedgerApplication, capsys: pytest.CaptureFixture[str]
) -> None:
    """Replace a sealed decision's last spend by a forgery with a correct chain: every hash
    recomputes, but the seal recorded another head for that stream (a ledger written before
    the pools' links, which would show it first)."""
    as_written_before_links(ledger_file)
    up_to = sealed_up_to(ledger_file)
    spends = [r for r in rows(ledger_file, "pooledbudget:SpendRecorded") if r[0] <= up_to]
    decision_id = spends[0][1]
    decision_uuid = UUID(decision_id)
    events = list(app.events.get(decision_uuid))
    last = events[-1]
    stored = _forge_spend(app, decision_uuid, last.originator_version, events[-2].hash, last.timestamp)
    app.close()
    with sqlite3.connect(ledger_file) as conn:
        conn.execute("update stored_events set topic = ?, state = ? where originator_id = ? and "
                     "originator_version = ?", (stored.topic, stored.state, decision_id,
                                                last.originator_version))
    code, result = verify(ledger_file, capsys)
    bad = result["first_bad"]
    assert code == 1
    assert bad["problem"] == "a sealed stream no longer ends where the seal says"
    assert bad["aggregate_id"] == str(decision_uuid)
    assert bad["found_version"] == bad["sealed_version"] and bad["found_hash"] != bad["sealed_hash"]


def test_a_seal_digest_that_is_not_there_fails(ledger_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, result = verify(ledger_file, capsys, "--seal", "0" * 64)
    assert code == 1
    assert result["first_bad"]["problem"] == "no seal with this digest: it was removed or altered"
