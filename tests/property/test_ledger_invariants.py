"""Properties of the whole ledger over generated command sequences: rejected commands write nothing,
replaying a stream rebuilds its aggregate, and money is conserved (rules R4, R11, R14-R17, R19-R20,
R25, R26)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from random import Random
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import AggregateNotFoundError
from hypothesis import example, given
from hypothesis import strategies as st

from pooledbudget import LedgerError, parse_command, reports
from pooledbudget.aggregates import decision_uuid
from pooledbudget.application import LedgerApplication
from pooledbudget.money import exact
from tests.property.ledger_worlds import (
    DecisionPlan,
    ElementPlan,
    World,
    aggregate_ids,
    build_world,
    event_name,
    fresh_ledger,
    pounds,
    state_of,
    worlds,
    written,
)
from tests.unit.helpers import (
    POOL,
    YEAR,
    approve_cmd,
    auditor,
    bh,
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
    variation_cmd,
    vary_cmd,
)

Cmd = dict[str, Any]


# -- (a) a rejected command writes nothing -----------------------------------------------------

@dataclass
class Bad:
    """An invalid command, the commands that must run (successfully) before it, and its rule."""

    command: Cmd
    rule: str | None
    before: tuple[Cmd, ...] = ()


def _unapproved(world: World) -> Cmd:
    """DU: a valid decision left awaiting the approval of the first two partners."""
    a, b = world.partners[:2]
    return propose_cmd("DU", funding={a: "60", b: "40"}, actor=pm(world.host))


def _approved_with_spend(world: World) -> tuple[Cmd, ...]:
    """DX: an approved decision (1 May - 30 June, £100.00) with one spend INV-PRE of £1.00."""
    a, b = world.partners[:2]
    return (
        propose_cmd("DX", cost={"total": "100.00"}, funding={a: "50", b: "50"}, start="2026-05-01",
                    planned_end="2026-06-30", actor=pm(world.host)),
        approve_cmd("DX", a), approve_cmd("DX", b),
        spend_cmd("DX", "INV-PRE", "1.00", "2026-05-15", actor=pm(world.host)),
    )


def _remaining_pence(ledger: LedgerApplication, decision_id: str, element: str | None = None) -> int:
    d = ledger.decision(POOL, decision_id)
    remaining = d.elements[element].remaining if element else exact(d.cost) - d.spent
    return int(remaining * 100)  # floor of what is left, in pence


BAD_AMOUNTS: list[tuple[Any, str]] = [
    ("12.345", "R1"), (12.5, "R1"), ("NaN", "R1"), ("1e3", "R1"), ("Infinity", "R1"), (" 12.00", "R1"),
    ("1,000.00", "R1"), ("1000000000.01", "R1"), (12, "R1"), ("-5.00", "R2"), ("0.00", "R2"), ("0", "R2"),
]


def bad_command(ledger: LedgerApplication, world: World, kind: str, extra: int, pick: int) -> Bad:
    """Builds the invalid command of `kind` for the ledger as it stands after `world`."""
    host = pm(world.host)
    a, b = world.partners[:2]
    others = [c for c in world.partners if c != world.host]
    d0 = world.decisions[0]
    d0_start = ledger.decision(POOL, d0.decision_id).start.isoformat()
    du, dx = (_unapproved(world),), _approved_with_spend(world)
    if kind == "over_spend":
        amount = pounds(_remaining_pence(ledger, d0.decision_id) + extra)
        return Bad(spend_cmd(d0.decision_id, "INV-OVER", amount, d0_start, actor=host), "R14")
    if kind == "over_element":
        e = d0.elements[pick % len(d0.elements)].name
        amount = pounds(_remaining_pence(ledger, d0.decision_id, e) + extra)
        return Bad(spend_cmd(d0.decision_id, "INV-OVER", amount, d0_start, element=e, actor=host), "R14")
    if kind == "unapproved_spend":
        return Bad(spend_cmd("DU", "INV-U", "0.01", "2026-05-01", actor=host), "R13", du)
    if kind == "declined_spend":
        return Bad(spend_cmd("DU", "INV-U", "0.01", "2026-05-01", actor=host), "R13",
                   (*du, decline_cmd("DU", b)))
    if kind == "wrong_budget_holder":
        wrong = [bh(c) for c in world.partners if c != a] + [pm(a), pm(world.host), auditor(a)]
        return Bad(approve_cmd("DU", a, actor=wrong[pick % len(wrong)]), "R26", du)
    if kind == "non_host_writes":
        actors = [*(pm(c) for c in others), auditor(world.host), bh(world.host)]
        actor = actors[pick % len(actors)]
        commands = [spend_cmd(d0.decision_id, "INV-X", "0.01", d0_start, actor=actor),
                    reverse_cmd("INV-PRE", actor=actor), end_cmd("DX", "2026-05-20", actor=actor),
                    close_cmd(actor=actor), receive_cmd(a, "0.01", actor=actor),
                    propose_cmd("DN", funding={a: "100"}, actor=actor),
                    variation_cmd("DX", "VX", planned_end="2026-07-31", actor=actor)]
        return Bad(commands[extra % len(commands)], "R26", dx)
    if kind == "pledge_for_another_partner":
        return Bad(pledge_cmd(a, "5.00", year="2027-28", actor=bh(b)), "R26")
    if kind == "closed_year":
        commands = [spend_cmd("DX", "INV-C", "0.01", "2026-05-20", actor=host),
                    approve_cmd("DU", a), decline_cmd("DU", a),
                    vary_cmd(a, pounds(world.pledges[a] + 1)), receive_cmd(a, "0.01", actor=host),
                    propose_cmd("DN", funding={a: "100"}, actor=host),
                    end_cmd("DX", "2026-05-20", actor=host),
                    variation_cmd("DX", "VX", planned_end="2026-07-31", actor=host),
                    reverse_cmd("INV-PRE", actor=host), close_cmd(actor=host),
                    pledge_cmd(a, "1.00", year=YEAR)]
        return Bad(commands[extra % len(commands)], "R17", (*du, *dx, close_cmd(actor=host)))
    if kind == "bad_split_sum":
        delta = Decimal(extra % 9999 + 1) / 10_000 * (1 if pick % 2 else -1)
        split = {a: format(Decimal(50) + delta, "f"), b: "50"}
        return Bad(propose_cmd("DN", funding=split, actor=host), "R3")
    if kind == "bad_percentage":
        pct = ["33.33333", "101", "-1", "1e2", "fifty", 50][pick % 6]
        return Bad(propose_cmd("DN", funding={a: pct, b: "50"}, actor=host), "R3")
    if kind == "split_names_non_partner":
        return Bad(propose_cmd("DN", funding={a: "50", "PROB": "50"}, actor=host), "R3")
    if kind == "unknown_decision":
        commands = [(spend_cmd("NOPE", "INV-N", "1.00", actor=host), "R13"),
                    (approve_cmd("NOPE", a), "R10"), (decline_cmd("NOPE", a), "R10"),
                    (end_cmd("NOPE", "2026-05-01", actor=host), "R12"),
                    (variation_cmd("NOPE", "VN", planned_end="2026-07-31", actor=host), "R12")]
        command, rule = commands[pick % len(commands)]
        return Bad(command, rule)
    if kind == "bad_amount":
        value, rule = BAD_AMOUNTS[pick % len(BAD_AMOUNTS)]
        spend = spend_cmd(d0.decision_id, "INV-B", "1.00", d0_start, actor=host)
        return Bad({**spend, "amount": value}, rule)
    if kind == "reused_invoice":
        return Bad(spend_cmd("DX", "INV-PRE", "0.01", "2026-05-20", actor=host), "R13", dx)
    if kind == "reused_invoice_after_reversal":
        return Bad(spend_cmd("DX", "INV-PRE", "0.01", "2026-05-20", actor=host), "R13",
                   (*dx, reverse_cmd("INV-PRE", actor=host)))
    if kind == "reverse_unknown":
        return Bad(reverse_cmd("INV-NOPE", actor=host), "R16")
    if kind == "reverse_twice":
        return Bad(reverse_cmd("INV-PRE", actor=host), "R16", (*dx, reverse_cmd("INV-PRE", actor=host)))
    if kind == "command_id_conflict":
        code = world.partners[pick % len(world.partners)]
        cmd = {**pledge_cmd(code, pounds(world.pledges[code] + extra)), "command_id": f"pledge-{code}"}
        return Bad(cmd, "R25")
    if kind == "receipt_over_agreed":
        return Bad(receive_cmd(a, pounds(world.pledges[a] + extra), actor=host), "R7")
    if kind == "vary_below_received":
        # raise the agreed amount first, so £1.00 can be received even from a one-penny pledge
        return Bad(vary_cmd(a, "0.99"), "R6", (vary_cmd(a, pounds(world.pledges[a] + 100)),
                                               receive_cmd(a, "1.00", actor=host)))
    if kind == "pledge_twice":
        return Bad(pledge_cmd(a, "1.00"), "R6")
    if kind == "service_date_outside":
        when = ["2026-04-30", "2026-07-01", "2027-04-01"][pick % 3]
        return Bad(spend_cmd("DX", "INV-D", "0.01", when, actor=host), "R13", dx)
    if kind == "spend_after_end":
        return Bad(spend_cmd("DX", "INV-D", "0.01", "2026-05-21", actor=host), "R13",
                   (*dx, end_cmd("DX", "2026-05-20", actor=host)))
    if kind == "unknown_element":
        return Bad(spend_cmd("DX", "INV-E", "0.01", "2026-05-20", element="nope", actor=host), "R13", dx)
    if kind == "approve_twice":
        return Bad(approve_cmd("DU", a), "R10", (*du, approve_cmd("DU", a)))
    if kind == "approve_not_required":
        partner = world.partners[2] if len(world.partners) > 2 else "PROB"
        return Bad(approve_cmd("DU", partner), "R10", du)
    if kind == "end_outside_period":
        return Bad(end_cmd("DX", ["2026-07-01", "2026-04-30"][pick % 2], actor=host), "R12", dx)
    if kind == "end_before_recorded_service":
        return Bad(end_cmd("DX", "2026-05-14", actor=host), "R12", dx)
    if kind == "variation_on_unapproved":
        return Bad(variation_cmd("DU", "VU", planned_end="2026-07-31", actor=host), "R12", du)
    if kind == "variation_cost_below_spend":
        return Bad(variation_cmd("DX", "VX", cost={"total": "0.99"}, actor=host), "R14", dx)
    if kind == "establish_again":
        return Bad(establish_cmd(partners=tuple(world.partners), host=world.host), "R5")
    if kind == "propose_existing":
        return Bad(propose_cmd(d0.decision_id, funding={a: "100"}, actor=host), "R9")
    if kind == "period_outside_year":
        start, end = [("2026-03-31", "2026-05-01"), ("2026-05-01", "2027-04-01"),
                      ("2026-06-01", "2026-05-31")][pick % 3]
        return Bad(propose_cmd("DN", funding={a: "100"}, start=start, planned_end=end, actor=host), "R9")
    if kind == "bad_case_ref":
        ref = ["Jane Smith", "ab", "CASE_01", "X" * 33][pick % 4]
        return Bad(propose_cmd("DN", funding={a: "100"}, case_ref=ref, actor=host), "R9")
    raise AssertionError(kind)


BAD_KINDS = [
    "over_spend", "over_element", "unapproved_spend", "declined_spend", "wrong_budget_holder",
    "non_host_writes", "pledge_for_another_partner", "closed_year", "bad_split_sum", "bad_percentage",
    "split_names_non_partner", "unknown_decision", "bad_amount", "reused_invoice",
    "reused_invoice_after_reversal", "reverse_unknown", "reverse_twice", "command_id_conflict",
    "receipt_over_agreed", "vary_below_received", "pledge_twice", "service_date_outside", "spend_after_end",
    "unknown_element", "approve_twice", "approve_not_required", "end_outside_period",
    "end_before_recorded_service", "variation_on_unapproved", "variation_cost_below_spend",
    "establish_again", "propose_existing", "period_outside_year", "bad_case_ref",
]


def _open_year_world(world: World) -> World:
    """The world without its year-closing operations (closing is its own kind of invalid command)."""
    return World(world.partners, world.host, world.pledges, world.decisions,
                 [op for op in world.ops if op[0] != "close"])


def snapshot(ledger: LedgerApplication, ids: list[UUID]) -> tuple[int, dict[UUID, Any]]:
    """The last stored event's id and the full state (with version) of every aggregate that exists."""
    states: dict[UUID, Any] = {}
    for aggregate_id in ids:
        try:
            states[aggregate_id] = state_of(ledger.repository.get(aggregate_id))
        except AggregateNotFoundError:
            states[aggregate_id] = None
    return written(ledger), states


@given(worlds(), st.sampled_from(BAD_KINDS), st.integers(1, 1_000_000), st.integers(0, 100))
def test_a_rejected_command_leaves_the_event_store_unchanged(
    world: World, kind: str, extra: int, pick: int
) -> None:
    """Whatever state a valid pool has reached, a command that breaks a rule (over-spend, spend on an
    unapproved or declined decision, the wrong budget holder or a non-host actor, a closed year, a bad
    split, an unknown decision, element or invoice, a bad amount, a reused invoice or command id, ...)
    is rejected with a `LedgerError` naming that rule, and nothing is written: the event store's last
    notification id, and the version and whole state of every aggregate, are exactly as before."""
    world = _open_year_world(world)
    with fresh_ledger() as ledger:
        build_world(ledger, world)
        bad = bad_command(ledger, world, kind, extra, pick)
        for cmd in bad.before:
            run(ledger, cmd)
        ids = aggregate_ids(world, ("DU", "DX", "DN", "NOPE"))
        before = snapshot(ledger, ids)
        with pytest.raises(LedgerError) as info:
            ledger.execute(parse_command(bad.command))
        assert info.value.rule == bad.rule, (kind, info.value.as_dict())
        assert snapshot(ledger, ids) == before, kind


# -- (b) replay rebuilds the aggregate ---------------------------------------------------------

def capture_saves(ledger: LedgerApplication) -> dict[UUID, Any]:
    """Wraps `ledger.save` to keep a copy of every aggregate as the command left it in memory."""
    live: dict[UUID, Any] = {}
    save: Callable[..., Any] = ledger.save

    def saving(*aggregates: Any, **kwargs: Any) -> Any:
        result = save(*aggregates, **kwargs)
        for aggregate in aggregates:
            live[aggregate.id] = state_of(aggregate)
        return result

    ledger.save = saving  # type: ignore[method-assign]
    return live


@given(worlds(max_ops=20))
def test_replaying_an_aggregates_events_rebuilds_an_equal_aggregate(world: World) -> None:
    """For every aggregate a generated command sequence saved (pool, decisions, invoice references,
    command receipts), mutating its stored events from scratch, in order, rebuilds exactly the state
    the command handler left in memory (every attribute, version and timestamps included), and the
    repository returns that same state."""
    with fresh_ledger() as ledger:
        live = capture_saves(ledger)
        build_world(ledger, world)
        assert live
        for aggregate_id, state in live.items():
            rebuilt: Any = None
            for event in ledger.events.get(aggregate_id):
                rebuilt = event.mutate(rebuilt)
            assert state_of(rebuilt) == state, aggregate_id
            assert state_of(ledger.repository.get(aggregate_id)) == state, aggregate_id


# -- (c) conservation --------------------------------------------------------------------------

def _money(values: dict[str, str]) -> dict[str, Decimal]:
    return {code: Decimal(v) for code, v in values.items()}


# A variation that lowers the cost waits for approval; spend under the old terms is recorded meanwhile;
# the last approval then applies the lower cost (R12, R14).
LOWERED_WHILE_SPENDING = World(
    partners=["ASC", "CFS"], host="ASC", pledges={"ASC": 10_000_000, "CFS": 10_000_000},
    decisions=[DecisionPlan("D0", 0, 180, [ElementPlan("main", 100_000, {"ASC": "50", "CFS": "50"}, None)],
                            "approve")],
    ops=[("vary", 0, 50_000, True, None, False, Random(1)), ("spend", 0, 90_000, 10, None, 0),
         ("approve_pending", 0)],
)


@given(worlds(max_ops=20))
@example(LOWERED_WHILE_SPENDING)
def test_spend_is_conserved_to_the_penny(world: World) -> None:
    """Money is neither made nor lost. Per decision: net spend (recorded − reversed) ≤ the approved cost,
    and per element spent ≤ its cost (R14). Per spend: the funding and the responsibility allocations
    recorded on SpendRecorded are whole pence, name only partners and each sum exactly to the amount (R4);
    a reversal takes back exactly that allocation (R16). Per pool and year: Σ partners' net funded =
    Σ partners' net responsible = Σ net spend, to the penny, and the shares and cost-shift reports agree
    partner by partner, with Σ net cost shift = 0 (R19, R20). A live approved decision commits exactly its
    approved cost − its net spend (R11)."""
    with fresh_ledger() as ledger:
        build_world(ledger, world)
        pool = ledger.pool(POOL)
        zero = dict.fromkeys(world.partners, Decimal(0))
        funded, responsible = dict(zero), dict(zero)
        net_spend = Decimal(0)
        committed = Decimal(0)
        for plan in world.decisions:
            decision = ledger.decision(POOL, plan.decision_id)
            recorded: dict[str, Any] = {}
            decision_net = Decimal(0)
            for event in ledger.events.get(decision_uuid(POOL, plan.decision_id)):
                name = event_name(event)
                if name == "SpendRecorded":
                    amount = Decimal(event.amount)
                    f, r = _money(event.funding), _money(event.responsibility)
                    for alloc in (f, r):
                        assert set(alloc) <= set(world.partners)
                        assert sum(alloc.values()) == amount, (event.invoice_ref, alloc, amount)
                        assert all(v == v.quantize(Decimal("0.01")) and v >= 0 for v in alloc.values())
                    recorded[event.invoice_ref] = (amount, f, r)
                    sign = 1
                elif name == "SpendReversed":
                    amount, f, r = recorded[event.invoice_ref]
                    sign = -1
                else:
                    continue
                decision_net += sign * amount
                for code in world.partners:
                    funded[code] += sign * f.get(code, Decimal(0))
                    responsible[code] += sign * r.get(code, Decimal(0))
            assert Fraction(decision_net) == decision.spent
            # the decision's running total is the sum of its elements' spent
            assert decision.spent == sum((e.spent for e in decision.elements.values()), Fraction(0))
            assert Fraction(decision_net) <= exact(decision.cost), (
                plan.decision_id, decision_net, decision.cost)
            for element_name, element in decision.elements.items():
                assert 0 <= element.spent <= exact(element.cost), (plan.decision_id, element_name)
            net_spend += decision_net
            commitment = decision.commitment_by_partner(pool.partner_order, pool.is_closed(decision.year))
            assert all(v >= 0 for v in commitment.values())
            live = decision.status == "approved" and decision.actual_end is None and not pool.is_closed(YEAR)
            expected = exact(decision.cost) - decision.spent if live else Fraction(0)
            assert Fraction(sum(commitment.values(), Decimal(0))) == expected, plan.decision_id
            committed += sum(commitment.values(), Decimal(0))
        assert sum(funded.values()) == net_spend == sum(responsible.values())

        shares = reports.shares(ledger, POOL, YEAR)
        assert {p.partner: Decimal(p.spent) for p in shares.partners} == funded
        assert Decimal(shares.total.spent) == net_spend
        assert sum((Decimal(p.committed) for p in shares.partners), Decimal(0)) == Decimal(
            shares.total.committed) == committed
        shift = reports.cost_shift(ledger, POOL, YEAR)
        assert _money(shift.funded) == funded
        assert _money(shift.responsible) == responsible
        assert sum(_money(shift.net).values()) == 0
