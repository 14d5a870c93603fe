"""As-at from checkpoints (decision 0030) over generated histories of two interleaved pools."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from backends import ledger_url
from ledger_sequences import apply_all, checkpoint_every, command_sequences, interleaved
from pooledbudget.application import open_ledger
from pooledbudget.projections import LedgerProjection, ReadModelStore, live, one_pool
from pooledbudget.projections import from_checkpoint as fc
from read_model_dump import dump_pool
from unit.helpers import POOL, YEAR

OTHER_POOL = "Q"


def _url(directory: str) -> str:
    """A SQLite file unless the suite runs on PostgreSQL: an as-at reads the live rows through
    a connection of its own (decision 0035), which an in-memory ledger has not (that path is
    tested in tests/projections/test_checkpoints.py)."""
    url = ledger_url()
    return f"sqlite:///{directory}/ledger.db" if url == "memory://" else url


@given(command_sequences(max_steps=15), command_sequences(max_steps=15), st.data())
def test_as_at_from_a_checkpoint_equals_the_replay_from_the_start(
    first: list[dict[str, Any]], second: list[dict[str, Any]], data: st.DataObject
) -> None:
    """For any history of two pools whose commands interleave, any checkpoint interval N and
    any recording time T (several events share each command's time), a pool's read models as
    at T restored from its last checkpoint at or before the last event recorded by T, with
    the pool's later events up to T applied, are row for row those a replay of the pool's
    events from the start up to T gives — for the pool, and for the pool and one year."""
    commands = interleaved(first, second, OTHER_POOL, data)
    every = data.draw(st.integers(1, 6), label="every")
    k = data.draw(st.integers(0, len(commands) - 1), label="k")
    shift = data.draw(st.sampled_from([timedelta(0), timedelta(seconds=30)]), label="shift")
    as_at = datetime.fromisoformat(commands[k]["at"]) + shift
    year = data.draw(st.sampled_from([None, YEAR]), label="year")
    with checkpoint_every(every):
        directory = tempfile.TemporaryDirectory()
        ledger = open_ledger(_url(directory.name))
        try:
            apply_all(ledger, commands)
            live.live_store(ledger)  # the read models and their checkpoints written
            if as_at >= (ledger.last_recorded_time() or as_at):
                return  # the live read models answer: nothing is replayed
            for pool in (POOL, OTHER_POOL):
                ids = live.pool_aggregate_ids(ledger, pool, year)
                assert ids is not None
                fresh = LedgerProjection(ReadModelStore.in_memory(), ledger, checkpoints=0)
                one_pool.replay_streams(ledger, fresh, ids, until=as_at)
                restored = fc.as_at_from_checkpoint(
                    ledger, live.live_store(ledger, follow=False), pool, ids, as_at, year)
                answer = live.read_models_as_at(ledger, as_at, pool, year)
                expected = dump_pool(fresh.view, pool)
                assert dump_pool(answer, pool) == expected, pool
                event("from a checkpoint" if restored is not None else "from the start")
                if restored is not None:
                    assert dump_pool(restored, pool) == expected, pool
        finally:
            ledger.close()
            directory.cleanup()
