"""Properties of paying for outcomes over generated outcomes contracts and command sequences
(DOMAIN R19, R32-R35): contingent exposure, outcome payments within their maximum, and the
shares identities with `contingent`.

The expected counts and payments are read from the stored events (OutcomeRecorded, and the
SpendReversed naming one), not from the aggregate or the read models they are compared with.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pooledbudget import LedgerError, parse_command, reports
from pooledbudget.aggregates import decision_uuid
from pooledbudget.application import LedgerApplication
from tests.property.ledger_worlds import CODES, day, event_name, fresh_ledger, pounds, splits
from tests.unit.helpers import (
    POOL,
    YEAR,
    approve_cmd,
    approve_variation_cmd,
    element,
    end_cmd,
    establish_cmd,
    pledge_cmd,
    pm,
    propose_cmd,
    reverse_cmd,
    run,
    spend_cmd,
    total,
    variation_cmd,
)
from tests.unit.outcome_helpers import outcome_cmd, outcome_element

LATE = datetime(2027, 3, 31, 12, 0, tzinfo=UTC)  # every op is recorded then: any day achieved


@dataclass
class Contract:
    decision_id: str
    start: int
    costs: list[tuple[int, dict[str, str]]]  # pence, funding
    outcomes: list[tuple[int, int, dict[str, str], dict[str, str] | None]]  # price, max, splits


@dataclass
class OutcomeWorld:
    partners: list[str]
    contracts: list[Contract]
    ops: list[tuple[Any, ...]]


@st.composite
def contracts(draw: st.DrawFn, partners: list[str], decision_id: str) -> Contract:
    costs = [(draw(st.integers(100, 200_000)), draw(splits(partners)))
             for _ in range(draw(st.integers(0, 2)))]
    outcomes = [(draw(st.integers(1, 300_000)), draw(st.integers(1, 6)), draw(splits(partners)),
                 draw(st.none() | splits(partners)))
                for _ in range(draw(st.integers(1, 3)))]
    return Contract(decision_id, draw(st.integers(0, 100)), costs, outcomes)


OPS = st.one_of(
    st.tuples(st.just("outcome"), st.integers(0, 1), st.integers(0, 2), st.integers(1, 4),
              st.integers(-5, 300)),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
    st.tuples(st.just("spend"), st.integers(0, 1), st.integers(1, 100_000)),
    st.tuples(st.just("vary"), st.integers(0, 1), st.integers(0, 2), st.integers(1, 8)),
    st.tuples(st.just("end"), st.integers(0, 1), st.integers(0, 364)),
)


@st.composite
def outcome_worlds(draw: st.DrawFn) -> OutcomeWorld:
    partners = draw(st.lists(st.sampled_from(CODES), min_size=2, max_size=4, unique=True))
    found = [draw(contracts(partners, f"OC{i}")) for i in range(draw(st.integers(1, 2)))]
    return OutcomeWorld(partners, found, draw(st.lists(OPS, max_size=16)))


def build(ledger: LedgerApplication, world: OutcomeWorld) -> None:
    """Establishes the pool, proposes and approves every contract, then runs the ops (recorded
    late in the year, so any achieved_on in it may be paid); rejected ops are fine."""
    host = world.partners[0]
    run(ledger, establish_cmd(partners=tuple(world.partners), host=host))
    for code in world.partners:
        run(ledger, pledge_cmd(code, "5000000.00"))
    for contract in world.contracts:
        elements = [element(f"cost{i}", total(pounds(pence)), funding)
                    for i, (pence, funding) in enumerate(contract.costs)]
        elements += [outcome_element(f"out{i}", pounds(price), most, funding, responsibility)
                     for i, (price, most, funding, responsibility) in enumerate(contract.outcomes)]
        run(ledger, propose_cmd(contract.decision_id, elements=elements, start=day(contract.start),
                                planned_end=day(364), actor=pm(host)))
        for code in ledger.decision(POOL, contract.decision_id).waiting_on:
            run(ledger, approve_cmd(contract.decision_id, code))
    paid: list[str] = []
    for i, op in enumerate(world.ops):
        at = (LATE + timedelta(seconds=i)).isoformat()
        for cmd in op_commands(ledger, world, op, paid, i, host):
            try:
                run(ledger, cmd | {"at": at}, use_command_time=True)
            except LedgerError:
                break
            if cmd["command"] == "RecordOutcome":
                paid.append(cmd["invoice_ref"])


def op_commands(ledger: LedgerApplication, world: OutcomeWorld, op: tuple[Any, ...],
                paid: list[str], i: int, host: str) -> list[dict[str, Any]]:
    kind = op[0]
    if kind == "reverse":
        return [reverse_cmd(paid[op[1] % len(paid)], actor=pm(host))] if paid else []
    contract = world.contracts[op[1] % len(world.contracts)]
    d = contract.decision_id
    if kind == "outcome":
        name = f"out{op[2] % len(contract.outcomes)}"
        return [outcome_cmd(d, name, f"OUT-{i}", f"EV-{i}", day(contract.start + op[4]),
                            count=op[3], actor=pm(host))]
    if kind == "spend":
        return [spend_cmd(d, f"INV-{i}", pounds(op[2]), day(contract.start), actor=pm(host))]
    if kind == "end":
        return [end_cmd(d, day(max(contract.start, op[2])), actor=pm(host))]
    name = f"out{op[2] % len(contract.outcomes)}"
    elements = [{"name": n} for n in ledger.decision(POOL, d).elements]
    elements = [e | {"outcome": {"max_count": op[3]}} if e["name"] == name else e
                for e in elements]
    proposal = variation_cmd(d, f"V{i}", elements=elements, actor=pm(host))
    decision = ledger.decision(POOL, d)
    # Who must approve is decided when it is proposed; approvals follow in the same op.
    return [proposal, *(approve_variation_cmd(d, f"V{i}", code)
                        for code in _rising(decision, name, op[3], world.partners))]


def _rising(decision: Any, name: str, new_max: int, partners: list[str]) -> list[str]:
    """Partners whose money rises when `name`'s max_count becomes `new_max` (R12)."""
    current = decision.elements.get(name)
    if current is None or current.outcome is None or new_max <= current.outcome.max_count:
        return []
    return [code for code in partners if current.funding.latest.get(code, Decimal(0)) > 0]


def paid_from_events(ledger: LedgerApplication, decision_id: str) -> dict[str, tuple[int, Decimal]]:
    """Net (count, amount) of outcome payments by element, from the decision's stored events."""
    recorded: dict[str, tuple[str, int, Decimal]] = {}
    net: dict[str, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for event in ledger.events.get(decision_uuid(POOL, decision_id)):
        name = event_name(event)
        if name == "OutcomeRecorded":
            recorded[event.invoice_ref] = (event.element, event.count, Decimal(event.amount))
            sign, key = 1, event.invoice_ref
        elif name == "SpendReversed" and event.invoice_ref in recorded:
            sign, key = -1, event.invoice_ref
        else:
            continue
        element_name, count, amount = recorded[key]
        n, a = net[element_name]
        net[element_name] = (n + sign * count, a + sign * amount)
    return net


@given(outcome_worlds())
def test_contingent_is_the_remaining_exposure_and_payments_stay_within_the_maximum(
        world: OutcomeWorld) -> None:
    """For every outcome element, net outcome payments (from the events) are price x the net
    count and never exceed price x max_count (R33, R14). Σ partners' contingent in the shares
    report = Σ over live approved decisions' outcome elements of price x (max_count - net count
    paid) (R34); the outcomes report shows the same counts and exposure (R35)."""
    with fresh_ledger() as ledger:
        build(ledger, world)
        exposure = Decimal(0)
        lines = {(o.decision_id, o.element): o for o in reports.outcomes(ledger, POOL, YEAR).outcomes}
        for contract in world.contracts:
            decision = ledger.decision(POOL, contract.decision_id)
            net = paid_from_events(ledger, contract.decision_id)
            live = decision.actual_end is None
            for name, state in decision.elements.items():
                if state.outcome is None:
                    assert name not in net
                    continue
                count, amount = net.get(name, (0, Decimal(0)))
                price = state.outcome.price.decimal
                assert amount == price * count
                assert 0 <= count <= state.outcome.max_count
                assert amount <= price * state.outcome.max_count
                remaining = price * (state.outcome.max_count - count)
                exposure += remaining if live else 0
                line = lines[(contract.decision_id, name)]
                assert (line.count_paid, Decimal(line.paid)) == (count, amount)
                assert Decimal(line.remaining) == (remaining if live else 0)
        shares = reports.shares(ledger, POOL, YEAR)
        assert sum(Decimal(p.contingent) for p in shares.partners) == exposure
        assert Decimal(shares.total.contingent) == exposure


@given(outcome_worlds())
def test_shares_identities_hold_with_contingent(world: OutcomeWorld) -> None:
    """R19 with R34: per partner, available = agreed - spent - committed - contingent and
    forecast = spent + committed (contingent never in it); Σ partners = the pool total for every
    figure, to the penny; the outcomes report's Σ funded = Σ responsible = Σ net outcome
    payments (R35)."""
    with fresh_ledger() as ledger:
        build(ledger, world)
        shares = reports.shares(ledger, POOL, YEAR)
        for p in shares.partners:
            f = {k: Decimal(v) for k, v in p.model_dump().items() if k not in (
                "partner", "contribution_share", "spend_share")}
            assert f["available"] == f["agreed"] - f["spent"] - f["committed"] - f["contingent"]
            assert f["forecast"] == f["spent"] + f["committed"]
            assert f["contingent"] >= 0
        for figure, value in shares.total.model_dump().items():
            assert sum(Decimal(getattr(p, figure)) for p in shares.partners) == Decimal(value)
        outcomes = reports.outcomes(ledger, POOL, YEAR)
        paid = sum((a for c in world.contracts
                    for _, a in paid_from_events(ledger, c.decision_id).values()), Decimal(0))
        assert sum(Decimal(p.funded) for p in outcomes.partners) == paid
        assert sum(Decimal(p.responsible) for p in outcomes.partners) == paid


def test_a_known_world_exercises_every_op() -> None:
    """The builder itself: a fixed world pays, reverses, varies and ends, so the properties
    above are not checked only against worlds where every op was rejected."""
    world = OutcomeWorld(
        ["ASC", "CFS"],
        [Contract("OC0", 0, [(100_000, {"ASC": "100"})],
                  [(10_000, 3, {"ASC": "50", "CFS": "50"}, {"CFS": "100"})])],
        [("outcome", 0, 0, 2, 10), ("reverse", 0), ("outcome", 0, 0, 3, 20),
         ("vary", 0, 0, 5), ("outcome", 0, 0, 2, 30), ("spend", 0, 500), ("end", 0, 200)])
    with fresh_ledger() as ledger:
        build(ledger, world)
        decision = ledger.decision(POOL, "OC0")
        assert decision.elements["out0"].count_paid == 5
        assert decision.elements["out0"].outcome.max_count == 5  # type: ignore[union-attr]
        assert decision.actual_end is not None
        assert paid_from_events(ledger, "OC0") == {"out0": (5, Decimal("500.00"))}
        assert parse_command(outcome_cmd("OC0", "out0", "X", "Y")).kind == "RecordOutcome"
