"""A batch's pledges, variations and receipts are kept per partner and year and written when it
ends; the rows are those that writing each event's statement in turn gave."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from pooledbudget.persistence import database, prepare
from pooledbudget.projections import ReadModelStore
from pooledbudget.projections.contributions import ContributionWriter
from pooledbudget.projections.tables import contributions


@pytest.fixture
def store(db_url: str) -> Iterator[ReadModelStore]:
    db = database(db_url)
    prepare(db)
    store = ReadModelStore.for_database(db)
    yield store
    store.close()


def _rows(store: ReadModelStore) -> dict[tuple[str, str, str], tuple[int, int]]:
    with store.engine.connect() as conn:
        return {(r.pool_id, r.year, r.partner): (r.agreed_pence, r.received_pence)
                for r in conn.execute(select(contributions))}


def test_changes_within_and_across_batches(store: ReadModelStore) -> None:
    writer = ContributionWriter()
    a, b, c = ("P", "2026-27", "A"), ("P", "2026-27", "B"), ("P", "2027-28", "A")
    with store.transaction() as conn:  # batch 1: a pledged, varied and paid twice
        writer.pledge(conn, a, 100_00)
        writer.receive(a, 10_00)
        writer.vary(a, 120_00)
        writer.receive(a, 5_50)
        writer.pledge(conn, b, 50_00)
        assert _rows(store) == {}  # nothing written before the batch ends
        writer.flush(conn)
    assert _rows(store) == {a: (120_00, 15_50), b: (50_00, 0)}
    with store.transaction() as conn:  # batch 2: rows of batch 1 changed, c pledged
        writer.receive(b, 20_00)
        writer.vary(b, 60_00)
        writer.receive(b, 1_00)
        writer.vary(a, 130_00)
        writer.vary(a, 125_00)
        writer.pledge(conn, c, 7_00)
        writer.receive(c, 7_00)
        writer.flush(conn)
    assert _rows(store) == {a: (125_00, 15_50), b: (60_00, 21_00), c: (7_00, 7_00)}


def test_a_rolled_back_batch_leaves_nothing_to_write(store: ReadModelStore) -> None:
    writer = ContributionWriter()
    key = ("P", "2026-27", "A")
    with pytest.raises(RuntimeError), store.transaction() as conn:
        writer.pledge(conn, key, 100_00)
        raise RuntimeError("the batch failed")
    writer.discard()  # as the projection's `begin` does
    with store.transaction() as conn:
        writer.flush(conn)
    assert _rows(store) == {}


def test_a_receipt_before_its_pledge_in_one_batch_is_lost_as_it_was(store: Any) -> None:
    """No valid log has one (R7), but the rows stay what statement by statement gave: the
    receipt updated no row, the pledge then inserted one with nothing received."""
    writer = ContributionWriter()
    key = ("P", "2026-27", "A")
    with store.transaction() as conn:
        writer.receive(key, 10_00)
        writer.pledge(conn, key, 100_00)
        writer.flush(conn)
    assert _rows(store) == {key: (100_00, 0)}
