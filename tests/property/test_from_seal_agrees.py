"""`verify --from-seal` agrees with the full verify, and checks only what came after the seal."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pooledbudget.aggregates import Pool, pool_uuid
from pooledbudget.application import open_ledger
from pooledbudget.audit.verify import verify
from pooledbudget.errors import UnknownDigestError
from tests.audit.test_seals import seal_cmd
from tests.conftest import FakeClock
from tests.hostile.tampering import Database
from tests.unit.helpers import (
    approve_cmd,
    establish_cmd,
    pledge_cmd,
    propose_cmd,
    run,
    spend_cmd,
)


def _in(pool: str, command: dict[str, Any]) -> dict[str, Any]:
    return {**command, "pool_id": pool}


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Pools P and Q, each with one or two approved decisions, then spend and seals of either
    pool interleaved in drawn order (the first step of each pool sealed too)."""
    commands: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for pool in ("P", "Q"):
        decisions = [f"D{n}" for n in range(1, draw(st.integers(1, 2)) + 1)]
        commands += [_in(pool, c) for c in (establish_cmd(pool_id=pool),
                                            pledge_cmd("ASC", "100000.00"),
                                            pledge_cmd("CFS", "100000.00"))]
        for decision in decisions:
            commands += [_in(pool, c) for c in (propose_cmd(decision),
                                                approve_cmd(decision, "ASC"),
                                                approve_cmd(decision, "CFS"))]
        commands.append(_in(pool, seal_cmd()))
        spends = draw(st.lists(st.sampled_from(decisions), min_size=1, max_size=6))
        steps += [_in(pool, spend_cmd(d, f"INV-{pool}{n}", f"{n + 1}.00"))
                  for n, d in enumerate(spends)]
        steps += [_in(pool, seal_cmd(f"Seal {n}")) for n in range(draw(st.integers(0, 2)))]
    return commands + draw(st.permutations(steps))


@settings(max_examples=25, deadline=None)
@given(commands=histories(), data=st.data())
def test_from_seal_agrees_with_the_full_verify(commands: list[dict[str, Any]],
                                               data: st.DataObject) -> None:
    """On a log nobody touched, for every seal of every pool, `--from-seal` says ok as the
    full verify does, reports the same head for the seal's pool, and checks exactly that
    pool's events recorded after the position the seal covers. Any one event of that pool
    after the seal altered afterwards, both say not ok."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'ledger.db'}"
        app = open_ledger(url, clock=FakeClock())
        try:
            for command in commands:
                run(app, command)
            full = verify(app)
            assert full.ok
            seals = [(pool, e) for pool in ("P", "Q") for e in app.events.get(pool_uuid(pool))
                     if isinstance(e, Pool.Sealed)]
            for pool, seal in seals:
                tail = verify(app, from_seal=seal.hash)
                assert tail.ok, tail.first_bad
                assert tail.heads == [h for h in full.heads if h["pool"] == pool]
                after = sum(1 for n in app.recorder.select_notifications(
                    start=seal.up_to + 1, limit=10**6) if _pool_of(app, n) == pool)
                assert tail.events_checked == after
        finally:
            app.close()
        pool, seal = data.draw(st.sampled_from(seals), label="seal")
        db = Database(url)
        app = open_ledger(url)
        try:
            later = [row[0] for row in db.events() if row[0] > seal.up_to
                     and _pool_of(app, app.recorder.select_notifications(row[0], 1)[0]) == pool]
        finally:
            app.close()
        target = data.draw(st.sampled_from(later), label="altered")
        [(state,)] = db.rows("SELECT state FROM stored_events WHERE {id} = ?", (target,))
        changed = bytearray(state)
        middle = len(changed) // 2
        changed[middle] = ord("7") if changed[middle] != ord("7") else ord("8")
        db.run("UPDATE stored_events SET state = ? WHERE {id} = ?", (bytes(changed), target))
        app = open_ledger(url)
        try:
            assert not verify(app).ok
            try:
                assert not verify(app, from_seal=seal.hash).ok
            except UnknownDigestError:
                [(topic,)] = db.rows("SELECT topic FROM stored_events WHERE {id} = ?", (target,))
                assert topic == "pooledbudget:PoolSealed"  # the seal itself was altered
        finally:
            app.close()


def _pool_of(app: Any, notification: Any) -> str:
    """The pool of a stored event: that of its stream's first event."""
    first = app.recorder.select_events(notification.originator_id, lte=1)[0]
    return str(app.mapper.to_domain_event(first).pool_id)
