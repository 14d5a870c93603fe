"""CPython's automatic garbage collection, paused for the length of one bulk step.

A group of a feed, or a batch of the log being projected, makes tens of thousands of objects
that live until the step ends (decided events, decisions, rows waiting to be written). The
collector counts them as survivors and every so often runs a full collection over every object
in the process, the host application's included, and finds almost nothing: 20 unreachable
objects after catching up 33,617 events. That search was about 15% of a feed's import and of a
catch-up (decision 0012). Paused for one step, objects are still freed by reference counting the
moment they are dropped; only the search for reference cycles waits until the step ends.
When it ends, what the step kept is moved to the oldest generation unexamined, and every
32nd step collects in full (decision 0047).

The collector is the whole process's, so a library call never pauses it on its own: a program
that owns its process (the `pooledbudget` command, the benchmarks) says so once with
`own_the_process()`, and `execute_many(pause_collection=True)` asks for one group explicitly.
A host application that embeds the ledger keeps its collector running throughout.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_process_owned = False


def own_the_process(owned: bool = True) -> None:
    """Lets the ledger's bulk steps (catch-up batches, verify's walk) pause collection: for a
    program that is the only user of its process."""
    global _process_owned
    _process_owned = owned


@contextmanager
def collection_paused(force: bool = False) -> Iterator[None]:
    """No automatic collection inside the block — when the process is owned (or `force`) —
    and as it was before, after it (a host that turned collection off keeps it off)."""
    if not (force or _process_owned) or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        _survivors_to_oldest()
        gc.enable()


_steps_since_full = 0
FULL_EVERY = 32
"""Paused steps between two full collections: the cycles a step leaves (about 130 objects
after a catch-up batch) are freed within that many steps, whatever else the process does."""


def _survivors_to_oldest() -> None:
    """The step's survivors (a batch's decisions, kept for the next) go straight to the oldest
    generation: two splices of the collector's lists, where the first young collection after the
    step would examine every one of them (3-5% of a catch-up, decision 0047). Every
    `FULL_EVERY`-th step collects in full instead, so that cycles left among them are freed.
    A process with objects frozen by its host is not touched (unfreezing would free them)."""
    global _steps_since_full
    if gc.get_freeze_count():  # a host froze objects of its own (before forking): left as is
        return
    _steps_since_full += 1
    if _steps_since_full >= FULL_EVERY:
        _steps_since_full = 0
        gc.collect()
        return
    gc.freeze()
    gc.unfreeze()
