"""A checkpoint's added rows from the batch (decision 0040) over generated histories."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection

from backends import ledger_url
from ledger_sequences import apply_all, checkpoint_every, command_sequences, interleaved
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.projections import LedgerProjection, ReadModelStore, added_tee, catch_up
from pooledbudget.projections.emptying import empty_read_models
from projections.test_checkpoint_state import stored

OTHER_POOL = "Q"


class Died(Exception):
    pass


class Dying(LedgerProjection):
    """Dies before applying its `die_at`-th event, once."""

    def __init__(self, view: ReadModelStore, ledger: LedgerApplication, die_at: int) -> None:
        super().__init__(view, ledger)
        self.applied, self.die_at = 0, die_at

    def apply(self, conn: Connection, event: Any, sequence: int) -> None:
        self.applied += 1
        if self.applied == self.die_at:
            raise Died
        super().apply(conn, event, sequence)


def _checkpoints(ledger: LedgerApplication, batch_size: int, die_at: int | None,
                 teed: bool) -> list[tuple[Any, ...]]:
    assert ledger.database is not None
    store = ReadModelStore.for_database(ledger.database)
    empty_read_models(store)
    saved, added_tee.ENABLED = added_tee.ENABLED, teed
    try:
        projection = Dying(store, ledger, die_at or 0)
        if die_at:
            with pytest.raises(Died):
                catch_up(ledger, projection, batch_size=batch_size)
        catch_up(ledger, projection, batch_size=batch_size)
    finally:
        added_tee.ENABLED = saved
    found = stored(store)
    store.close()
    return found


@given(command_sequences(max_steps=15), command_sequences(max_steps=15), st.data())
def test_teed_checkpoints_are_the_read_back_ones(
    first: list[dict[str, Any]], second: list[dict[str, Any]], data: st.DataObject
) -> None:
    """For any history of two pools whose commands interleave, any checkpoint interval N, any
    batch size and any batch dying part-way (the same projection then going on), every
    checkpoint written with its added rows taken from the batches is, column for column, the
    checkpoint a projection reading every added part back from the tables writes."""
    commands = interleaved(first, second, OTHER_POOL, data)
    every = data.draw(st.integers(1, 6), label="every")
    batch_size = data.draw(st.integers(1, 10), label="batch_size")
    with checkpoint_every(every):
        ledger = open_ledger(ledger_url())
        try:
            apply_all(ledger, commands)
            wanted = sum(1 for n in ledger.recorder.select_notifications(start=1, limit=10_000)
                         if LedgerProjection.wants(n.topic))
            die_at = data.draw(st.none() | st.integers(1, max(1, wanted)), label="die_at")
            if die_at is not None and die_at > wanted:
                die_at = None
            reference = _checkpoints(ledger, 10_000, None, teed=False)
            assert _checkpoints(ledger, batch_size, die_at, teed=True) == reference
        finally:
            ledger.close()
