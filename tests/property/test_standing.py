"""A decision's standing, asked at once (`Decision.standing`, what the projection records after
every decision event), against its four parts asked one by one."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger_sequences import apply_all, command_sequences
from pooledbudget.aggregates import Decision
from pooledbudget.application import open_ledger
from property.test_figures_as_at import with_outcomes_and_a_join


@settings(max_examples=40, deadline=None)
@given(command_sequences(max_steps=20), st.data())
def test_standing_is_its_four_parts_at_every_version(
        commands: list[dict[str, Any]], data: st.DataObject) -> None:
    """For every decision of any generated history (spends, reversals, cost and split
    variations, ends, outcome payments, a partner joining), at every version, in the pool's
    partner order or another, with its year open or closed: `standing` is exactly
    (`spent_pence`, `firm_remaining_pence`, `commitment_pence`, `contingent_pence`)."""
    commands = with_outcomes_and_a_join(commands, data)
    ledger = open_ledger("memory://")
    try:
        apply_all(ledger, commands)
        codes = [p["code"] for p in commands[0]["partners"]] + ["PROB"]
        order = data.draw(st.sampled_from([codes, codes[::-1]]), label="order")
        decisions: dict[Any, Decision] = {}
        checked = 0
        for note in ledger.recorder.select_notifications(start=1, limit=10_000):
            found = ledger.mapper.to_domain_event(note)
            if not isinstance(found, Decision.Event):
                continue
            decision = decisions[found.originator_id] = found.mutate(
                decisions.get(found.originator_id))
            for closed in (False, True):
                assert decision.standing(order, closed) == (
                    decision.spent_pence, decision.firm_remaining_pence,
                    decision.commitment_pence(order, closed),
                    decision.contingent_pence(order, closed)), (found, closed)
                checked += 1
        assert checked
    finally:
        ledger.close()
