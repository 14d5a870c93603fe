"""The shares and risk-share reports as at T from the checkpoints' figures and the movements
between them (decision 0048), over generated histories, against the replay."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

from hypothesis import event, given, settings
from hypothesis import strategies as st

from backends import ledger_url
from ledger_sequences import apply_all, checkpoint_every, command_sequences
from pooledbudget import reports
from pooledbudget.application import open_ledger
from pooledbudget.projections import figures_as_at, live
from unit.helpers import YEAR, approve_cmd, element, join_cmd, pm, propose_cmd, total
from unit.outcome_helpers import outcome_cmd, outcome_element


def _url(directory: str) -> str:
    url = ledger_url()
    return f"sqlite:///{directory}/ledger.db" if url == "memory://" else url


def with_outcomes_and_a_join(commands: list[dict[str, Any]],
                             data: st.DataObject) -> list[dict[str, Any]]:
    """`commands` with, at drawn places after the pledges, a decision paying for outcomes
    (proposed, approved, outcomes recorded: its contingent exposure moves, R34) and perhaps a
    partner joining; each command at its own minute, in the new order."""
    codes = [p["code"] for p in commands[0]["partners"]]
    manager = pm(codes[0])
    split = {codes[0]: "60", codes[1]: "40"}
    extras = [propose_cmd("DOUT", actor=manager, elements=[
        element("fee", total("900.00"), split),
        outcome_element("result", "250.00", 4, {codes[1]: "70", codes[0]: "30"})])]
    extras += [approve_cmd("DOUT", code) for code in split]
    extras += [outcome_cmd("DOUT", "result", f"OUT-{i}", f"EV-{i}", actor=manager)
               for i in range(data.draw(st.integers(0, 3), label="outcomes"))]
    if data.draw(st.booleans(), label="join"):
        extras.insert(data.draw(st.integers(0, len(extras)), label="join at"),
                      join_cmd("PROB", YEAR, actor=manager))
    merged = list(commands[:1 + len(codes)])  # the pool and its pledges first
    rest = commands[1 + len(codes):]
    picks = sorted(data.draw(st.lists(st.integers(0, len(rest)), min_size=len(extras),
                                      max_size=len(extras)), label="places"))
    at = 0
    for place, extra in zip(picks, extras, strict=True):
        merged += rest[at:place] + [extra]
        at = place
    merged += rest[at:]
    first = datetime.fromisoformat(commands[0]["at"])
    for i, command in enumerate(merged):
        command["at"] = (first + timedelta(minutes=i)).isoformat()
    return merged


@settings(max_examples=30, deadline=None)
@given(command_sequences(max_steps=20), st.data())
def test_shares_and_risk_share_as_at_from_the_figures_equal_the_replay(
        commands: list[dict[str, Any]], data: st.DataObject) -> None:
    """For any history of a pool (spends, reversals, variations of cost and of split, ends,
    pledges varied, receipts, a decision paying for outcomes, perhaps a partner joining and the
    year closing), any checkpoint interval N and any recording times T, the shares and
    risk-share reports as at T are those the replay of the pool gives, whether the checkpoints'
    figures and the movements between them served T or not; and on a ledger nobody edited, the
    figures are never refused as disagreeing with the movements or with their digests."""
    commands = with_outcomes_and_a_join(commands, data)
    every = data.draw(st.integers(2, 8), label="every")
    served = []
    original = figures_as_at.figures_between

    def watched(*args: Any, **kwargs: Any) -> Any:
        found = original(*args, **kwargs)
        served.append(found is not None)
        return found

    with checkpoint_every(every):
        directory = tempfile.TemporaryDirectory()
        ledger = open_ledger(_url(directory.name))
        try:
            apply_all(ledger, commands)
            live.live_store(ledger)
            last = ledger.last_recorded_time()
            assert last is not None
            pool = commands[0]["pool_id"]
            picked = data.draw(st.lists(st.integers(0, len(commands) - 1), min_size=1,
                                        max_size=8, unique=True), label="times")
            shift = data.draw(st.sampled_from([timedelta(0), timedelta(seconds=30)]),
                              label="shift")
            for k in sorted(picked):
                as_at = datetime.fromisoformat(commands[k]["at"]) + shift
                if as_at < last:
                    with patch.object(figures_as_at, "figures_between", watched), \
                            patch.object(figures_as_at, "_log") as log:
                        fast = (reports.shares_data(ledger, pool, YEAR, as_at=as_at),
                                reports.risk_share(ledger, pool, YEAR, as_at=as_at))
                    with patch.object(reports, "pool_figures_as_at", lambda *a: None):
                        replayed = (reports.shares_data(ledger, pool, YEAR, as_at=as_at),
                                    reports.risk_share(ledger, pool, YEAR, as_at=as_at))
                    assert fast == replayed, as_at
                    assert not log.warning.called, log.warning.call_args
        finally:
            ledger.close()
            directory.cleanup()
    event(f"figures served {sum(served) * 10 // max(len(served), 1) * 10}% of as-ats")
