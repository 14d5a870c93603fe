"""A small reference model of one pool and one financial year, written from the rules alone
(docs/reference/rules.md).

Plain dicts, `Decimal` and `Fraction`; nothing from `pooledbudget` is used. `ReferenceLedger.expect`
says what the ledger must do with a command dict: reject it under a rule, or accept it with these
events (and then `commit` updates the model).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

YEAR = "2026-27"
YEAR_START = date(2026, 4, 1)
YEAR_END = date(2027, 3, 31)
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")

Cmd = dict[str, Any]
Split = dict[str, Decimal]
History = list[tuple[date | None, Split]]


def largest_remainder(pence: int, exact: dict[str, Fraction], order: list[str]) -> dict[str, int]:
    """R4: floor of each exact share (in pence), leftover pence one each to the largest fractional
    remainders, ties by agreement order; a negative amount is allocated as its absolute value, negated."""
    sign = -1 if pence < 0 else 1
    pence = abs(pence)
    total = sum(exact.values(), Fraction(0))
    shares = {p: pence * exact.get(p, Fraction(0)) / total if total else Fraction(0) for p in order}
    floors = {p: shares[p].numerator // shares[p].denominator for p in order}
    leftover = pence - sum(floors.values())
    ranked = sorted(range(len(order)), key=lambda i: (-(shares[order[i]] - floors[order[i]]), i))
    for i in ranked[:leftover]:
        floors[order[i]] += 1
    return {p: sign * floors[p] for p in order}


def in_force(history: History, on: date) -> Split:
    """R12/R15: the last approved split whose effective_from is on or before `on`."""
    for effective, split in reversed(history):
        if effective is None or effective <= on:
            return split
    return history[0][1]


def pct(split: Split, code: str) -> Decimal:
    return split.get(code, Decimal(0))


def content_key(cmd: Cmd) -> str:
    """R25: the command without `at`, numbers compared by value."""
    def norm(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items() if k != "at"}
        if isinstance(value, list):
            return [norm(v) for v in value]
        if isinstance(value, str) and NUMBER.fullmatch(value):
            return str(Decimal(value).normalize())
        return value
    return json.dumps(norm(cmd), sort_keys=True)


def reference_key(ref: str) -> str:
    """R13/R33: two references are one when equal upper-cased, keeping only A-Z and 0-9, with
    each run of digits read as a number (leading zeros dropped)."""
    runs = re.findall(r"[A-Z]+|[0-9]+", ref.upper())
    return "".join(str(int(run)) if run.isdigit() else run for run in runs)


@dataclass
class Element:
    cost: Decimal
    funding: History
    responsibility: History
    spent: Fraction = Fraction(0)
    price: Decimal | None = None  # an outcome element (R32): cost = price x max_count
    max_count: int = 0

    @property
    def count_paid(self) -> int:
        assert self.price is not None
        return int(self.spent / Fraction(self.price))


@dataclass
class Variation:
    variation_id: str
    effective_from: date
    planned_end: date | None
    elements: dict[str, tuple[Decimal, Split, Split | None]]  # name -> cost, funding, responsibility
    required: list[str]
    approvals: list[str] = field(default_factory=list)
    max_counts: dict[str, int] = field(default_factory=dict)  # outcome elements' (R32)


@dataclass
class Decision:
    start: date
    planned_end: date
    elements: dict[str, Element]
    required: list[str]
    status: str = "proposed"  # approved, declined
    approvals: list[str] = field(default_factory=list)
    actual_end: date | None = None
    pending: Variation | None = None
    variation_ids: set[str] = field(default_factory=set)

    @property
    def cost(self) -> Decimal:
        return sum((e.cost for e in self.elements.values()), Decimal(0))

    @property
    def spent(self) -> Fraction:
        return sum((e.spent for e in self.elements.values()), Fraction(0))

    @property
    def end(self) -> date:
        return self.actual_end or self.planned_end


@dataclass
class Spend:
    decision_id: str
    amount: Decimal
    service_date: date
    parts: dict[str, Fraction]
    funding: dict[str, int]  # pence
    responsibility: dict[str, int]
    reversed: bool = False
    recorded_by: str = ""


@dataclass
class Outcome:
    """What the ledger must do: reject under `rule`, or record `events` (then run `commit`)."""

    rule: str | None = None
    events: list[str] = field(default_factory=list)
    commit: Callable[[], None] = lambda: None
    duplicate: bool = False

    @property
    def accepted(self) -> bool:
        return self.rule is None


def reject(rule: str) -> Outcome:
    return Outcome(rule=rule)


def day(text: str) -> date:
    return date.fromisoformat(text)


def split_of(data: dict[str, str]) -> Split:
    return {code: Decimal(v) for code, v in data.items()}


def amount_of(cmd: Cmd) -> Decimal:
    return Decimal(cmd["amount"])


Entry = tuple[str, str, Decimal | None]  # partner, role, limit (None: unlimited)
REGISTER_COMMANDS = ("RegisterSignatory", "RevokeSignatory")


class ReferenceLedger:
    today = YEAR_END  # the recording date: the machine's clock runs on the year's last day

    def __init__(self, partners: list[str], host: str, pledges: dict[str, Decimal],
                 register: dict[str, Entry] | None = None) -> None:
        self.register = register  # active entries by id; None: the pool keeps no register
        self.order = list(partners)
        self.host = host
        self.agreed = dict(pledges)
        self.received = dict.fromkeys(partners, Decimal(0))
        self.closed = False
        self.decisions: dict[str, Decision] = {}
        self.spends: dict[str, Spend] = {}
        self.receipts: dict[str, tuple[str, list[str]]] = {}
        self.evidence: set[str] = set()  # R33: reference keys paid on, never freed

    # -- who may do what (R26) ---------------------------------------------------------------

    def host_manager(self, actor: dict[str, str]) -> bool:
        return actor["role"] == "pool_manager" and actor["partner"] == self.host

    @staticmethod
    def budget_holder(actor: dict[str, str], partner: str) -> bool:
        return actor["role"] == "budget_holder" and actor["partner"] == partner

    def signatory(self, actor: dict[str, str]) -> bool:
        """R27: an active entry with exactly the claimed partner and role."""
        entry = (self.register or {}).get(actor["id"])
        return entry is not None and entry[:2] == (actor["partner"], actor["role"])

    def signed_amount(self, terms: list[tuple[Decimal, Split]], partner: str) -> int:
        """R29: the partner's pence in the decision, Σ over elements of R4(cost, split)."""
        return sum(largest_remainder(int(cost * 100), {c: Fraction(v) for c, v in split.items()},
                                     self.order)[partner] for cost, split in terms)

    def over_limit(self, actor: dict[str, str], pence: int) -> bool:
        entry = (self.register or {}).get(actor["id"])  # no entry: R27 decides (`expect`)
        return entry is not None and entry[2] is not None and pence > int(entry[2] * 100)

    # -- the signatory register (R27, R28) ---------------------------------------------------

    def _RegisterSignatory(self, cmd: Cmd) -> Outcome:  # noqa: N802
        entry, actor = cmd["signatory"], cmd["actor"]
        if not self.budget_holder(actor, entry["partner"]):  # the machine registers budget holders
            return reject("R26")
        if self.register is None or not self.signatory(actor):
            return reject("R27")
        limit = Decimal(entry["limit"]) if "limit" in entry else None
        own = self.register[actor["id"]][2]
        if (entry["id"] == actor["id"] or entry["id"] in self.register
                or (own is not None and (limit is None or limit > own))):
            return reject("R28")
        register = self.register

        def commit() -> None:
            register[entry["id"]] = (entry["partner"], "budget_holder", limit)
        return Outcome(events=["SignatoryRegistered"], commit=commit)

    def _RevokeSignatory(self, cmd: Cmd) -> Outcome:  # noqa: N802
        actor, target = cmd["actor"], cmd["signatory_id"]
        entry = (self.register or {}).get(target)
        if entry is not None and not self.budget_holder(actor, entry[0]):
            return reject("R26")
        if entry is None and actor["role"] not in ("pool_manager", "budget_holder"):
            return reject("R26")
        if entry is None and actor["role"] == "pool_manager" and not self.host_manager(actor):
            return reject("R26")
        if self.register is None or not self.signatory(actor):
            return reject("R27")
        if entry is None or target == actor["id"]:
            return reject("R28")
        own = self.register[actor["id"]][2]
        if own is not None and (entry[2] is None or entry[2] > own):
            return reject("R28")
        if entry[2] is None and not any(e[0] == entry[0] and e[1] == "budget_holder" and e[2] is None
                                        for i, e in self.register.items() if i != target):
            return reject("R28")
        register = self.register

        def commit() -> None:
            del register[target]
        return Outcome(events=["SignatoryRevoked"], commit=commit)

    # -- the one entry point -----------------------------------------------------------------

    def expect(self, cmd: Cmd) -> Outcome:
        """R25 first (after shape), then the command's own checks in the rules' order."""
        command_id = cmd.get("command_id")
        if command_id in self.receipts:
            key, events = self.receipts[command_id]
            if key != content_key(cmd):
                return reject("R25")
            return Outcome(events=list(events), duplicate=True)
        outcome: Outcome = getattr(self, "_" + cmd["command"])(cmd)
        if (self.register is not None and cmd["command"] not in REGISTER_COMMANDS
                and outcome.rule != "R26" and not self.signatory(cmd["actor"])):
            return reject("R27")  # right after R26, before everything else the command checks
        if outcome.accepted and command_id:
            commit, key, events = outcome.commit, content_key(cmd), list(outcome.events)

            def remember() -> None:
                commit()
                self.receipts[command_id] = (key, events)
            outcome.commit = remember
        return outcome

    # -- contributions -----------------------------------------------------------------------

    def _ReceiveContribution(self, cmd: Cmd) -> Outcome:  # noqa: N802 - named after the command
        if not self.host_manager(cmd["actor"]):
            return reject("R26")
        if self.closed:
            return reject("R17")
        partner, amount = cmd["partner"], amount_of(cmd)
        if self.received[partner] + amount > self.agreed[partner]:
            return reject("R7")

        def commit() -> None:
            self.received[partner] += amount
        return Outcome(events=["ContributionReceived"], commit=commit)

    def _VaryContribution(self, cmd: Cmd) -> Outcome:  # noqa: N802
        partner, amount = cmd["partner"], amount_of(cmd)
        if not self.budget_holder(cmd["actor"], partner):
            return reject("R26")
        if self.closed:
            return reject("R17")
        if amount < self.received[partner]:
            return reject("R6")

        def commit() -> None:
            self.agreed[partner] = amount
        return Outcome(events=["ContributionVaried"], commit=commit)

    def _CloseYear(self, cmd: Cmd) -> Outcome:  # noqa: N802
        if not self.host_manager(cmd["actor"]):
            return reject("R26")
        if self.closed:
            return reject("R17")

        def commit() -> None:
            self.closed = True
        return Outcome(events=["YearClosed", "PoolSealed"], commit=commit)

    # -- decisions ---------------------------------------------------------------------------

    def _ProposeDecision(self, cmd: Cmd) -> Outcome:  # noqa: N802
        if not self.host_manager(cmd["actor"]):
            return reject("R26")
        if self.closed:
            return reject("R17")
        decision_id = cmd["decision_id"]
        if decision_id in self.decisions:
            return reject("R9")
        start, end = day(cmd["start"]), day(cmd["planned_end"])
        if not (YEAR_START <= start <= YEAR_END and YEAR_START <= end <= YEAR_END and start <= end):
            return reject("R9")
        listed = cmd.get("elements") or [{"name": "main", "cost": cmd["cost"], "funding": cmd["funding"],
                                          **({"responsibility": cmd["responsibility"]}
                                             if "responsibility" in cmd else {})}]
        for e in listed:
            for key in ("funding", "responsibility"):
                if any(code not in self.order for code in e.get(key) or {}):
                    return reject("R3")
        elements = {}
        for e in listed:
            funding = split_of(e["funding"])
            responsibility = split_of(e["responsibility"]) if "responsibility" in e else funding
            if "outcome" in e:
                price, most = Decimal(e["outcome"]["price"]), e["outcome"]["max_count"]
                elements[e["name"]] = Element(price * most, [(None, funding)],
                                              [(None, responsibility)], price=price, max_count=most)
                continue
            elements[e["name"]] = Element(Decimal(e["cost"]["total"]), [(None, funding)],
                                          [(None, responsibility)])
        required = [p for p in self.order if any(pct(e.funding[0][1], p) > 0 for e in elements.values())]

        def commit() -> None:
            self.decisions[decision_id] = Decision(start, end, elements, required)
        return Outcome(events=["DecisionProposed"], commit=commit)

    def _approval(self, cmd: Cmd, rule: str) -> tuple[Decision | None, Outcome | None]:
        """The checks every approval or decline shares: R26, the decision, R17."""
        if not self.budget_holder(cmd["actor"], cmd["partner"]):
            return None, reject("R26")
        decision = self.decisions.get(cmd["decision_id"])
        if decision is None:
            return None, reject(rule)
        if self.closed:
            return None, reject("R17")
        return decision, None

    def _ApproveDecision(self, cmd: Cmd) -> Outcome:  # noqa: N802
        decision, failed = self._approval(cmd, "R10")
        if failed or decision is None:
            return failed or reject("R10")
        partner = cmd["partner"]
        if decision.status != "proposed" or partner not in decision.required or partner in decision.approvals:
            return reject("R10")
        terms = [(e.cost, e.funding[-1][1]) for e in decision.elements.values()]
        if self.over_limit(cmd["actor"], self.signed_amount(terms, partner)):
            return reject("R29")
        last = set(decision.required) == {*decision.approvals, partner}

        def commit() -> None:
            decision.approvals.append(partner)
            if last:
                decision.status = "approved"
        return Outcome(events=["DecisionShareApproved", *(["DecisionApproved"] if last else [])],
                       commit=commit)

    def _DeclineDecision(self, cmd: Cmd) -> Outcome:  # noqa: N802
        decision, failed = self._approval(cmd, "R10")
        if failed or decision is None:
            return failed or reject("R10")
        partner = cmd["partner"]
        if decision.status != "proposed" or partner not in decision.required or partner in decision.approvals:
            return reject("R10")

        def commit() -> None:
            decision.status = "declined"
        return Outcome(events=["DecisionDeclined"], commit=commit)

    def _managed_decision(self, cmd: Cmd, rule: str) -> tuple[Decision | None, Outcome | None]:
        """R26 (host pool manager), then the decision, then R17."""
        if not self.host_manager(cmd["actor"]):
            return None, reject("R26")
        decision = self.decisions.get(cmd["decision_id"])
        if decision is None:
            return None, reject(rule)
        if self.closed:
            return None, reject("R17")
        return decision, None

    @staticmethod
    def _live(decision: Decision) -> bool:
        return decision.status == "approved" and decision.actual_end is None

    def _ProposeVariation(self, cmd: Cmd) -> Outcome:  # noqa: N802
        decision, failed = self._managed_decision(cmd, "R12")
        if failed or decision is None:
            return failed or reject("R12")
        variation_id = cmd["variation_id"]
        if not self._live(decision) or decision.pending is not None or variation_id in decision.variation_ids:
            return reject("R12")
        effective = day(cmd["effective_from"]) if "effective_from" in cmd else decision.start
        if not YEAR_START <= effective <= YEAR_END:
            return reject("R12")
        planned_end = day(cmd["planned_end"]) if "planned_end" in cmd else None
        if planned_end is not None and not decision.start <= planned_end <= YEAR_END:
            return reject("R9")
        if "elements" in cmd:
            items = cmd["elements"]
        elif any(k in cmd for k in ("cost", "funding", "responsibility")):
            items = [{"name": next(iter(decision.elements)),
                      **{k: cmd[k] for k in ("cost", "funding", "responsibility") if k in cmd}}]
        else:
            items = [{"name": name} for name in decision.elements]
        new: dict[str, tuple[Decimal, Split, Split | None]] = {}
        max_counts: dict[str, int] = {}
        for item in items:
            current = decision.elements[item["name"]]  # the machine never adds or removes elements
            if ("outcome" in item and current.price is None) or (
                    "cost" in item and current.price is not None):
                return reject("R32")  # a max_count for a cost element, a cost for an outcome one
            cost = Decimal(item["cost"]["total"]) if "cost" in item else current.cost
            if current.price is not None:
                most = item.get("outcome", {}).get("max_count", current.max_count)
                max_counts[item["name"]] = most
                cost = current.price * most
            new[item["name"]] = (
                cost,
                split_of(item["funding"]) if "funding" in item else current.funding[-1][1],
                split_of(item["responsibility"]) if "responsibility" in item else None,
            )
        if any(Fraction(cost) < decision.elements[name].spent for name, (cost, _, _) in new.items()):
            return reject("R14")
        required = self._variation_approvers(decision, new)
        variation = Variation(variation_id, effective, planned_end, new, required,
                              max_counts=max_counts)

        def commit() -> None:
            decision.variation_ids.add(variation_id)
            decision.pending = variation
            if not required:
                self._apply(decision)
        return Outcome(events=["VariationProposed", *([] if required else ["VariationApplied"])],
                       commit=commit)

    def _variation_approvers(self, decision: Decision,
                             new: dict[str, tuple[Decimal, Split, Split | None]]) -> list[str]:
        """R12: partners whose percentage rises in any element or whose money amount rises."""
        def money(code: str, terms: list[tuple[Decimal, Split]]) -> Decimal:
            return sum((cost * pct(split, code) for cost, split in terms), Decimal(0))
        old = {name: (e.cost, e.funding[-1][1]) for name, e in decision.elements.items()}
        required = []
        for code in self.order:
            rises = any(pct(split, code) > pct(old[name][1], code) for name, (_, split, _) in new.items())
            if rises or money(code, [(c, s) for c, s, _ in new.values()]) > money(code, list(old.values())):
                required.append(code)
        return required

    @staticmethod
    def _apply(decision: Decision) -> None:
        variation = decision.pending
        assert variation is not None
        if variation.planned_end is not None:
            decision.planned_end = variation.planned_end
        for name, (cost, funding, responsibility) in variation.elements.items():
            element = decision.elements[name]
            element.cost = cost
            element.max_count = variation.max_counts.get(name, element.max_count)
            if funding != element.funding[-1][1]:
                element.funding.append((variation.effective_from, funding))
            if responsibility is not None:
                element.responsibility.append((variation.effective_from, responsibility))
        decision.pending = None

    def _variation_answer(self, cmd: Cmd) -> tuple[Decision | None, Outcome | None]:
        decision, failed = self._approval(cmd, "R12")
        if failed or decision is None:
            return None, failed or reject("R12")
        pending, partner = decision.pending, cmd["partner"]
        if (pending is None or pending.variation_id != cmd["variation_id"]
                or partner not in pending.required or partner in pending.approvals):
            return None, reject("R12")
        return decision, None

    def _ApproveVariation(self, cmd: Cmd) -> Outcome:  # noqa: N802
        decision, failed = self._variation_answer(cmd)
        if failed or decision is None or decision.pending is None:
            return failed or reject("R12")
        pending, partner = decision.pending, cmd["partner"]
        last = set(pending.required) == {*pending.approvals, partner}
        if last and any(Fraction(cost) < decision.elements[name].spent
                        for name, (cost, _, _) in pending.elements.items()):
            # R14: applying it would leave spend above the approved cost
            return reject("R14")
        terms = [(cost, split) for cost, split, _ in pending.elements.values()]
        if self.over_limit(cmd["actor"], self.signed_amount(terms, partner)):
            return reject("R29")

        def commit() -> None:
            pending.approvals.append(partner)
            if last:
                self._apply(decision)
        return Outcome(events=["VariationShareApproved", *(["VariationApplied"] if last else [])],
                       commit=commit)

    def _DeclineVariation(self, cmd: Cmd) -> Outcome:  # noqa: N802
        decision, failed = self._variation_answer(cmd)
        if failed or decision is None:
            return failed or reject("R12")

        def commit() -> None:
            decision.pending = None
        return Outcome(events=["VariationDeclined"], commit=commit)

    def _EndDecision(self, cmd: Cmd) -> Outcome:  # noqa: N802
        decision, failed = self._managed_decision(cmd, "R12")
        if failed or decision is None:
            return failed or reject("R12")
        ended = day(cmd["ended_on"])
        if not self._live(decision) or not decision.start <= ended <= decision.planned_end:
            return reject("R12")
        if any(s.decision_id == cmd["decision_id"] and not s.reversed and s.service_date > ended
               for s in self.spends.values()):
            return reject("R12")

        def commit() -> None:
            decision.actual_end = ended
            decision.pending = None
        return Outcome(events=["DecisionEnded"], commit=commit)

    # -- spend -------------------------------------------------------------------------------

    def _RecordSpend(self, cmd: Cmd) -> Outcome:  # noqa: N802
        decision, failed = self._managed_decision(cmd, "R13")
        if failed or decision is None:
            return failed or reject("R13")
        invoice, amount, service = cmd["invoice_ref"], amount_of(cmd), day(cmd["service_date"])
        element = cmd.get("element")
        if invoice in self.spends or decision.status != "approved":
            return reject("R13")
        if element is not None and element not in decision.elements:
            return reject("R13")
        if not decision.start <= service <= decision.end:
            return reject("R13")
        costs = {n: e for n, e in decision.elements.items() if e.price is None}
        if element is not None and element not in costs:
            return reject("R33")  # an outcome element is paid by RecordOutcome
        if element is None and not costs:
            return reject("R33")  # outcome elements only
        if element is None and len(costs) < len(decision.elements) and sum(
                (Fraction(e.cost) - e.spent for e in costs.values()), Fraction(0)) < Fraction(amount):
            return reject("R14")  # a spend naming no element falls on the cost elements alone
        if decision.spent + Fraction(amount) > decision.cost:
            return reject("R14")
        if element is not None and decision.elements[element].spent + Fraction(amount) > \
                decision.elements[element].cost:
            return reject("R14")
        if element is not None:
            parts = {element: Fraction(amount)}
        elif len(costs) == 1:
            parts = {next(iter(costs)): Fraction(amount)}
        else:
            # R11/R15/R33: in proportion to each cost element's remaining cost, exactly
            remaining = {n: Fraction(e.cost) - e.spent for n, e in costs.items()}
            remaining = {n: r for n, r in remaining.items() if r > 0}
            whole = sum(remaining.values(), Fraction(0))
            parts = {n: Fraction(amount) * r / whole for n, r in remaining.items()}
        exact_f: dict[str, Fraction] = {}
        exact_r: dict[str, Fraction] = {}
        for name, part in parts.items():
            e = decision.elements[name]
            for target, history in ((exact_f, e.funding), (exact_r, e.responsibility)):
                for code, value in in_force(history, service).items():
                    target[code] = target.get(code, Fraction(0)) + part * Fraction(value) / 100
        return self._spend(cmd["decision_id"], invoice, amount, service, parts, "SpendRecorded",
                           recorded_by=cmd["actor"]["id"])

    def _spend(self, decision_id: str, invoice: str, amount: Decimal, service: date,
               parts: dict[str, Fraction], event: str, evidence: str | None = None,
               recorded_by: str = "") -> Outcome:
        """R15: allocated by the splits in force on the service date, exactly, then R4 once."""
        decision = self.decisions[decision_id]
        exact_f: dict[str, Fraction] = {}
        exact_r: dict[str, Fraction] = {}
        for name, part in parts.items():
            e = decision.elements[name]
            for target, history in ((exact_f, e.funding), (exact_r, e.responsibility)):
                for code, value in in_force(history, service).items():
                    target[code] = target.get(code, Fraction(0)) + part * Fraction(value) / 100
        pence = int(amount * 100)
        spend = Spend(decision_id, amount, service, parts,
                      largest_remainder(pence, exact_f, self.order),
                      largest_remainder(pence, exact_r, self.order), recorded_by=recorded_by)

        def commit() -> None:
            self.spends[invoice] = spend
            if evidence is not None:
                self.evidence.add(evidence)
            for name, part in parts.items():
                decision.elements[name].spent += part
        return Outcome(events=[event], commit=commit)

    def _RecordOutcome(self, cmd: Cmd) -> Outcome:  # noqa: N802
        """R33: price x count on an outcome element, on evidence used once in the pool."""
        decision, failed = self._managed_decision(cmd, "R33")
        if failed or decision is None:
            return failed or reject("R33")
        invoice, achieved, count = cmd["invoice_ref"], day(cmd["achieved_on"]), cmd.get("count", 1)
        if invoice in self.spends:
            return reject("R13")
        evidence = reference_key(cmd["evidence_ref"])
        if evidence in self.evidence or decision.status != "approved":
            return reject("R33")
        element = decision.elements.get(cmd["element"])
        if element is None or element.price is None:
            return reject("R33")
        if achieved < decision.start or achieved > YEAR_END or achieved > self.today or (
                decision.actual_end is not None and achieved > decision.actual_end):
            return reject("R33")
        if element.count_paid + count > element.max_count:
            return reject("R33")
        amount = element.price * count
        return self._spend(cmd["decision_id"], invoice, amount, achieved,
                           {cmd["element"]: Fraction(amount)}, "OutcomeRecorded", evidence,
                           recorded_by=cmd["actor"]["id"])

    def _ReverseSpend(self, cmd: Cmd) -> Outcome:  # noqa: N802
        if not self.host_manager(cmd["actor"]):
            return reject("R26")
        spend = self.spends.get(cmd["invoice_ref"])
        if spend is None:
            return reject("R16")
        if self.closed:
            return reject("R17")
        if spend.reversed:
            return reject("R16")
        if self.register is not None and spend.recorded_by == cmd["actor"]["id"]:
            return reject("R31")
        decision = self.decisions[spend.decision_id]

        def commit() -> None:
            spend.reversed = True
            for name, part in spend.parts.items():
                decision.elements[name].spent -= part
        return Outcome(events=["SpendReversed"], commit=commit)

    # -- figures -----------------------------------------------------------------------------

    def net_allocation(self, which: str) -> dict[str, int]:
        """Per partner, in pence: Σ allocations of spend not reversed (funding or responsibility)."""
        totals = dict.fromkeys(self.order, 0)
        for spend in self.spends.values():
            if not spend.reversed:
                for code, pence in getattr(spend, which).items():
                    totals[code] += pence
        return totals

    def committed(self, outcomes: bool = False) -> dict[str, int]:
        """R11: per live decision, Σ cost element remaining × latest split, exactly, then R4
        once; summed. With `outcomes`, the same over outcome elements: contingent (R34)."""
        totals = dict.fromkeys(self.order, 0)
        if self.closed:
            return totals
        for decision in self.decisions.values():
            if not self._live(decision):
                continue
            exact: dict[str, Fraction] = {}
            for e in decision.elements.values():
                if (e.price is not None) != outcomes:
                    continue
                left = Fraction(e.cost) - e.spent
                for code, value in e.funding[-1][1].items():
                    exact[code] = exact.get(code, Fraction(0)) + left * Fraction(value) / 100
            remaining = sum(exact.values(), Fraction(0))
            if remaining == 0:
                continue
            assert (remaining * 100).denominator == 1
            for code, pence in largest_remainder(int(remaining * 100), exact, self.order).items():
                totals[code] += pence
        return totals
