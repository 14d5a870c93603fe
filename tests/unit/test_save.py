"""`LedgerApplication.save` is eventsourcing's `save` with a cheaper collection step; these
tests hold it to the base's steps, so an eventsourcing upgrade that changes them is noticed."""

from __future__ import annotations

import ast
import inspect
import textwrap

from eventsourcing.application import Application

from pooledbudget import parse_command
from pooledbudget.application import LedgerApplication
from pooledbudget.commands import Command

from .helpers import approved_decision, decision, run, setup_pool, spend_cmd


def _calls(function: object) -> list[str]:
    """The names of the methods a function's body calls, in order (docstring aside)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))  # type: ignore[arg-type]
    return [node.func.attr for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)]


def test_the_base_save_still_takes_the_steps_the_ledger_save_repeats() -> None:
    """Tripwire: if eventsourcing's `Application.save` changes what it does after collecting,
    the ledger's copy must be checked again."""
    assert _calls(Application.save) == [
        "collect_events", "_record", "_take_snapshots", "_notify", "notify"]
    assert [c for c in _calls(LedgerApplication.save) if not c.startswith(("extend", "append",
            "collect_events", "update"))] == ["_record", "_take_snapshots", "_notify", "notify"]


def test_saving_aggregates_and_saving_their_events_record_the_same(
    ledger: LedgerApplication,
) -> None:
    """A single command saves aggregates, a group saves events: both are recorded in order
    and both leave the decision readable at its new version."""
    setup_pool(ledger)
    approved_decision(ledger)
    before = decision(ledger).version
    run(ledger, spend_cmd("D1", "INV-1", "10.00"))  # one command: aggregates
    ledger.execute_many([spend_cmd_parsed("INV-2"), spend_cmd_parsed("INV-3")])  # events
    assert decision(ledger).version == before + 3
    names = [type(n).__name__ for n in ledger.repository.event_store.get(decision(ledger).id)]
    assert names[-3:] == ["SpendRecorded"] * 3


def spend_cmd_parsed(invoice_ref: str) -> Command:
    return parse_command(spend_cmd("D1", invoice_ref, "10.00"))
