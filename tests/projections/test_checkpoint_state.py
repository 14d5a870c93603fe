"""A checkpoint's state part written table by table (decision 0039) is the whole part spelled at
once (decision 0030), byte for byte: the same JSON text, so the same digest, and the same
compressed bytes, on SQLite and PostgreSQL; a database that returns rows in another order than
Python sorts them gets the whole spelling instead, and the same checkpoint.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from pooledbudget.application import LedgerApplication
from pooledbudget.projections import LedgerProjection, ReadModelStore, catch_up, live
from pooledbudget.projections import checkpoint_state as cs
from pooledbudget.projections import checkpoints as ck
from pooledbudget.projections.tables import checkpoints
from unit.helpers import (
    POOL,
    approve_cmd,
    establish_cmd,
    pledge_cmd,
    propose_cmd,
    run,
    spend_cmd,
    variation_cmd,
)

# Identifiers that sort differently by code point than by a language's collation (case,
# punctuation, a prefix): the database must give them in Python's order.
DECISIONS = ["d-2", "D.1", "D10", "D1", "D_1", "D/1", "d1", "D1-b"]


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkpoint every 3 of the pool's events, its rows read 2 at a time (so that chunks are
    joined within a table, and a table may end on a chunk's edge)."""
    monkeypatch.setenv("POOLEDBUDGET_CHECKPOINT_EVERY", "3")
    monkeypatch.setattr(cs, "CHUNK", 2)


def history(ledger: LedgerApplication) -> None:
    """Decisions approved, pending (rows with times and JSON) and varied, with spend."""
    run(ledger, establish_cmd(partners=("ASC", "CFS", "NHS")))
    for code in ("ASC", "CFS", "NHS"):
        run(ledger, pledge_cmd(code, "100000.00"))
    approved = []
    for k, decision_id in enumerate(DECISIONS):
        run(ledger, propose_cmd(decision_id))
        signers = ("ASC", "CFS")[:(0, 1, 2, 2)[k % 4]]  # some left waiting on one or both
        for code in signers:
            run(ledger, approve_cmd(decision_id, code))
        if len(signers) == 2:
            approved.append(decision_id)
    for week, decision_id in enumerate(approved * 2, start=1):
        run(ledger, spend_cmd(decision_id, f"INV-{week}", f"{week * 10}.00"))
    run(ledger, variation_cmd("D1", "V1", planned_end="2026-12-31"))


def stored(store: ReadModelStore) -> list[tuple[Any, ...]]:
    """Every checkpoint's columns (times in UTC: SQLite gives them without their zone)."""
    with store.transaction() as conn:
        return [tuple(_utc(v) for v in row) for row in conn.execute(select(checkpoints)
                .order_by(checkpoints.c.pool_id, checkpoints.c.position))]


def _utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return bytes(value) if isinstance(value, memoryview) else value


def spy_on_whole(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the checkpoints spelled whole."""
    calls: list[int] = []
    real = ck.whole_parts

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(ck, "whole_parts", counted)
    return calls


def whole_rebuild(ledger: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> ReadModelStore:
    """A rebuild into a fresh in-memory store whose checkpoints are all spelled whole."""
    with monkeypatch.context() as patch:
        patch.setattr(ck, "streamed_parts", ck.whole_parts)
        projection = LedgerProjection(ReadModelStore.in_memory(), ledger)
        catch_up(ledger, projection)
    return projection.view


def test_checkpoints_written_table_by_table_are_the_whole_spelling_byte_for_byte(
        ledger: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    history(ledger)
    whole = spy_on_whole(monkeypatch)
    streamed = stored(live.live_store(ledger))  # the backend's own ordering, chunk by chunk
    assert not whole, "the database ordered a table otherwise than Python"
    spelled_whole = stored(whole_rebuild(ledger, monkeypatch))
    assert len(streamed) >= 10
    assert streamed == spelled_whole  # every column: digests, compressed parts, tallies
    texts = [zlib.decompress(row[list(checkpoints.c.keys()).index("state")]) for row in streamed]
    last = json.loads(texts[-1])
    # the rows the test means to cover are in the text: pending approvals (times, JSON), every
    # decision in Python's order of its id
    assert last["pb_approvals_pending"] and "+00:00" in json.dumps(last["pb_approvals_pending"])
    assert [row[1] for row in last["pb_decisions"]] == sorted(DECISIONS)
    assert json.dumps(last, sort_keys=True, separators=(",", ":")).encode() == texts[-1]


def test_the_two_spellings_agree_on_the_final_rows(ledger: LedgerApplication) -> None:
    """Both spellings of one checkpoint over the same rows, part by part."""
    history(ledger)
    store = live.live_store(ledger)
    with store.transaction() as conn:
        position, tallies = conn.execute(select(checkpoints.c.position, checkpoints.c.tallies)
                                         .order_by(checkpoints.c.position.desc())).first()
        args = (conn, POOL, position + 1, position, tallies)
        assert ck.streamed_parts(*args) == ck.whole_parts(*args)


def test_rows_out_of_python_order_fall_back_to_the_whole_spelling(
        ledger: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """A backend ordering text otherwise (here: every key descending) is found out before a
    byte is stored, and the checkpoint spelled whole is the same."""
    monkeypatch.setattr(cs, "_order", lambda conn, table: [c.desc() for c in
                                                           table.primary_key.columns])
    whole = spy_on_whole(monkeypatch)
    history(ledger)
    found = stored(live.live_store(ledger))
    assert whole  # the fallback was taken...
    store = live.live_store(ledger)
    with store.transaction() as conn, pytest.raises(cs.OutOfOrderError, match="after"):
        cs.write_state(conn, cs.Part(b""), ck.STATE_TABLES, POOL, ck._spelled)
    monkeypatch.undo()
    monkeypatch.setenv("POOLEDBUDGET_CHECKPOINT_EVERY", "3")
    assert found == stored(whole_rebuild(ledger, monkeypatch))  # ...to the same checkpoints
