"""CPython's automatic garbage collection, paused for the length of one bulk step.

A group of a feed, or a batch of the log being projected, makes tens of thousands of objects
that live until the step ends (decided events, decisions, rows waiting to be written). The
collector counts them as survivors and every so often runs a full collection over every object
in the process, the host application's included, and finds almost nothing: 20 unreachable
objects after catching up 33,617 events. That search was about 15% of a feed's import and of a
catch-up (decision 0012). Paused for one step, objects are still freed by reference counting the
moment they are dropped; only the search for reference cycles waits until the step ends.
When a big step ends, what it kept is moved to the oldest generation unexamined; every 32nd
big step, once they have moved a quarter of the heap there, collects in full (decision 0047).

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


BIG_STEP = 10_000
"""New tracked objects a step must leave behind for them to be moved unexamined; after a
smaller step the collector's own young collection is cheap, and runs as usual."""
FULL_EVERY = 32
FULL_AFTER = 0.25
"""A full collection runs instead at the `FULL_EVERY`-th big step since the last, once the big
steps have moved `FULL_AFTER` of the heap (as measured after the last full collection): the
cycles steps leave are freed, no more often than the collector's own rule for when a full
collection is due (a quarter of the heap new) would free them in a large process."""
_big_steps = 0
_moved = 0
_heap: int | None = None


def _survivors_to_oldest() -> None:
    """A big step's survivors (a batch's decisions, kept for the next) go straight to the
    oldest generation: two splices of the collector's lists, where the first young collection
    after the step would examine every one of them (3-5% of a catch-up, decision 0047). A
    process with objects frozen by its host is not touched (unfreezing would free them)."""
    global _big_steps, _moved, _heap
    young = gc.get_count()[0]  # the step's new tracked objects, net: collection was paused
    if young < BIG_STEP or gc.get_freeze_count():
        return
    if _heap is None:
        _heap = len(gc.get_objects())
    _big_steps += 1
    _moved += young
    if _big_steps >= FULL_EVERY and _moved > _heap * FULL_AFTER:
        gc.collect()
        _big_steps, _moved, _heap = 0, 0, len(gc.get_objects())
        return
    gc.freeze()
    gc.unfreeze()
