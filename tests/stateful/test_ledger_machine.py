"""A rule-based state machine driving the ledger with valid and invalid commands against an independent
reference model (`reference_model.py`), checking after every step that the two agree."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from backends import ledger_url
from pooledbudget import LedgerError, open_ledger, parse_command, reports
from pooledbudget.aggregates import decision_uuid
from pooledbudget.application import LedgerApplication
from pooledbudget.money import Money, exact
from tests.stateful.reference_model import YEAR, YEAR_END, YEAR_START, Cmd, Outcome, ReferenceLedger

POOL = "SM"
CODES = ("ASC", "CFS", "ICB", "SMS")
PENNY = Decimal("0.01")
ROLES = ("pool_manager", "budget_holder", "auditor")

# Who issues a command: mostly the right actor, sometimes someone else (R26), an impostor with the
# right partner and role but no entry in the register (R27), or the second officer of that role
# (another pool manager; a budget holder with a limit, if registered).
actor_choices = st.sampled_from(["right"] * 14 + ["other_partner", "other_role", "auditor", "impostor",
                                                  "second", "second"])
# How a command is identified (R25): usually not at all, or a fresh id, or the id of a failed command.
id_choices = st.sampled_from([None, None, None, "fresh", "failed"])
pence = st.one_of(st.integers(1, 100), st.integers(1, 300_000))
per_mille = st.integers(0, 1000)


def pounds(p: int) -> str:
    return str((Decimal(p) / 100).quantize(PENNY))


@st.composite
def splits(draw: st.DrawFn, partners: list[str]) -> dict[str, str]:
    """≤ 4 dp percentages over some partners summing to exactly 100; coarse steps make R4 ties."""
    codes = draw(st.lists(st.sampled_from(partners), min_size=1, max_size=len(partners), unique=True))
    step = draw(st.sampled_from([1, 100, 10_000, 250_000]))
    slots = 1_000_000 // step
    cuts = sorted(draw(st.lists(st.integers(0, slots), min_size=len(codes) - 1, max_size=len(codes) - 1)))
    bounds = [0, *cuts, slots]
    return {c: format(Decimal(step * (bounds[i + 1] - bounds[i])) / 10_000, "f") for i, c in enumerate(codes)}


def between(first: date, last: date, mille: int) -> date:
    return first + (last - first) * mille // 1000


def flags(weight_true: int, weight_false: int) -> st.SearchStrategy[bool]:
    return st.sampled_from([False] * weight_false + [True] * weight_true)  # False is the simplest


# What each kind of command draws; `data` is passed through for rules that draw splits.
ARGUMENTS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "record_spend": dict(pick=st.integers(0, 100), amount=pence,
                         how_much=st.sampled_from(["any"] * 6 + ["rest", "over"]), when=per_mille,
                         outside=flags(1, 8), element=st.none() | st.integers(0, 3), reuse=flags(1, 9),
                         who=actor_choices, cid=id_choices),
    "answer_decision": dict(pick=st.integers(0, 100), partner_pick=st.integers(0, 3), decline=flags(1, 9),
                            who=actor_choices, cid=id_choices),
    "propose_decision": dict(n_elements=st.sampled_from([1, 1, 2, 3]),
                             costs=st.lists(pence, min_size=3, max_size=3), start=per_mille,
                             length=per_mille, bad_period=st.sampled_from([None] * 9 + ["before", "after"]),
                             reuse_id=flags(1, 9), who=actor_choices, cid=id_choices),
    "answer_variation": dict(pick=st.integers(0, 100), partner_pick=st.integers(0, 3), decline=flags(1, 4),
                             stale=flags(1, 9), who=actor_choices, cid=id_choices),
    "propose_variation": dict(pick=st.integers(0, 100), cost=st.none() | pence, change_funding=st.booleans(),
                              change_responsibility=flags(1, 2), effective=st.none() | per_mille,
                              planned_end=st.none() | per_mille, who=actor_choices, cid=id_choices),
    "reverse_spend": dict(pick=st.integers(0, 100), who=actor_choices, cid=id_choices),
    "record_outcome": dict(pick=st.integers(0, 100), element=st.integers(0, 9),
                           count=st.sampled_from([1, 1, 1, 2, 3, "rest", "over"]), when=per_mille,
                           outside=st.sampled_from([None] * 8 + ["before", "after_end", "next_year"]),
                           evidence=st.sampled_from(["fresh"] * 6 + ["reuse", "respell"]),
                           reuse=flags(1, 9), who=actor_choices, cid=id_choices),
    "end_decision": dict(pick=st.integers(0, 100), when=per_mille, outside=flags(1, 6), who=actor_choices,
                         cid=id_choices),
    "contribution": dict(partner_pick=st.integers(0, 2), amount=pence,
                         how_much=st.sampled_from(["any", "rest", "over"]), vary=st.booleans(),
                         who=actor_choices, cid=id_choices),
    "resend": dict(pick=st.integers(0, 100),
                   change=st.sampled_from(["none", "format", "at", "actor", "reason"])),
    "close_year": dict(really=flags(1, 3), who=actor_choices, cid=id_choices),
    "register_limited": dict(partner_pick=st.integers(0, 3), limit=pence, who=actor_choices,
                             cid=id_choices),
    "revoke_limited": dict(partner_pick=st.integers(0, 3), who=actor_choices, cid=id_choices),
}
# Spend and approvals most often; closing the year (after which most commands fail R17) rarely.
KINDS = (["record_spend"] * 6 + ["record_outcome"] * 4 + ["answer_decision"] * 5
         + ["propose_decision"] * 3 + ["answer_variation"] * 3 + ["propose_variation"] * 3
         + ["reverse_spend"] * 2 + ["end_decision"] * 2 + ["contribution"] * 2 + ["resend"] * 2
         + ["close_year"] + ["register_limited"] * 2 + ["revoke_limited"])
NEEDS_APPROVED = {"record_spend", "record_outcome", "propose_variation", "end_decision"}
NEEDS_DECISION = {"record_spend", "record_outcome", "answer_decision", "answer_variation",
                  "propose_variation", "end_decision"}


class Clock:
    """The year's last day, so that an outcome achieved on any day of the year may be paid (R33:
    not after the day it is recorded); nothing else the machine does depends on the clock."""

    def __init__(self) -> None:
        self.now = datetime(2027, 3, 31, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class LedgerMachine(RuleBasedStateMachine):
    """Commands go to the ledger (`ledger.execute(parse_command(dict))`) and to the reference model;
    the two must agree on accepted vs rejected and the rule named, and a rejected command writes
    nothing. Invariants compare per-decision status, cost and spend, per-partner spend allocations
    (funding and responsibility, from the stored events) and the shares report's spent/committed."""

    def __init__(self) -> None:
        super().__init__()
        self.ledger: LedgerApplication = open_ledger(ledger_url(), clock=Clock())
        self.model: ReferenceLedger | None = None
        self.ids = itertools.count()
        self.failed_ids: list[str] = []
        self.accepted: list[Cmd] = []  # commands that succeeded with a command_id
        self.paid_evidence: set[str] = set()  # evidence references sent on accepted outcomes

    def teardown(self) -> None:
        self.ledger.close()

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def m(self) -> ReferenceLedger:
        assert self.model is not None
        return self.model

    def actor(self, role: str, partner: str, choice: str) -> dict[str, str]:
        """The right actor for a command, or (R26) one of another partner, another role, an auditor."""
        if choice == "other_partner":
            partner = next(c for c in self.m.order if c != partner)
        elif choice == "other_role":
            role = "budget_holder" if role == "pool_manager" else "pool_manager"
        elif choice == "auditor":
            role = "auditor"
        elif choice == "impostor":
            return {"id": f"imp-{partner.lower()}", "partner": partner, "role": role}
        elif choice == "second":
            prefix = "pm2" if role == "pool_manager" else "lim"
            return {"id": f"{prefix}-{partner.lower()}", "partner": partner, "role": role}
        return {"id": f"{role[:3]}-{partner.lower()}", "partner": partner, "role": role}

    def manager(self, choice: str) -> dict[str, str]:
        return self.actor("pool_manager", self.m.host, choice)

    def with_id(self, cmd: Cmd, id_choice: str | None) -> Cmd:
        if id_choice == "failed" and self.failed_ids:
            cmd["command_id"] = self.failed_ids.pop(0)
        elif id_choice is not None:
            cmd["command_id"] = f"cmd-{next(self.ids)}"
        return cmd

    def written(self) -> int:
        return self.ledger.recorder.max_notification_id() or 0

    def step(self, cmd: Cmd) -> None:
        """Runs `cmd` on both and checks they agree; a rejection must write nothing."""
        expected: Outcome = self.m.expect(cmd)
        before = self.written()
        try:
            result = self.ledger.execute(parse_command(cmd))
        except LedgerError as error:
            assert self.written() == before, f"a rejected command wrote events: {cmd}"
            assert not expected.accepted and error.rule == expected.rule, (
                f"model expected {expected.rule or expected.events}, ledger rejected {error.as_dict()} "
                f"for {cmd}")
            if cmd.get("command_id") and expected.rule != "R25":
                self.failed_ids.append(cmd["command_id"])
            return
        assert expected.accepted, f"model expected rejection under {expected.rule}, ledger accepted {cmd}"
        assert result.events == expected.events, (result.events, expected.events, cmd)
        assert result.duplicate == expected.duplicate, cmd
        if expected.duplicate:
            assert self.written() == before, "a duplicate command wrote events (R25)"
        expected.commit()
        if cmd.get("command_id") and not expected.duplicate:
            self.accepted.append(cmd)

    def decision_id(self, pick: int, status: str | None = None) -> str:
        """Mostly a decision in `status` (if any), else any decision, sometimes an unknown one."""
        ids = sorted(self.m.decisions)
        preferred = [i for i in ids if self.m.decisions[i].status == status]
        if preferred and pick < 70:
            return preferred[pick % len(preferred)]
        return ids[pick % len(ids)] if ids and pick < 93 else "NOPE"

    # -- set-up ------------------------------------------------------------------------------

    @initialize(partners=st.lists(st.sampled_from(CODES), min_size=2, max_size=3, unique=True),
                host_pick=st.integers(0, 2), pledges=st.lists(st.integers(10_000, 10_000_000), min_size=3,
                                                              max_size=3), registered=st.booleans())
    def establish(self, partners: list[str], host_pick: int, pledges: list[int], registered: bool) -> None:
        """A pool with or without a signatory register: the host's two pool managers and an
        unlimited budget holder per partner (R27); limited holders are registered later."""
        host = partners[host_pick % len(partners)]
        amounts = {code: pounds(p) for code, p in zip(partners, pledges, strict=False)}
        manager = {"id": f"poo-{host.lower()}", "partner": host, "role": "pool_manager"}
        register = {manager["id"]: (host, "pool_manager", None),
                    f"pm2-{host.lower()}": (host, "pool_manager", None),
                    **{f"bud-{c.lower()}": (c, "budget_holder", None) for c in partners}}
        establish: Cmd = {
            "command": "EstablishPool", "actor": manager, "pool_id": POOL, "name": "Machine pool",
            "host": host, "first_year": YEAR,
            "partners": [{"code": c, "name": f"Partner {c}"} for c in partners]}
        if registered:
            establish["signatories"] = [{"id": i, "partner": p, "role": r}
                                        for i, (p, r, _) in register.items()]
        self.ledger.execute(parse_command(establish))
        for code, amount in amounts.items():
            self.ledger.execute(parse_command({
                "command": "PledgeContribution",
                "actor": {"id": f"bud-{code.lower()}", "partner": code, "role": "budget_holder"},
                "pool_id": POOL, "partner": code, "year": YEAR, "amount": amount}))
        self.model = ReferenceLedger(partners, host, {c: Decimal(a) for c, a in amounts.items()},
                                     register if registered else None)

    @rule(kind=st.sampled_from(KINDS), data=st.data())
    def command(self, kind: str, data: st.DataObject) -> None:
        """One command of the given kind, valid or not, through both the ledger and the model."""
        statuses = {d.status for d in self.m.decisions.values()}
        if kind in NEEDS_APPROVED and "approved" not in statuses:
            kind = "answer_decision"
        if kind == "answer_decision" and "proposed" not in statuses:
            kind = "propose_decision"
        if kind in NEEDS_DECISION and not self.m.decisions:
            kind = "propose_decision"
        if kind == "reverse_spend" and not self.m.spends:
            kind = "record_spend"
        if kind == "resend" and not self.accepted:
            kind = "contribution"
        arguments = {name: data.draw(strategy, label=name) for name, strategy in ARGUMENTS[kind].items()}
        if kind in ("propose_decision", "propose_variation"):
            arguments["data"] = data
        getattr(self, kind)(**arguments)

    # -- decisions ---------------------------------------------------------------------------

    def propose_decision(self, data: st.DataObject, n_elements: int, costs: list[int], start: int,
                         length: int, bad_period: str | None, reuse_id: bool, who: str,
                         cid: str | None) -> None:
        first = between(YEAR_START, YEAR_END, start // 2)
        last = between(first, YEAR_END, length)
        if bad_period == "before":
            first = YEAR_START - timedelta(days=1)
        elif bad_period == "after":
            last = YEAR_END + timedelta(days=1)
        cmd: Cmd = {"command": "ProposeDecision", "actor": self.manager(who), "pool_id": POOL,
                    "decision_id": f"D{max(0, len(self.m.decisions) - reuse_id)}", "year": YEAR,
                    "case_ref": "CASE-0001", "category": "residential-rehab", "start": first.isoformat(),
                    "planned_end": last.isoformat()}
        elements = []
        for i in range(n_elements):
            e: dict[str, Any] = {"name": ["main", "adult", "child"][i] if n_elements > 1 else "main",
                                 "cost": {"total": pounds(costs[i])},
                                 "funding": data.draw(splits(self.m.order))}
            if data.draw(st.booleans()):
                e["responsibility"] = data.draw(splits(self.m.order))
            elements.append(e)
        outcomes = data.draw(st.sampled_from([None, None, "add", "only"]), label="outcomes")
        if outcomes is not None:  # R32: an outcome element, beside cost elements or alone
            result: dict[str, Any] = {
                "name": "result", "funding": data.draw(splits(self.m.order)),
                "outcome": {"measure": "Completed treatment", "max_count": data.draw(st.integers(1, 5)),
                            "price": pounds(max(1, costs[2] // 5))}}
            if data.draw(st.booleans()):
                result["responsibility"] = data.draw(splits(self.m.order))
            elements = [*elements, result] if outcomes == "add" else [result]
            cmd["elements"] = elements
        elif n_elements == 1 and data.draw(st.booleans()):
            cmd.update({k: v for k, v in elements[0].items() if k != "name"})
        else:
            cmd["elements"] = elements
        self.step(self.with_id(cmd, cid))

    def answer_decision(self, pick: int, partner_pick: int, decline: bool, who: str,
                        cid: str | None) -> None:
        decision_id = self.decision_id(pick, "proposed")
        decision = self.m.decisions.get(decision_id)
        waiting = [c for c in decision.required if c not in decision.approvals] if decision else []
        partner = (waiting[partner_pick % len(waiting)] if waiting and partner_pick < 3
                   else self.m.order[partner_pick % len(self.m.order)])
        cmd: Cmd = {"command": "DeclineDecision" if decline else "ApproveDecision",
                    "actor": self.actor("budget_holder", partner, who), "pool_id": POOL,
                    "decision_id": decision_id, "partner": partner}
        if decline:
            cmd["reason"] = "Not eligible"
        self.step(self.with_id(cmd, cid))

    def propose_variation(self, data: st.DataObject, pick: int, cost: int | None, change_funding: bool,
                          change_responsibility: bool, effective: int | None, planned_end: int | None,
                          who: str, cid: str | None) -> None:
        decision_id = self.decision_id(pick, "approved")
        decision = self.m.decisions.get(decision_id)
        cmd: Cmd = {"command": "ProposeVariation", "actor": self.manager(who), "pool_id": POOL,
                    "decision_id": decision_id, "variation_id": f"V{next(self.ids)}", "reason": "Review"}
        if effective is not None:
            cmd["effective_from"] = between(YEAR_START, YEAR_END, effective).isoformat()
        if planned_end is not None:
            start = decision.start if decision else YEAR_START
            cmd["planned_end"] = between(start, YEAR_END, planned_end).isoformat()
        names = list(decision.elements) if decision else ["main"]
        items = []
        for i, name in enumerate(names):
            item: dict[str, Any] = {"name": name}
            outcome = decision is not None and decision.elements[name].price is not None
            if cost is not None and outcome:  # R32: only max_count varies (a cost now and then)
                item["outcome"] = {"max_count": 1 + cost % 6}
                if cost % 11 == 0:
                    item = {"name": name, "cost": {"total": pounds(cost)}}
            elif cost is not None:
                item["cost"] = {"total": pounds(max(1, cost * (i + 1) // len(names)))}
            if decision and change_funding and data.draw(st.booleans()):
                split = data.draw(splits(self.m.order))
                if {c: Decimal(v) for c, v in split.items()} != decision.elements[name].funding[-1][1]:
                    item["funding"] = split  # only a new split: restating the same one is not a change
            if decision and change_responsibility:
                split = data.draw(splits(self.m.order))
                if {c: Decimal(v) for c, v in split.items()} != decision.elements[name].responsibility[-1][1]:
                    item["responsibility"] = split
            items.append(item)
        changes = any(len(item) > 1 for item in items)
        # The one-element form varies cost, funding and responsibility only; an outcome
        # element's max_count is varied through the element list.
        if len(items) == 1 and changes and "outcome" not in items[0] and data.draw(st.booleans()):
            cmd.update({k: v for k, v in items[0].items() if k != "name"})
        elif changes or "planned_end" not in cmd:
            cmd["elements"] = items
        self.step(self.with_id(cmd, cid))

    def answer_variation(self, pick: int, partner_pick: int, decline: bool, stale: bool, who: str,
                         cid: str | None) -> None:
        with_pending = [i for i, d in sorted(self.m.decisions.items()) if d.pending is not None]
        decision_id = (with_pending[pick % len(with_pending)] if with_pending and pick < 80
                       else self.decision_id(pick))
        decision = self.m.decisions.get(decision_id)
        pending = decision.pending if decision else None
        waiting = [c for c in pending.required if c not in pending.approvals] if pending else []
        partner = (waiting[0] if waiting and partner_pick < 3
                   else self.m.order[partner_pick % len(self.m.order)])
        variation_id = pending.variation_id if pending and not stale else "V-UNKNOWN"
        cmd: Cmd = {"command": "DeclineVariation" if decline else "ApproveVariation",
                    "actor": self.actor("budget_holder", partner, who), "pool_id": POOL,
                    "decision_id": decision_id, "variation_id": variation_id, "partner": partner}
        if decline:
            cmd["reason"] = "Too costly"
        self.step(self.with_id(cmd, cid))

    def end_decision(self, pick: int, when: int, outside: bool, who: str, cid: str | None) -> None:
        decision_id = self.decision_id(pick, "approved")
        decision = self.m.decisions.get(decision_id)
        first, last = (decision.start, decision.planned_end) if decision else (YEAR_START, YEAR_END)
        ended = last + timedelta(days=1) if outside else between(first, last, when)
        cmd: Cmd = {"command": "EndDecision", "actor": self.manager(who), "pool_id": POOL,
                    "decision_id": decision_id, "ended_on": ended.isoformat(), "reason": "Left early"}
        self.step(self.with_id(cmd, cid))

    # -- spend -------------------------------------------------------------------------------

    def record_spend(self, pick: int, amount: int, how_much: str, when: int, outside: bool,
                     element: int | None, reuse: bool, who: str, cid: str | None) -> None:
        decision_id = self.decision_id(pick, "approved")
        decision = self.m.decisions.get(decision_id)
        if decision and how_much != "any":
            rest = Fraction(decision.cost) - decision.spent
            amount = max(1, int(rest * 100) + (1 if how_much == "over" else 0))
        first, last = (decision.start, decision.end) if decision else (YEAR_START, YEAR_END)
        service = last + timedelta(days=1) if outside else between(first, last, when)
        invoice = (sorted(self.m.spends)[amount % len(self.m.spends)] if reuse and self.m.spends
                   else f"INV-{next(self.ids)}")
        cmd: Cmd = {"command": "RecordSpend", "actor": self.manager(who), "pool_id": POOL,
                    "decision_id": decision_id, "invoice_ref": invoice, "amount": pounds(amount),
                    "service_date": service.isoformat()}
        if element is not None:
            names = list(decision.elements) if decision else ["main"]
            cmd["element"] = names[element] if element < len(names) else "no-such-element"
        self.step(self.with_id(cmd, cid))

    def record_outcome(self, pick: int, element: int, count: int | str, when: int,
                       outside: str | None, evidence: str, reuse: bool, who: str,
                       cid: str | None) -> None:
        """R33: mostly an outcome element of an approved decision, on fresh evidence, achieved
        inside its bounds; sometimes a cost element, reused (or respelt) evidence, a count
        beyond the maximum, a day out of bounds, a reused invoice."""
        decision_id = self.decision_id(pick, "approved")
        decision = self.m.decisions.get(decision_id)
        names = list(decision.elements) if decision else ["result"]
        outcome_names = [n for n in names if decision and decision.elements[n].price is not None]
        name = (outcome_names[0] if outcome_names and element < 7
                else (names + ["no-such-element"])[element % (len(names) + 1)])
        state = decision.elements.get(name) if decision else None
        if isinstance(count, str):
            left = state.max_count - state.count_paid if state and state.price is not None else 1
            count = max(1, left + (1 if count == "over" else 0))
        first, last = (decision.start, decision.actual_end or YEAR_END) if decision else (
            YEAR_START, YEAR_END)
        achieved = {None: between(first, last, when), "before": first - timedelta(days=1),
                    "after_end": last + timedelta(days=1),
                    "next_year": YEAR_END + timedelta(days=1)}[outside]
        used = sorted(self.paid_evidence)
        ref = f"EV-{next(self.ids):03d}"
        if evidence != "fresh" and used:
            ref = used[when % len(used)]
            if evidence == "respell":
                ref = ref.lower().replace("-", "_").replace("ev_", "ev-0")
        invoice = (sorted(self.m.spends)[when % len(self.m.spends)] if reuse and self.m.spends
                   else f"OUT-{next(self.ids)}")
        cmd: Cmd = {"command": "RecordOutcome", "actor": self.manager(who), "pool_id": POOL,
                    "decision_id": decision_id, "element": name, "invoice_ref": invoice,
                    "evidence_ref": ref, "achieved_on": achieved.isoformat(), "count": count}
        self.step(self.with_id(cmd, cid))
        if self.m.spends.get(invoice) is not None and cmd["evidence_ref"] not in used:
            self.paid_evidence.add(cmd["evidence_ref"])

    def reverse_spend(self, pick: int, who: str, cid: str | None) -> None:
        invoices = sorted(self.m.spends)
        invoice = invoices[pick % len(invoices)] if invoices and pick < 90 else "INV-UNKNOWN"
        cmd: Cmd = {"command": "ReverseSpend", "actor": self.manager(who), "pool_id": POOL,
                    "invoice_ref": invoice, "reason": "Keyed in error"}
        self.step(self.with_id(cmd, cid))

    # -- contributions and the year ----------------------------------------------------------

    def contribution(self, partner_pick: int, amount: int, how_much: str, vary: bool, who: str,
                     cid: str | None) -> None:
        partner = self.m.order[partner_pick % len(self.m.order)]
        if vary:
            received = int(self.m.received[partner] * 100)
            value = {"any": received + amount, "rest": max(1, received), "over": received - 1}[how_much]
            cmd: Cmd = {"command": "VaryContribution", "actor": self.actor("budget_holder", partner, who),
                        "pool_id": POOL, "partner": partner, "year": YEAR, "amount": pounds(max(1, value)),
                        "reason": "In-year change"}
        else:
            room = int((self.m.agreed[partner] - self.m.received[partner]) * 100)
            value = {"any": amount, "rest": max(1, room), "over": room + 1}[how_much]
            cmd = {"command": "ReceiveContribution", "actor": self.manager(who), "pool_id": POOL,
                   "partner": partner, "year": YEAR, "amount": pounds(value), "received_on": "2026-06-01",
                   "reference": f"R-{next(self.ids)}"}
        self.step(self.with_id(cmd, cid))

    def close_year(self, really: bool, who: str, cid: str | None) -> None:
        if really:
                self.step(self.with_id({"command": "CloseYear", "actor": self.manager(who), "pool_id": POOL,
                                    "year": YEAR}, cid))

    # -- the signatory register (R27-R29, R31) ----------------------------------------------

    def register_limited(self, partner_pick: int, limit: int, who: str, cid: str | None) -> None:
        """A second budget holder of a partner, with a limit, registered by its unlimited one."""
        partner = self.m.order[partner_pick % len(self.m.order)]
        cmd: Cmd = {"command": "RegisterSignatory", "actor": self.actor("budget_holder", partner, who),
                    "pool_id": POOL, "signatory": {"id": f"lim-{partner.lower()}", "partner": partner,
                                                   "role": "budget_holder", "limit": pounds(limit)}}
        self.step(self.with_id(cmd, cid))

    def revoke_limited(self, partner_pick: int, who: str, cid: str | None) -> None:
        partner = self.m.order[partner_pick % len(self.m.order)]
        cmd: Cmd = {"command": "RevokeSignatory", "actor": self.actor("budget_holder", partner, who),
                    "pool_id": POOL, "signatory_id": f"lim-{partner.lower()}", "reason": "Moved on"}
        self.step(self.with_id(cmd, cid))

    # -- idempotency (R25) -------------------------------------------------------------------

    def resend(self, pick: int, change: str) -> None:
        """The same command_id again: the same content (numbers reformatted, another `at`) is a
        duplicate that changes nothing; different content is rejected under R25."""
        cmd = dict(self.accepted[pick % len(self.accepted)])
        if change == "format" and "amount" in cmd:
            cmd["amount"] = str(Decimal(cmd["amount"]).normalize())
        elif change == "at":
            cmd["at"] = "2030-01-01T00:00:00"
        elif change == "actor":
            cmd["actor"] = {**cmd["actor"], "id": "someone-else"}
        elif change == "reason" and "reason" in cmd:
            cmd["reason"] = "Another reason"
        elif change == "reason":
            cmd["actor"] = {**cmd["actor"], "id": "someone-else"}
        self.step(cmd)

    # -- agreement ---------------------------------------------------------------------------

    @invariant()
    def decisions_agree(self) -> None:
        """Per decision: status, approvals, period, pending variation, and cost and spend per element."""
        if self.model is None:
            return
        for decision_id, want in self.m.decisions.items():
            got = self.ledger.decision(POOL, decision_id)
            assert got.status == want.status, decision_id
            assert got.approvals == want.approvals, decision_id
            assert (got.planned_end, got.actual_end) == (want.planned_end, want.actual_end), decision_id
            assert (got.pending and got.pending.variation_id) == (want.pending and want.pending.variation_id)
            assert list(got.elements) == list(want.elements), decision_id
            for name, element in want.elements.items():
                assert got.elements[name].cost == Money.of(element.cost), (decision_id, name)
                assert got.elements[name].spent == element.spent, (decision_id, name)
                if element.price is not None:  # R32, R33
                    assert got.elements[name].count_paid == element.count_paid, (decision_id, name)
                    assert element.count_paid <= element.max_count
            assert got.spent <= exact(got.cost), (
                f"{decision_id}: spend {got.spent} above approved cost {got.cost} (R14)")

    @invariant()
    def allocations_agree(self) -> None:
        """Per partner: net funding and responsibility allocations on the stored SpendRecorded /
        SpendReversed events equal the model's (R4, R15, R16); the shares report's spent and committed
        equal the model's (R11, R19)."""
        if self.model is None:
            return
        funded = dict.fromkeys(self.m.order, Decimal(0))
        responsible = dict.fromkeys(self.m.order, Decimal(0))
        for decision_id in self.m.decisions:
            recorded: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
            for event in self.ledger.events.get(decision_uuid(POOL, decision_id)):
                name = type(event).__name__
                if name in ("SpendRecorded", "OutcomeRecorded"):
                    recorded[event.invoice_ref] = (event.funding, event.responsibility)
                    sign = 1
                elif name == "SpendReversed":
                    sign = -1
                else:
                    continue
                f, r = recorded[event.invoice_ref]
                for code in self.m.order:
                    funded[code] += sign * Decimal(f.get(code, "0"))
                    responsible[code] += sign * Decimal(r.get(code, "0"))
        as_money = {code: Decimal(p) / 100 for code, p in self.m.net_allocation("funding").items()}
        assert funded == as_money
        assert responsible == {code: Decimal(p) / 100
                               for code, p in self.m.net_allocation("responsibility").items()}
        shares = {p.partner: p for p in reports.shares(self.ledger, POOL, YEAR).partners}
        committed = self.m.committed()
        contingent = self.m.committed(outcomes=True)
        for code in self.m.order:
            assert Decimal(shares[code].spent) == as_money[code], code
            assert Decimal(shares[code].committed) == Decimal(committed[code]) / 100, code
            assert Decimal(shares[code].contingent) == Decimal(contingent[code]) / 100, code


LedgerMachine.TestCase.settings = settings(settings(), stateful_step_count=30)
test_ledger_machine = LedgerMachine.TestCase
