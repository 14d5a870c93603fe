"""Checkpoints are derived rows anyone with the database can edit (decision 0030). An edit that
leaves a checkpoint disagreeing with its digest, or moved to another position, is caught when
an as-at would use it: that as-at replays the pool from its start instead, so its answer is
still the log's. An edit with the digest recomputed to match is caught by
`verify --read-models`, which rebuilds every checkpoint and names the first that differs."""

from __future__ import annotations

import hashlib
import json
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from pooledbudget.application import open_ledger
from pooledbudget.projections.live import live_store, read_models_as_at
from pooledbudget.projections.one_pool import last_id_at
from tests.read_model_dump import dump_pool

from .tampering import Database, build, scenario_lines, verify

EVERY = 25


@pytest.fixture
def ledger_db(db_url: str, scenario_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("POOLEDBUDGET_CHECKPOINT_EVERY", str(EVERY))
    build(db_url, scenario_lines(scenario_dir))
    app = open_ledger(db_url)
    live_store(app)  # the read models and their checkpoints written
    app.close()
    return Database(db_url)


def as_at_rows(db: Database, at: datetime) -> dict[str, list[str]]:
    app = open_ledger(db.url)
    try:
        return dump_pool(read_models_as_at(app, at, "FRP"), "FRP")
    finally:
        app.close()


def a_checkpoint_and_a_time_after_it(db: Database, skip: int = 0) -> tuple[int, datetime]:
    """A checkpoint of the pool, and a time at which an as-at is answered from it: its own
    event's recording time, when the events recorded at that instant end before the next."""
    positions = [p for (p,) in db.rows("SELECT position FROM pb_checkpoints "
                                       "WHERE pool_id = 'FRP' ORDER BY position")]
    app = open_ledger(db.url)
    try:
        for position, following in zip(positions[skip:], positions[skip + 1:], strict=False):
            [note] = app.recorder.select_notifications(start=position, limit=1, stop=position)
            at: datetime = app.mapper.to_domain_event(note).timestamp  # type: ignore[attr-defined]
            if last_id_at(app, at) < following:
                return position, at
    finally:
        app.close()
    raise AssertionError("no checkpoint of FRP answers an as-at")


def forged(blob: bytes, position: int, tallies: str) -> tuple[bytes, str]:
    """The state rows with the first decision's cost raised, and a digest to match (of the
    rows and the tallies after the pool and position, as the checkpoint's own is)."""
    tables = json.loads(zlib.decompress(bytes(blob)))
    tables["pb_decisions"][0][5] += 1_000_000  # cost_pence
    text = json.dumps(tables, sort_keys=True, separators=(",", ":")).encode()
    return zlib.compress(text), hashlib.sha256(
        f"FRP\n{position}\n".encode() + text + b"\n" + tallies.encode()).hexdigest()


def test_untouched_checkpoints_match_a_rebuild(ledger_db: Database, capsys: Any) -> None:
    code, result = verify(ledger_db.url, capsys, "--read-models")
    assert code == 0 and result["read_models"]["ok"] is True


def test_an_edit_that_breaks_the_digest_is_not_used_and_is_named(
        ledger_db: Database, capsys: Any) -> None:
    position, at = a_checkpoint_and_a_time_after_it(ledger_db)
    before = as_at_rows(ledger_db, at)
    [(blob, tallies)] = ledger_db.rows("SELECT state, tallies FROM pb_checkpoints "
                                       "WHERE pool_id = 'FRP' AND position = ?", (position,))
    ledger_db.run("UPDATE pb_checkpoints SET state = ? WHERE pool_id = 'FRP' AND position = ?",
                  (forged(blob, position, tallies)[0], position))
    assert as_at_rows(ledger_db, at) == before  # replayed from the start instead
    code, result = verify(ledger_db.url, capsys, "--read-models")
    assert code == 1
    bad = result["first_bad"]
    assert bad["table"] == "pb_checkpoints" and bad["column"] == "state"
    assert bad["key"] == {"pool_id": "FRP", "position": position}


def test_a_checkpoint_moved_to_another_position_is_not_used(ledger_db: Database,
                                                           capsys: Any) -> None:
    position, at = a_checkpoint_and_a_time_after_it(ledger_db)
    before = as_at_rows(ledger_db, at)
    ledger_db.run("UPDATE pb_checkpoints SET position = position + 3 WHERE pool_id = 'FRP' "
                  "AND position = ?", (position,))
    assert as_at_rows(ledger_db, at) == before
    code, result = verify(ledger_db.url, capsys, "--read-models")
    assert code == 1 and result["first_bad"]["table"] == "pb_checkpoints"


def test_a_checkpoint_deleted_from_between_two_others_is_noticed(ledger_db: Database,
                                                                capsys: Any) -> None:
    """The next checkpoint's added rows name the position of the one before them: without it
    the rows it added would be missing from every later as-at."""
    position, at = a_checkpoint_and_a_time_after_it(ledger_db, skip=1)
    before = as_at_rows(ledger_db, at)
    [(earlier,)] = ledger_db.rows("SELECT MAX(position) FROM pb_checkpoints "
                                  "WHERE pool_id = 'FRP' AND position < ?", (position,))
    assert earlier is not None
    ledger_db.run("DELETE FROM pb_checkpoints WHERE pool_id = 'FRP' AND position = ?",
                  (earlier,))
    assert as_at_rows(ledger_db, at) == before
    code, result = verify(ledger_db.url, capsys, "--read-models")
    assert code == 1 and result["first_bad"]["table"] == "pb_checkpoints"
    assert result["first_bad"]["key"] == {"pool_id": "FRP", "position": earlier}
    assert "missing" in result["first_bad"]["problem"]


def test_a_forged_checkpoint_with_its_digest_recomputed_is_named_by_verify(
        ledger_db: Database, capsys: Any) -> None:
    position, at = a_checkpoint_and_a_time_after_it(ledger_db)
    before = as_at_rows(ledger_db, at)
    [(blob, tallies)] = ledger_db.rows("SELECT state, tallies FROM pb_checkpoints "
                                       "WHERE pool_id = 'FRP' AND position = ?", (position,))
    state, digest = forged(blob, position, tallies)
    ledger_db.run("UPDATE pb_checkpoints SET state = ?, state_digest = ? "
                  "WHERE pool_id = 'FRP' AND position = ?", (state, digest, position))
    # As-at trusts a checkpoint that agrees with its digest and the log: the forgery shows.
    assert as_at_rows(ledger_db, at) != before
    code, plain = verify(ledger_db.url, capsys)
    assert code == 0  # the log itself is intact
    code, result = verify(ledger_db.url, capsys, "--read-models")
    assert code == 1
    bad = result["first_bad"]
    assert bad["table"] == "pb_checkpoints" and bad["column"] == "state_digest"
    assert bad["key"] == {"pool_id": "FRP", "position": position}
    assert bad["rebuilt"] != bad["stored"] == digest


def test_a_checkpoint_respelled_with_its_digest_recomputed_is_not_searched_but_replayed(
        ledger_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same rows spelled otherwise (a space after each separator, as JSON allows), with a
    digest to match: a report as at a time after it, which looks in its text for the rows of
    the decisions its replay goes on with (decision 0046), finds a text not spelled as a
    checkpoint is, and replays the pool from its start instead: the log's figures."""
    from pooledbudget import reports
    from pooledbudget.projections import checkpoints, one_pool, state_text

    monkeypatch.setattr(state_text, "SEARCH_COST", 0)  # searched, however short the text
    # the read models' as-at, not the checkpoints' figures (decision 0048), which read no state
    monkeypatch.setattr(reports, "pool_figures_as_at", lambda *args: None)
    position, at = a_checkpoint_and_a_time_after_it(ledger_db)
    [(year,)] = ledger_db.rows("SELECT MIN(year) FROM pb_decisions WHERE pool_id = 'FRP'")
    app = open_ledger(ledger_db.url)
    try:
        before = reports.shares(app, "FRP", year, at)
    finally:
        app.close()
    [(blob, tallies)] = ledger_db.rows("SELECT state, tallies FROM pb_checkpoints "
                                       "WHERE pool_id = 'FRP' AND position = ?", (position,))
    text = json.dumps(json.loads(zlib.decompress(bytes(blob))), sort_keys=True).encode()
    digest = hashlib.sha256(f"FRP\n{position}\n".encode() + text + b"\n"
                            + tallies.encode()).hexdigest()
    ledger_db.run("UPDATE pb_checkpoints SET state = ?, state_digest = ? "
                  "WHERE pool_id = 'FRP' AND position = ?", (zlib.compress(text), digest, position))
    searched: list[Any] = []
    from_start: list[Any] = []
    real_search, real_replay = checkpoints.decode_for, one_pool.replay_streams
    monkeypatch.setattr(checkpoints, "decode_for",
                        lambda *args: (searched.append(1), real_search(*args))[1])
    monkeypatch.setattr(one_pool, "replay_streams",
                        lambda *args, **kw: (from_start.append(1), real_replay(*args, **kw))[1])
    app = open_ledger(ledger_db.url)
    try:
        assert reports.shares(app, "FRP", year, at) == before
    finally:
        app.close()
    assert searched and from_start


@pytest.mark.parametrize("edit", [
    "UPDATE pb_spends SET amount_pence = amount_pence + 100 WHERE pool_id = 'FRP' AND "
    "invoice_ref = (SELECT MIN(invoice_ref) FROM pb_spends WHERE pool_id = 'FRP' AND sequence <= ?)",
    "DELETE FROM pb_spend_allocations WHERE pool_id = 'FRP' AND invoice_ref = (SELECT "
    "MIN(invoice_ref) FROM pb_spends WHERE pool_id = 'FRP' AND sequence <= ?)",
    "UPDATE pb_forecast_movements SET sequence = sequence + 1000000 WHERE pool_id = 'FRP' AND "
    "sequence = (SELECT MIN(sequence) FROM pb_forecast_movements WHERE pool_id = 'FRP' "
    "AND sequence <= ?)",
    # an allocation's own position moved past the as-at: its spend stays, its part goes
    "UPDATE pb_spend_allocations SET sequence = sequence + 1000000 WHERE pool_id = 'FRP' AND "
    "invoice_ref = (SELECT MIN(invoice_ref) FROM pb_spends WHERE pool_id = 'FRP' AND "
    "sequence <= ?)",
])
def test_an_edited_live_added_row_before_the_checkpoint_is_not_read(
        ledger_db: Database, edit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An as-at reads the live rows only ever added up to its checkpoint (decision 0035), after
    comparing their count and sums with the checkpoint's tallies: a live row edited, deleted or
    moved past the checkpoint makes them differ, so the pool is replayed from its start and
    the answer is still the log's. Without that comparison the edit would show."""
    from pooledbudget.projections import from_checkpoint

    position, at = a_checkpoint_and_a_time_after_it(ledger_db, skip=1)
    before = as_at_rows(ledger_db, at)
    ledger_db.run(edit, (position,))
    assert as_at_rows(ledger_db, at) == before
    monkeypatch.setattr(from_checkpoint, "check_tallies", lambda *args: None)
    assert as_at_rows(ledger_db, at) != before  # what the tallies kept out
