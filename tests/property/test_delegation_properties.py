"""Properties of the scheme of delegation (R27-R31) over random histories: register changes by
anyone, impostors claiming roles, approvals by holders with and without enough limit, spend and
reversals by several pool managers. Whatever was accepted, the recorded history must show that
authority was always exercised as the register allowed at that moment.

The register is rebuilt here from the events' own fields (independently of the ledger's code),
walking the log in recording order.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pooledbudget import LedgerError, parse_command
from pooledbudget.aggregates.signing import amount_signed_for
from pooledbudget.money import Money
from tests.property.ledger_worlds import fresh_ledger
from tests.unit.helpers import POOL, establish_cmd, pledge_cmd, propose_cmd, total

CODES = ["ASC", "CFS", "SMS"]
IDS = ["pm-1", "pm-2", "bh-1", "bh-2", "bh-3", "bh-1b", "bh-1L", "bh-2L", "bh-4", "bh-5", "imp"]
LIMITED = {"ASC": "100.00", "CFS": "499.99", "SMS": "750.00"}
PARTNER_OF = {"pm-1": "ASC", "pm-2": "ASC"}

actors = st.builds(lambda i, p, r: {"id": i, "partner": p, "role": r}, st.sampled_from(IDS),
                   st.sampled_from(CODES), st.sampled_from(["budget_holder"] * 3 + ["pool_manager"]))
limits = st.one_of(st.none(), st.sampled_from(["100.00", "499.99", "500.00", "750.00", "2000.00"]))


def operation(data: st.DataObject, register: dict[str, Any]) -> dict[str, Any]:
    """One command, its actor mostly an active entry of the register as it stands (so that
    approvals, register changes and reversals are often accepted), sometimes anyone at all."""
    kind = data.draw(st.sampled_from(["register", "revoke", "approve", "approve", "approve",
                                      "decline", "propose", "spend", "spend", "reverse"]))
    wanted = "pool_manager" if kind in ("propose", "spend", "reverse") else "budget_holder"
    entries = [e for e in register.values() if e.role == wanted]
    if entries and data.draw(st.integers(0, 9)) < 8:
        chosen = data.draw(st.sampled_from(sorted(entries, key=lambda e: e.id)))
        actor = {"id": chosen.id, "partner": chosen.partner, "role": chosen.role}
    else:
        actor = data.draw(actors)
    if kind == "register":
        role = data.draw(st.sampled_from(["budget_holder", "budget_holder", "pool_manager"]))
        partner = "ASC" if role == "pool_manager" else actor["partner"]
        entry: dict[str, Any] = {"id": data.draw(st.sampled_from(IDS)), "partner": partner,
                                 "role": role}
        if role == "budget_holder" and (limit := data.draw(limits)) is not None:
            entry["limit"] = limit
        if role == "pool_manager" and entries:
            actor = {"id": "pm-1", "partner": "ASC", "role": "pool_manager"}
        return {"command": "RegisterSignatory", "actor": actor, "pool_id": POOL,
                "signatory": entry}
    if kind == "revoke":
        return {"command": "RevokeSignatory", "actor": actor, "pool_id": POOL,
                "signatory_id": data.draw(st.sampled_from(IDS)), "reason": "Moved on"}
    decision = f"D{data.draw(st.integers(0, 2))}"
    if kind in ("approve", "decline"):
        cmd = {"command": "ApproveDecision" if kind == "approve" else "DeclineDecision",
               "actor": actor, "pool_id": POOL, "decision_id": decision,
               "partner": actor["partner"]}
        if kind == "decline":
            cmd["reason"] = "Not this time"
        return cmd
    if kind == "propose":
        cost = data.draw(st.sampled_from(["600.00", "1000.00", "1499.98", "3000.00"]))
        return {**propose_cmd(decision, cost=total(cost),
                              funding={"ASC": "50", "CFS": "25", "SMS": "25"}), "actor": actor}
    invoice = f"INV-{data.draw(st.integers(1, 6))}"
    if kind == "spend":
        decision = "D0"  # approved at the start
        return {"command": "RecordSpend", "actor": actor, "pool_id": POOL, "decision_id": decision,
                "invoice_ref": invoice, "amount": "10.00", "service_date": "2026-05-01"}
    return {"command": "ReverseSpend", "actor": actor, "pool_id": POOL, "invoice_ref": invoice,
            "reason": "Keyed in error"}


def founding(threshold: str | None) -> dict[str, Any]:
    cmd = establish_cmd(partners=tuple(CODES), actor={"id": "pm-1", "partner": "ASC",
                                                       "role": "pool_manager"})
    cmd["signatories"] = [{"id": "pm-1", "partner": "ASC", "role": "pool_manager"},
                          {"id": "pm-2", "partner": "ASC", "role": "pool_manager"},
                          *({"id": f"bh-{i + 1}", "partner": code, "role": "budget_holder"}
                            for i, code in enumerate(CODES)),
                          *({"id": f"bh-{i + 1}b", "partner": code, "role": "budget_holder"}
                            for i, code in enumerate(CODES)),
                          *({"id": f"bh-{i + 1}L", "partner": code, "role": "budget_holder",
                             "limit": LIMITED[code]} for i, code in enumerate(CODES))]
    if threshold is not None:
        cmd["two_signatures_above"] = threshold
    return cmd


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(threshold=st.one_of(st.none(), st.sampled_from(["100.00", "250.00", "500.00"])),
       steps=st.integers(5, 45), data=st.data())
def test_authority_in_the_history_always_matches_the_register(
        threshold: str | None, steps: int, data: st.DataObject) -> None:
    """In a pool with a register: every recorded approval or first signature was given by an
    active budget-holder entry of that partner at that moment, for an amount within its limit
    and with that limit recorded; every partner approval above the threshold has a first
    signature by a different id; nobody registered or revoked their own entry; nobody reversed
    their own spend; and every recorded command's actor was an active entry as it claimed."""
    with fresh_ledger() as ledger:
        for cmd in (founding(threshold), *(pledge_cmd(c, "100000.00",
                                                      actor={"id": f"bh-{i + 1}", "partner": c,
                                                             "role": "budget_holder"})
                                           for i, c in enumerate(CODES))):
            ledger.execute(parse_command(cmd))
        ledger.execute(parse_command({**propose_cmd("D0", cost=total("9000.00"), funding={
            "ASC": "50", "CFS": "25", "SMS": "25"}), "actor": founding(None)["actor"]}))
        for i, code in enumerate(CODES):  # by both unlimited holders where a threshold is set
            for signer in (f"bh-{i + 1}", f"bh-{i + 1}b")[:1 if threshold is None else 2]:
                ledger.execute(parse_command({
                    "command": "ApproveDecision", "pool_id": POOL, "decision_id": "D0",
                    "partner": code, "actor": {"id": signer, "partner": code,
                                               "role": "budget_holder"}}))
        for decision, cost in (("D1", "1000.00"), ("D2", "3000.00")):
            ledger.execute(parse_command({**propose_cmd(decision, cost=total(cost), funding={
                "ASC": "50", "CFS": "25", "SMS": "25"}), "actor": founding(None)["actor"]}))
        for _ in range(steps):
            register = ledger.pool(POOL).register
            assert register is not None
            with contextlib.suppress(LedgerError):
                ledger.execute(parse_command(operation(data, register.active)))
        events = [ledger.mapper.to_domain_event(n)
                  for n in ledger.recorder.select_notifications(start=1, limit=100_000)]
    check_history(events, None if threshold is None else Money.parse(threshold))


def check_history(events: list[Any], threshold: Money | None) -> None:
    active: dict[str, dict[str, Any]] = {}
    firsts: dict[tuple[str, str, str | None], str] = {}
    recorded_by: dict[str, str] = {}
    terms: dict[str, list[tuple[Money, dict[str, Decimal]]]] = {}
    for event in events:
        name = type(event).TOPIC.rpartition(":")[2]
        actor = getattr(event, "actor", None)
        if actor is not None and active and name not in ("SignatoryRegisterAdopted",):
            entry = active.get(actor["id"])
            assert entry is not None, (name, actor)
            assert (entry["partner"], entry["role"]) == (actor["partner"], actor["role"]), name
        if name == "SignatoryRegisterAdopted":
            active = {e["id"]: e for e in event.signatories}
        elif name == "SignatoryRegistered":
            assert event.signatory["id"] != actor["id"]
            assert event.signatory["id"] not in active
            active[event.signatory["id"]] = event.signatory
        elif name == "SignatoryRevoked":
            assert event.signatory_id != actor["id"]
            del active[event.signatory_id]
        elif name == "DecisionProposed":
            terms[event.decision_id] = [(Money.parse(e["cost"]), {k: Decimal(v) for k, v in
                                                                  e["funding"].items()})
                                        for e in event.elements]
        elif name in ("DecisionShareApproved", "DecisionFirstSignature"):
            decision = _decision_id(event, terms)
            entry = active[actor["id"]]
            assert entry["role"] == "budget_holder" and entry["partner"] == event.partner
            amount = amount_signed_for(terms[decision], event.partner, CODES)
            assert event.amount == str(amount)
            assert event.limit == entry.get("limit")
            assert entry.get("limit") is None or amount <= Money.parse(entry["limit"])
            key = (decision, event.partner, None)
            two = threshold is not None and amount > threshold
            if name == "DecisionFirstSignature":
                assert two and key not in firsts
                firsts[key] = actor["id"]
            elif two:
                assert firsts.get(key) not in (None, actor["id"])
        elif name == "SpendRecorded":
            recorded_by[event.invoice_ref] = actor["id"]
        elif name == "SpendReversed":
            assert recorded_by[event.invoice_ref] != actor["id"]


def _decision_id(event: Any, terms: dict[str, Any]) -> str:
    from pooledbudget.aggregates import decision_uuid

    [found] = [d for d in terms if decision_uuid(POOL, d) == event.originator_id]
    return found
