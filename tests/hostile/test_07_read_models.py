"""Finding 7 of issue 21: read models were trusted blindly. Editing `pb_spend_allocations`
changed reports and `verify` said ok; deleting a `pb_decisions` row made `--as-at` drop that
decision's spend (as-at took its decisions from that table). Now `verify --read-models` names
the first row that differs from a rebuild, and as-at lists decisions from the stream index the
appends write, which a plain `verify` checks against the log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pooledbudget.application import open_ledger
from pooledbudget.projections.live import live_store, read_models_as_at
from tests.read_model_dump import dump_pool

from .tampering import Database, build, scenario_lines, verify


@pytest.fixture
def ledger_db(db_url: str, scenario_dir: Path) -> Database:
    build(db_url, scenario_lines(scenario_dir))
    app = open_ledger(db_url)
    live_store(app)  # the read models written, as any report leaves them
    app.close()
    return Database(db_url)


def test_untouched_read_models_match_the_log(ledger_db: Database, capsys: Any) -> None:
    code, result = verify(ledger_db.url, capsys, "--read-models")
    assert code == 0 and result["read_models"]["ok"] is True
    assert result["read_models"]["rows_compared"] > 100


def test_an_edited_spend_allocation_is_named(ledger_db: Database, capsys: Any) -> None:
    [(invoice, partner, pence)] = ledger_db.rows(
        "SELECT invoice_ref, partner, funded_pence FROM pb_spend_allocations "
        "ORDER BY invoice_ref, partner LIMIT 1")
    ledger_db.run("UPDATE pb_spend_allocations SET funded_pence = ? WHERE invoice_ref = ? "
                  "AND partner = ?", (pence + 100_000, invoice, partner))
    code, plain = verify(ledger_db.url, capsys)
    assert code == 0  # the log itself is intact
    assert_first_bad(ledger_db, capsys, "pb_spend_allocations", "funded_pence",
                     {"pool_id": "FRP", "invoice_ref": invoice, "partner": partner},
                     (pence + 100_000, pence))


def assert_first_bad(ledger_db: Database, capsys: Any, table: str, column: str,
                     key: dict[str, str], stored_and_rebuilt: tuple[int, int]) -> None:
    """`verify --read-models` fails and names this row and column first, with both values."""
    code, result = verify(ledger_db.url, capsys, "--read-models")
    assert code == 1
    bad = result["first_bad"]
    assert bad["table"] == table and bad["column"] == column and bad["key"] == key
    assert (bad["stored"], bad["rebuilt"]) == stored_and_rebuilt


def test_a_deleted_decision_row_is_named_and_as_at_keeps_its_spend(
        ledger_db: Database, capsys: Any) -> None:
    [(decision_id, year)] = ledger_db.rows(
        "SELECT decision_id, year FROM pb_spends GROUP BY decision_id, year "
        "ORDER BY COUNT(*) DESC LIMIT 1")
    app = open_ledger(ledger_db.url)
    try:
        at = app.last_recorded_time() - timedelta(seconds=1)  # type: ignore[operator]
        before = dump_pool(read_models_as_at(app, at, "FRP", year), "FRP")
    finally:
        app.close()
    assert any(decision_id in row for row in before["pb_spends"])
    ledger_db.run("DELETE FROM pb_decisions WHERE decision_id = ?", (decision_id,))
    app = open_ledger(ledger_db.url)
    try:
        after = dump_pool(read_models_as_at(app, at, "FRP", year), "FRP")
    finally:
        app.close()
    assert after == before
    code, result = verify(ledger_db.url, capsys, "--read-models")
    assert code == 1
    bad = result["first_bad"]
    assert bad["table"] == "pb_decisions" and bad["key"]["decision_id"] == decision_id
    assert "missing from the stored read models" in bad["problem"]


def test_a_deleted_stream_index_row_is_named_by_a_plain_verify(ledger_db: Database,
                                                                capsys: Any) -> None:
    """What as-at trusts instead is checked against the log by every `verify`."""
    [(stream,)] = ledger_db.rows("SELECT originator_id FROM stored_events_streams "
                                 "WHERE kind = 'decision' LIMIT 1")
    ledger_db.run("DELETE FROM stored_events_streams WHERE originator_id = ?", (stream,))
    code, result = verify(ledger_db.url, capsys)
    assert code == 1
    assert result["first_bad"]["problem"] == ("the stream index does not list this stream as "
                                              "the log has it")


def test_an_edited_running_total_is_named_and_no_as_at_reads_it(
        ledger_db: Database, capsys: Any) -> None:
    """Moving spend between two partners' running totals (decision 0045) keeps the pool's
    total: the live shares report shows the move, as it shows any edited read-model row, and
    `verify --read-models` names both rows. A shares report as at a past time restores the
    totals from its checkpoint or replays the pool: it never reads the live ones."""
    from pooledbudget import reports

    [(year, first, pence), (_, second, _)] = ledger_db.rows(
        "SELECT year, partner, funded_pence FROM pb_partner_totals WHERE pool_id = 'FRP' "
        "ORDER BY year, partner LIMIT 2")
    app = open_ledger(ledger_db.url)
    try:
        at = app.last_recorded_time() - timedelta(seconds=1)  # type: ignore[operator]
        then, now = reports.shares(app, "FRP", year, at), reports.shares(app, "FRP", year)
    finally:
        app.close()
    ledger_db.run("UPDATE pb_partner_totals SET funded_pence = funded_pence + ? "
                  "WHERE pool_id = 'FRP' AND year = ? AND partner = ?", (50_000, year, first))
    ledger_db.run("UPDATE pb_partner_totals SET funded_pence = funded_pence - ? "
                  "WHERE pool_id = 'FRP' AND year = ? AND partner = ?", (50_000, year, second))
    app = open_ledger(ledger_db.url)
    try:
        assert reports.shares(app, "FRP", year, at) == then
        edited = reports.shares(app, "FRP", year)
    finally:
        app.close()
    assert edited.total == now.total and edited.partners != now.partners
    assert_first_bad(ledger_db, capsys, "pb_partner_totals", "funded_pence",
                     {"pool_id": "FRP", "year": year, "partner": first}, (pence + 50_000, pence))
