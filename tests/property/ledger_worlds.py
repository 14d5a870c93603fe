"""Generated ledgers for the property tests: a valid pool set-up, then a random sequence of commands.

A *world* is plain data drawn by hypothesis (partners, decisions, operations); `build_world` turns it
into commands run through the public boundary (`parse_command` + `ledger.execute`) on a fresh
in-memory ledger. Set-up commands must all succeed; operations may be rejected (that is the point:
they mix valid and invalid commands) but may only ever fail with a `LedgerError`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from backends import ledger_url
from pooledbudget import LedgerError, open_ledger, parse_command
from pooledbudget.aggregates import decision_uuid, pool_uuid
from pooledbudget.application import LedgerApplication
from tests.unit.helpers import (
    POOL,
    approve_cmd,
    approve_variation_cmd,
    bh,
    close_cmd,
    decline_cmd,
    end_cmd,
    establish_cmd,
    pledge_cmd,
    pm,
    propose_cmd,
    reverse_cmd,
    run,
    variation_cmd,
)

CODES = ("ASC", "CFS", "ICB", "SMS")
YEAR_START = date(2026, 4, 1)
YEAR_END = date(2027, 3, 31)
PENNY = Decimal("0.01")


class Clock:
    """A recording clock that ticks one second per reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@contextmanager
def fresh_ledger() -> Iterator[LedgerApplication]:
    """A fresh ledger for one hypothesis example (in memory, or on PostgreSQL: see backends.py)."""
    app = open_ledger(ledger_url(), clock=Clock())
    try:
        yield app
    finally:
        app.close()


def pounds(pence: int) -> str:
    return str((Decimal(pence) / 100).quantize(PENNY))


def day(offset: int) -> str:
    return (YEAR_START + timedelta(days=offset)).isoformat()


# -- strategies --------------------------------------------------------------------------------

@st.composite
def splits(draw: st.DrawFn, partners: list[str]) -> dict[str, str]:
    """A funding/responsibility split over some of `partners`: ≤ 4 dp, exactly 100 in total.

    Coarse steps make equal remainders (R4 ties) common; a named partner may get "0".
    """
    codes = draw(st.lists(st.sampled_from(partners), min_size=1, max_size=len(partners), unique=True))
    step = draw(st.sampled_from([1, 100, 10_000, 250_000]))  # units of 0.0001 %
    slots = 1_000_000 // step
    cuts = sorted(draw(st.lists(st.integers(0, slots), min_size=len(codes) - 1, max_size=len(codes) - 1)))
    bounds = [0, *cuts, slots]
    return {code: format(Decimal(step * (bounds[i + 1] - bounds[i])) / 10_000, "f")
            for i, code in enumerate(codes)}


@dataclass
class ElementPlan:
    name: str
    cost_pence: int
    funding: dict[str, str]
    responsibility: dict[str, str] | None


@dataclass
class DecisionPlan:
    decision_id: str
    start: int  # day offsets from 1 April
    end: int
    elements: list[ElementPlan]
    fate: str  # "approve", "propose" (left pending) or "decline"


@dataclass
class World:
    partners: list[str]
    host: str
    pledges: dict[str, int]
    decisions: list[DecisionPlan]
    ops: list[tuple[Any, ...]]


@st.composite
def decision_plans(draw: st.DrawFn, partners: list[str], decision_id: str, fate: str) -> DecisionPlan:
    start = draw(st.integers(0, 250))
    end = start + draw(st.integers(0, 364 - start))
    names = draw(st.sampled_from([["main"], ["adult", "child"], ["adult", "child", "travel"]]))
    elements = [
        ElementPlan(
            name=name,
            cost_pence=draw(st.integers(1, 500_000)),
            funding=draw(splits(partners)),
            responsibility=draw(st.none() | splits(partners)),
        )
        for name in names
    ]
    return DecisionPlan(decision_id, start, end, elements, fate)


def op_strategy(n_decisions: int) -> st.SearchStrategy[tuple[Any, ...]]:
    d = st.integers(0, n_decisions - 1)
    amount = st.one_of(st.integers(1, 100), st.integers(1, 300_000), st.sampled_from([1, 2, 3, 7]))
    # service date: a point inside the decision's period (a per-mille), or any day near the year
    when = st.one_of(st.integers(0, 1000), st.integers(0, 1000), st.tuples(st.integers(-3, 370)))
    spend = st.tuples(st.just("spend"), d, amount, when, st.none() | st.integers(0, 3),
                      st.integers(0, 9))
    reverse = st.tuples(st.just("reverse"), st.integers(0, 20))
    vary = st.tuples(st.just("vary"), d, st.none() | st.integers(1, 500_000), st.booleans(),
                     st.none() | st.integers(0, 364), st.booleans(), st.randoms(use_true_random=False))
    end = st.tuples(st.just("end"), d, st.one_of(st.integers(0, 1000), st.tuples(st.integers(0, 364))))
    close = st.tuples(st.just("close"), st.integers(0, 9))  # closes only on 9: rarely
    approve_pending = st.tuples(st.just("approve_pending"), d)
    return st.one_of(spend, spend, spend, reverse, vary, approve_pending, end, close)


@st.composite
def worlds(draw: st.DrawFn, max_ops: int = 14) -> World:
    partners = list(draw(st.lists(st.sampled_from(CODES), min_size=2, max_size=4, unique=True)))
    host = draw(st.sampled_from(partners))
    pledges = {code: draw(st.integers(1, 50_000_000)) for code in partners}
    n = draw(st.integers(1, 3))
    fates = ["approve", *draw(st.lists(st.sampled_from(["approve", "propose", "decline"]),
                                       min_size=n - 1, max_size=n - 1))]
    decisions = [draw(decision_plans(partners, f"D{i}", fate)) for i, fate in enumerate(fates)]
    ops = draw(st.lists(op_strategy(n), min_size=min(3, max_ops), max_size=max_ops))
    return World(partners, host, pledges, decisions, ops)


# -- building ----------------------------------------------------------------------------------

def element_dict(e: ElementPlan) -> dict[str, Any]:
    data: dict[str, Any] = {"name": e.name, "cost": {"total": pounds(e.cost_pence)}, "funding": e.funding}
    if e.responsibility is not None:
        data["responsibility"] = e.responsibility
    return data


def required_partners(plan: DecisionPlan, partners: list[str]) -> list[str]:
    """R10: every partner with a non-zero funding share in some element, in agreement order."""
    return [code for code in partners
            if any(Decimal(e.funding.get(code, "0")) > 0 for e in plan.elements)]


def propose_plan_cmd(world: World, plan: DecisionPlan) -> dict[str, Any]:
    if len(plan.elements) == 1 and plan.elements[0].name == "main":
        e = plan.elements[0]
        return propose_cmd(plan.decision_id, cost={"total": pounds(e.cost_pence)}, funding=e.funding,
                           responsibility=e.responsibility, start=day(plan.start),
                           planned_end=day(plan.end), actor=pm(world.host))
    return propose_cmd(plan.decision_id, elements=[element_dict(e) for e in plan.elements],
                       start=day(plan.start), planned_end=day(plan.end), actor=pm(world.host))


@dataclass
class Built:
    """What building a world recorded: invoice refs used, and the outcome of every operation."""

    invoices: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)


def setup_world(ledger: LedgerApplication, world: World) -> None:
    """The valid part: establish, pledge (with command ids), propose and approve/decline decisions."""
    run(ledger, establish_cmd(partners=tuple(world.partners), host=world.host))
    for code, pence in world.pledges.items():
        cmd = pledge_cmd(code, pounds(pence))
        cmd["command_id"] = f"pledge-{code}"
        run(ledger, cmd)
    for plan in world.decisions:
        run(ledger, propose_plan_cmd(world, plan))
        required = required_partners(plan, world.partners)
        if plan.fate == "approve":
            for code in required:
                run(ledger, approve_cmd(plan.decision_id, code))
        elif plan.fate == "decline":
            run(ledger, decline_cmd(plan.decision_id, required[-1]))


def op_command(ledger: LedgerApplication, world: World, built: Built,
               op: tuple[Any, ...]) -> list[dict[str, Any]]:
    """The command(s) an operation stands for (a variation may bring its approvals along)."""
    kind = op[0]
    host = pm(world.host)
    if kind == "spend":
        _, d, amount, when, element, reuse = op
        plan = world.decisions[d]
        if isinstance(when, tuple):
            service = day(when[0])
        else:
            decision = ledger.decision(POOL, plan.decision_id)
            service = (decision.start + (decision.end - decision.start) * when // 1000).isoformat()
        invoice = (built.invoices[reuse % len(built.invoices)] if reuse == 9 and built.invoices
                   else f"INV-{len(built.outcomes)}")
        cmd: dict[str, Any] = {
            "command": "RecordSpend", "actor": host, "pool_id": POOL, "decision_id": plan.decision_id,
            "invoice_ref": invoice, "amount": pounds(amount), "service_date": service,
        }
        if element is not None:
            cmd["element"] = plan.elements[element % len(plan.elements)].name
        return [cmd]
    if kind == "reverse":
        invoice = built.invoices[op[1] % len(built.invoices)] if built.invoices else "INV-NONE"
        return [reverse_cmd(invoice, actor=host)] if built.invoices or op[1] == 0 else []
    if kind == "end":
        _, d, when = op
        decision = ledger.decision(POOL, world.decisions[d].decision_id)
        ended = (day(when[0]) if isinstance(when, tuple)
                 else (decision.start + (decision.planned_end - decision.start) * when // 1000).isoformat())
        return [end_cmd(world.decisions[d].decision_id, ended, actor=host)]
    if kind == "approve_pending":
        decision = ledger.decision(POOL, world.decisions[op[1]].decision_id)
        if decision.pending is None:
            return []
        return [{"approve_variation": (decision.decision_id, decision.pending.variation_id)}]
    if kind == "close":
        return [close_cmd(actor=host)] if op[1] == 9 else []
    assert kind == "vary"
    _, d, new_cost, new_funding, effective, approve, rnd = op
    plan = world.decisions[d]
    variation_id = f"V{len(built.outcomes)}"
    changes: dict[str, Any] = {}
    if effective is not None:
        changes["effective_from"] = day(effective)
    if len(plan.elements) == 1 and plan.elements[0].name == "main":
        if new_cost is not None:
            changes["cost"] = {"total": pounds(new_cost)}
        if new_funding or new_cost is None:
            changes["funding"] = random_split(rnd, world.partners)
    else:
        listed = []
        for e in plan.elements:
            item: dict[str, Any] = {"name": e.name}
            if new_cost is not None:
                item["cost"] = {"total": pounds(max(1, new_cost * (1 + len(listed)) // len(plan.elements)))}
            if new_funding and rnd.random() < 0.5:
                item["funding"] = random_split(rnd, world.partners)
            listed.append(item)
        changes["elements"] = listed
    commands = [variation_cmd(plan.decision_id, variation_id, actor=host, **changes)]
    if approve:
        # the approvals are decided when the variation has been proposed; see build_world
        commands.append({"approve_variation": (plan.decision_id, variation_id)})
    return commands


def random_split(rnd: Any, partners: list[str]) -> dict[str, str]:
    """A whole-percent split over all partners from a seeded random (for variations)."""
    cuts = sorted(rnd.randint(0, 100) for _ in range(len(partners) - 1))
    bounds = [0, *cuts, 100]
    return {code: str(bounds[i + 1] - bounds[i]) for i, code in enumerate(partners)}


def execute(ledger: LedgerApplication, cmd: dict[str, Any]) -> str:
    """Runs one command; returns "ok" or the rule it was rejected under. Anything but a
    `LedgerError` propagates: a rejected command must be rejected cleanly."""
    try:
        ledger.execute(parse_command(cmd))
    except LedgerError as error:
        return f"rejected:{error.rule}:{error.code}"
    return "ok"


def build_world(ledger: LedgerApplication, world: World) -> Built:
    setup_world(ledger, world)
    built = Built()
    for op in world.ops:
        for cmd in op_command(ledger, world, built, op):
            if "approve_variation" in cmd:
                decision_id, variation_id = cmd["approve_variation"]
                pending = ledger.decision(POOL, decision_id).pending
                if pending is None or pending.variation_id != variation_id:
                    continue
                for code in [c for c in pending.required if c not in pending.approvals]:
                    built.outcomes.append(execute(ledger, approve_variation_cmd(
                        decision_id, variation_id, code, actor=bh(code))))
                continue
            outcome = execute(ledger, cmd)
            built.outcomes.append(outcome)
            if cmd["command"] == "RecordSpend" and outcome == "ok":
                built.invoices.append(cmd["invoice_ref"])
    return built


# -- reading -----------------------------------------------------------------------------------

def aggregate_ids(world: World, extra: tuple[str, ...] = ()) -> list[UUID]:
    return [pool_uuid(POOL), *(decision_uuid(POOL, p.decision_id) for p in world.decisions),
            *(decision_uuid(POOL, d) for d in extra)]


def state_of(aggregate: Any) -> dict[str, Any]:
    """An aggregate's whole state (id, version, times and domain attributes), as plain values."""
    return {k: copy.deepcopy(v) for k, v in vars(aggregate).items() if k != "_pending_events"}


def written(ledger: LedgerApplication) -> int:
    return ledger.recorder.max_notification_id() or 0


def event_name(event: Any) -> str:
    return str(type(event).TOPIC).rpartition(":")[2]
