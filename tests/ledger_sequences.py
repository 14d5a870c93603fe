"""Generated command sequences for one pool's year: proposals, approvals, variations, spend,
reversals, contribution changes and a year close, valid and not.

Commands that the ledger rejects are part of the point: the properties must hold whatever was
accepted. Every command carries a distinct `at`, one minute apart, so a sequence can be replayed
with command time and any prefix of it stands for "the ledger as at" that command.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from pooledbudget.application import LedgerApplication
from pooledbudget.errors import LedgerError
from unit.helpers import (
    approve_cmd,
    approve_variation_cmd,
    close_cmd,
    decline_cmd,
    end_cmd,
    establish_cmd,
    pledge_cmd,
    pm,
    propose_cmd,
    receive_cmd,
    reverse_cmd,
    run,
    spend_cmd,
    total,
    variation_cmd,
    vary_cmd,
    weekly,
)

CODES = ("ASC", "CFS", "SMS", "ICB")
DECISIONS = ("D1", "D2", "D3", "D4")
START = date(2026, 4, 1)
PLANNED_END = date(2026, 12, 31)
FIRST_AT = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)

Cmd = dict[str, Any]


@st.composite
def splits(draw: st.DrawFn, codes: tuple[str, ...]) -> dict[str, str]:
    """Percentages in 2.5 % steps, summing to 100, some partners possibly at 0 % or left out."""
    cuts = sorted(draw(st.lists(st.integers(0, 40), min_size=len(codes) - 1, max_size=len(codes) - 1)))
    bounds = [0, *cuts, 40]
    split = {code: bounds[i + 1] - bounds[i] for i, code in enumerate(codes)}
    return {code: f"{steps * 2.5:g}" for code, steps in split.items() if steps}


def amounts(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda pence: f"{pence // 100}.{pence % 100:02d}")


def days(first: date, last: date) -> st.SearchStrategy[str]:
    return st.integers(0, (last - first).days).map(lambda n: (first + timedelta(days=n)).isoformat())


@st.composite
def risk_shares(draw: st.DrawFn, codes: tuple[str, ...]) -> dict[str, Any]:
    rule = draw(st.sampled_from(["proportional", "fixed", "capped"]))
    if rule == "fixed":
        return {"rule": "fixed", "percentages": draw(splits(codes))}
    if rule == "capped":
        capped = draw(st.lists(st.sampled_from(codes[1:]), unique=True, min_size=1, max_size=len(codes) - 1))
        return {"rule": "capped", "caps": {code: draw(amounts(1, 5_000_000)) for code in capped}}
    return {"rule": "proportional"}


@st.composite
def command_sequences(draw: st.DrawFn, *, equal_splits: bool = False, max_steps: int = 30) -> list[Cmd]:
    """A pool of 2-4 partners and their pledges, 1-4 proposed decisions that their funders mostly
    approve, then up to `max_steps` mixed commands aimed mostly at those decisions, and perhaps
    the year's close.

    With `equal_splits`, every element names a responsibility split equal to its funding split,
    also in variations, so no spend can shift cost between partners (R20).
    """
    codes: tuple[str, ...] = tuple(draw(st.lists(st.sampled_from(CODES), min_size=2, max_size=4,
                                                 unique=True)))
    manager = pm(codes[0])  # the host's pool manager
    commands: list[Cmd] = [establish_cmd(partners=codes, host=codes[0],
                                         risk_share=draw(risk_shares(codes)))]
    commands += [pledge_cmd(code, draw(amounts(1_000_000, 10_000_000))) for code in codes]
    funders: dict[str, list[str]] = {}  # decision -> partners of its latest funding split
    invoices = 0

    def element_terms() -> dict[str, Any]:
        funding = draw(splits(codes))
        responsibility = funding if equal_splits else draw(st.one_of(st.none(), splits(codes)))
        cost = draw(st.one_of(amounts(10_000, 2_000_000).map(total),
                              st.tuples(amounts(100, 100_000), st.integers(1, 20)).map(
                                  lambda t: weekly(*t))))
        terms = {"cost": cost, "funding": funding}
        if responsibility is not None:
            terms["responsibility"] = responsibility
        return terms

    def propose(decision_id: str) -> None:
        terms = element_terms()
        funders[decision_id] = list(terms["funding"])
        commands.append(propose_cmd(decision_id, start=START.isoformat(),
                                    planned_end=PLANNED_END.isoformat(), actor=manager, **terms))
        for code in funders[decision_id]:
            if draw(st.integers(0, 9)) > 0:  # mostly approved, sometimes left pending
                commands.append(approve_cmd(decision_id, code))

    for decision_id in DECISIONS[:draw(st.integers(1, len(DECISIONS)))]:
        propose(decision_id)
    for _ in range(draw(st.integers(0, max_steps))):
        kind = draw(st.sampled_from(
            ["spend"] * 6 + ["reverse", "reverse", "approve", "decline", "vary_decision", "vary_decision",
                             "approve_variation", "end", "receive", "vary_pledge", "propose"]))
        decision_id = draw(st.sampled_from(sorted(funders) or DECISIONS))
        code = draw(st.sampled_from(funders.get(decision_id) or codes))
        if kind == "propose":
            propose(draw(st.sampled_from(DECISIONS)))
        elif kind == "approve":
            commands.append(approve_cmd(decision_id, code))
        elif kind == "decline":
            commands.append(decline_cmd(decision_id, code))
        elif kind == "spend":
            invoices += 1
            commands.append(spend_cmd(decision_id, f"INV-{invoices}", draw(amounts(1, 500_000)),
                                      draw(days(START, PLANNED_END)), actor=manager))
        elif kind == "reverse":
            commands.append(reverse_cmd(f"INV-{draw(st.integers(1, max(invoices, 1)))}", actor=manager))
        elif kind == "vary_decision":
            changes = element_terms() if draw(st.booleans()) else {
                "planned_end": draw(days(START + timedelta(days=60), date(2027, 3, 31)))}
            if "funding" in changes:
                funders[decision_id] = sorted({*funders.get(decision_id, []), *changes["funding"]})
                if draw(st.booleans()):
                    changes["effective_from"] = draw(days(START, PLANNED_END))
            variation_id = f"V{len(commands)}"
            commands.append(variation_cmd(decision_id, variation_id, actor=manager, **changes))
            for partner in funders[decision_id]:
                if draw(st.integers(0, 4)) > 0:
                    commands.append(approve_variation_cmd(decision_id, variation_id, partner))
        elif kind == "approve_variation":
            variation_ids = [c["variation_id"] for c in commands
                             if c["command"] == "ProposeVariation" and c["decision_id"] == decision_id]
            if variation_ids:
                commands.append(approve_variation_cmd(decision_id, variation_ids[-1], code))
        elif kind == "end":
            commands.append(end_cmd(decision_id, draw(days(START, PLANNED_END)), actor=manager))
        elif kind == "receive":
            commands.append(receive_cmd(code, draw(amounts(100, 5_000_000)),
                                        reference=f"R-{len(commands)}", actor=manager))
        elif kind == "vary_pledge":
            commands.append(vary_cmd(code, draw(amounts(1_000_000, 10_000_000))))
    if draw(st.integers(0, 3)) == 0:
        commands.append(close_cmd(actor=manager))
    for i, command in enumerate(commands):
        command["at"] = (FIRST_AT + timedelta(minutes=i)).isoformat()
    return commands


def interleaved(first: list[Cmd], second: list[Cmd], other_pool: str,
                data: st.DataObject) -> list[Cmd]:
    """Two pools' commands (`second` moved to `other_pool`) in an order drawn from `data`, each
    command's own order kept, each at its own minute from `FIRST_AT`."""
    second = [{**command, "pool_id": other_pool} for command in second]
    order = data.draw(st.permutations([0] * len(first) + [1] * len(second)), label="order")
    queues = [iter(first), iter(second)]
    commands = [dict(next(queues[i])) for i in order]
    for i, command in enumerate(commands):
        command["at"] = (FIRST_AT + timedelta(minutes=i)).isoformat()
    return commands


@contextmanager
def checkpoint_every(every: int) -> Iterator[None]:
    """`$POOLEDBUDGET_CHECKPOINT_EVERY` set to `every` inside, as it was after."""
    saved = os.environ.get("POOLEDBUDGET_CHECKPOINT_EVERY")
    os.environ["POOLEDBUDGET_CHECKPOINT_EVERY"] = str(every)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("POOLEDBUDGET_CHECKPOINT_EVERY", None)
        else:
            os.environ["POOLEDBUDGET_CHECKPOINT_EVERY"] = saved


def apply_all(ledger: LedgerApplication, commands: list[Cmd], after_each: Any = None) -> list[bool]:
    """Runs every command at its own `at`; returns which were accepted."""
    accepted = []
    for command in commands:
        try:
            run(ledger, command, use_command_time=True)
        except LedgerError:
            accepted.append(False)
        else:
            accepted.append(True)
        if after_each is not None:
            after_each()
    return accepted
