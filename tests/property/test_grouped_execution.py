"""`execute_many` (how batches are applied) against `execute`, one command at a time.

Grouping commands into one save is only an optimisation: it must never change what a feed
records or what each line is told. These properties compare two fresh ledgers fed the same
generated commands, one through each path, outcome by outcome and stored event by stored event.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_sequences import command_sequences
from pooledbudget import parse_command
from pooledbudget.application import CommandResult, LedgerApplication
from pooledbudget.batch import apply_lines
from pooledbudget.errors import LedgerError
from property.ledger_worlds import fresh_ledger

Cmd = dict[str, Any]


def outcome(result: CommandResult | LedgerError) -> tuple[Any, ...]:
    if isinstance(result, LedgerError):
        return ("rejected", result.code, result.rule, result.field, str(result))
    return ("ok", result.command, tuple(result.events), result.duplicate)


def one_by_one(ledger: LedgerApplication, commands: list[Cmd]) -> list[tuple[Any, ...]]:
    outcomes = []
    for command in commands:
        try:
            outcomes.append(outcome(ledger.execute(parse_command(command), use_command_time=True,
                                                   allow_future_times=True)))
        except LedgerError as error:
            outcomes.append(outcome(error))
    return outcomes


def stored(ledger: LedgerApplication) -> list[tuple[Any, ...]]:
    """Every stored event in log order, as stored: id, version, topic and the encoded state."""
    notifications = ledger.recorder.select_notifications(start=1, limit=10_000)
    return [(n.originator_id, n.originator_version, n.topic, n.state) for n in notifications]


@st.composite
def feeds(draw: st.DrawFn) -> list[Cmd]:
    """A generated year of commands, each with a command_id, into which some earlier commands
    are sent again (an exact resend is a duplicate, R25) and some command_ids are reused for a
    different command (an idempotency conflict)."""
    commands = [dict(c, command_id=f"c-{i}") for i, c in enumerate(draw(command_sequences()))]
    for _ in range(draw(st.integers(0, 4))):
        position = draw(st.integers(1, len(commands)))
        earlier = copy.deepcopy(commands[draw(st.integers(0, position - 1))])
        if draw(st.booleans()):
            earlier["at"] = commands[position - 1]["at"]  # same id, different content
        commands.insert(position, earlier)
    return commands


@settings(max_examples=40, deadline=None)
@given(feeds(), st.integers(1, 9))
def test_grouped_execution_records_and_answers_exactly_as_one_at_a_time(
    commands: list[Cmd], group_size: int
) -> None:
    """For any feed — valid and invalid commands, resends, reused command_ids, a year close in
    the middle — and any group size, applying it in groups gives every line the same outcome
    (result, or error code, rule, field and message) and stores the same events, in the same
    order, byte for byte (hash chains included), as applying it one command at a time."""
    with fresh_ledger() as grouped, fresh_ledger() as single:
        parsed = [parse_command(c) for c in commands]
        got = [outcome(r) for r in grouped.execute_many(parsed, use_command_time=True,
                                                          allow_future_times=True,
                                                          group_size=group_size)]
        want = one_by_one(single, commands)
        assert got == want
        assert stored(grouped) == stored(single)


def test_a_writer_racing_a_group_waits_and_is_judged_after_it() -> None:
    """Another writer sends a spend taking an invoice reference while a group is being decided
    (after it looked its references up): writers take turns (decision 0023), so the other waits
    for the group's save and is then judged against it — the group records all five lines, and
    the late writer's reuse of INV-3 is refused (R13). Before writers took turns, the group's
    save was refused and re-run one at a time; now no other writer can come in between."""
    import threading

    from pooledbudget import LedgerError
    from unit.helpers import pm, spend_cmd

    with fresh_ledger() as ledger:
        _approved_decision(ledger)
        feed = [spend_cmd("D1", f"INV-{i}", "10.00", "2026-05-01", actor=pm("ASC"))
                for i in range(5)]
        racing = spend_cmd("D1", "INV-3", "20.00", "2026-05-02", actor=pm("ASC"))
        real_absent = ledger._absent
        outcome: list[object] = []

        def race() -> None:
            try:
                outcome.append(ledger.execute(parse_command(racing)))
            except LedgerError as error:
                outcome.append(error)

        racer = threading.Thread(target=race)

        def absent_then_race(commands: Any) -> set[Any]:
            found = real_absent(commands)  # looked up; now another writer sends INV-3
            racer.start()
            racer.join(timeout=0.5)  # it waits for the group's turn to end
            assert racer.is_alive(), "another writer came in while the group held its turn"
            ledger._absent = real_absent  # type: ignore[method-assign]
            return found

        ledger._absent = absent_then_race  # type: ignore[method-assign]
        results = list(apply_lines(ledger, map(_line, feed)))
        racer.join(timeout=30)
        assert [r["ok"] for r in results] == [True] * 5
        [late] = outcome
        assert isinstance(late, LedgerError) and late.code == "invoice_ref_reused"
        decision = ledger.decision("P", "D1")
        assert sorted(decision.spends) == [f"INV-{i}" for i in range(5)]
        assert decision.spends["INV-3"].amount == 10


def test_a_rejected_command_that_changed_state_part_way_makes_the_group_run_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If a handler raised after changing an aggregate (no handler does so today), the change
    must not reach the store: the group is decided again, one command at a time."""
    from unit.helpers import pm, spend_cmd

    with fresh_ledger() as ledger:
        _approved_decision(ledger)
        real = ledger._handlers[type(parse_command(spend_cmd("D1", "X", "1.00", "2026-05-01")))]
        calls = {"n": 0}

        def faulty(cmd: Any, actor: Any, at: Any) -> Any:
            calls["n"] += 1
            aggregates = real(cmd, actor, at)
            if cmd.invoice_ref == "INV-1" and ledger._group() is not None:
                raise LedgerError("refused after changing the decision", field="invoice_ref")
            return aggregates

        from pooledbudget import commands as c

        monkeypatch.setitem(ledger._handlers, c.RecordSpend, faulty)
        feed = [spend_cmd("D1", f"INV-{i}", "10.00", "2026-05-01", actor=pm("ASC"))
                for i in range(3)]
        results = list(apply_lines(ledger, map(_line, feed)))
        assert [r["ok"] for r in results] == [True, True, True]  # one at a time, no fault
        assert calls["n"] == 2 + 3  # the group got as far as INV-1, then all three again
        assert len(ledger.decision("P", "D1").spends) == 3


def _approved_decision(ledger: LedgerApplication) -> None:
    """Pool P of ASC and CFS, both pledged, and decision D1 approved by both."""
    from unit.helpers import approve_cmd, establish_cmd, pledge_cmd, pm, propose_cmd

    setup = [establish_cmd(partners=("ASC", "CFS"), host="ASC"),
             pledge_cmd("ASC", "100000.00"), pledge_cmd("CFS", "100000.00"),
             propose_cmd("D1", actor=pm("ASC")), approve_cmd("D1", "ASC"),
             approve_cmd("D1", "CFS")]
    assert all(r["ok"] for r in apply_lines(ledger, map(_line, setup)))


def _line(command: Cmd) -> str:
    import json

    return json.dumps(command)
