"""How each decision event moved each partner's figures, kept with the event's movement row
(`pb_forecast_movements.partners`, decision 0048).

The running totals (0045) are moved a batch at a time: a batch's commitments are written from
each decision's state at its end. An as-at between two checkpoints needs the figures at one
event, whatever batches the log was applied in; so each decision event's own moves are kept:
its spend's parts (funded and responsible), and each partner's commitment (R11) and contingent
exposure (R34) after it less before it. The earlier checkpoint's figures, plus the moves up to
the as-at's position, are then the figures as they stood there, without replaying an event.

A partner's commitment before an event is computed from the decision's state before it, with
the partner order and the year's closing as they stand: the same the batch writes, since a
partner joining only adds to the end of the order (R4's ties fall as before) and a closed year
holds nothing before or after.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..aggregates import Decision
from ..aggregates.decision.state import each_part

Held = tuple[dict[str, int], dict[str, int]]
"""A decision's commitment and contingent exposure by partner, in pence (noughts left out)."""
NOTHING: Held = ({}, {})
FIELDS = ("funded", "responsible", "committed", "contingent")


def standing(decision: Decision, order: list[str], year_closed: bool) -> tuple[tuple[int, int], Held]:
    """The decision's position (`history.position`) and what it holds of each partner's money
    (`Decision.standing`)."""
    spent, firm, committed, contingent = decision.standing(order, year_closed)
    return (spent, firm), (committed, contingent)


def moves_text(event: Any, decision: Decision, before: Held, after: Held) -> str:
    """The event's moves, `CODE:funded:responsible:committed:contingent` for each partner it
    moved, by code, spaced; "" when it moved none."""
    sign = (1 if isinstance(event, Decision.SpendRecorded)
            else -1 if isinstance(event, Decision.SpendReversed) else 0)
    (was, was_held), (now, now_held) = before, after
    if not sign and was == now and was_held == now_held:
        return ""
    spent: dict[str, tuple[int, int]] = {}
    if sign:
        for code, funded, responsible in each_part(decision.spends[event.invoice_ref].parts):
            spent[code] = (sign * funded, sign * responsible)
    codes = {*spent, *was, *now}
    if held_moved := was_held != now_held:  # not the usual event: an outcome element's
        codes.update(was_held, now_held)
    moves = []
    for code in sorted(codes):
        funded, responsible = spent.get(code, _NONE)
        committed = now.get(code, 0) - was.get(code, 0)
        held = now_held.get(code, 0) - was_held.get(code, 0) if held_moved else 0
        if funded or responsible or committed or held:
            moves.append(f"{code}:{funded}:{responsible}:{committed}:{held}")
    return " ".join(moves)


_NONE = (0, 0)
_ENTRIES = re.compile(r"(?: [A-Z0-9]{2,12}(?::-?[0-9]+){4})*")
_CODES = re.compile(r" ([A-Z0-9]{2,12}):")


def summed_moves(texts: Iterable[str]) -> dict[str, list[int]]:
    """Many events' `moves_text` summed by partner: [funded, responsible, committed,
    contingent]. Found by pattern, a partner at a time, for the thousands of rows between two
    checkpoints; a text not spelled as `moves_text` spells it raises `ValueError`."""
    joined = "".join(" " + text for text in texts if text)
    if not _ENTRIES.fullmatch(joined):
        raise ValueError("a movement's partners are not CODE and four amounts each")
    sums = {}
    for code in set(_CODES.findall(joined)):
        found = re.findall(rf" {code}:(-?[0-9]+):(-?[0-9]+):(-?[0-9]+):(-?[0-9]+)", joined)
        sums[code] = [sum(map(int, column)) for column in zip(*found, strict=True)]
    return sums
