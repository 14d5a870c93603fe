"""A closed ledger is freed with its live read models: a service that opens a ledger per job
must not keep every ledger it ever opened (and its database connections) in memory."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from pooledbudget.application import open_ledger
from pooledbudget.projections import live_store, rebuild
from unit.helpers import pledge_cmd, run, setup_pool


def test_closed_ledgers_are_freed_with_their_live_read_models(tmp_path: Path) -> None:
    freed = []
    for i in range(3):
        ledger = open_ledger(f"sqlite:///{tmp_path / f'ledger-{i}.db'}")
        setup_pool(ledger)
        live_store(ledger)
        rebuild(ledger)  # replaces the live projection
        store = weakref.ref(live_store(ledger))
        freed.append((weakref.ref(ledger), store))
        ledger.close()
        del ledger
    gc.collect()
    assert [(ledger(), store()) for ledger, store in freed] == [(None, None)] * 3


def test_the_live_read_models_still_follow_their_ledger(tmp_path: Path) -> None:
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    setup_pool(ledger)
    gc.collect()  # nothing but the ledger holds its live projection's way back to it
    first = live_store(ledger).max_tracking_id(ledger.name)
    run(ledger, pledge_cmd("ASC", "5.00", year="2027-28"))
    assert (live_store(ledger).max_tracking_id(ledger.name) or 0) > (first or 0)
    ledger.close()
