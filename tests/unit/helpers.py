"""Small builders for unit tests: command dicts, a pool with pledges, an approved decision.

Every command goes through `parse_command` (the public input boundary) and `ledger.execute`.
`reject` runs a command that must fail and checks that nothing was written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pooledbudget import CommandResult, InvalidCommandError, LedgerError, parse_command
from pooledbudget.aggregates import Decision
from pooledbudget.application import LedgerApplication

POOL = "P"
YEAR = "2026-27"
NEXT_YEAR = "2027-28"
NAMES = {
    "ASC": "Adult Social Care",
    "CFS": "Children and Families Social Care",
    "SMS": "Substance Misuse Service",
    "ICB": "NHS Integrated Care Board",
    "PROB": "Probation",
}

Cmd = dict[str, Any]


# -- actors ------------------------------------------------------------------------------------

def pm(partner: str = "ASC") -> dict[str, str]:
    return {"id": f"pm-{partner.lower()}", "partner": partner, "role": "pool_manager"}


def bh(partner: str) -> dict[str, str]:
    return {"id": f"bh-{partner.lower()}", "partner": partner, "role": "budget_holder"}


def auditor(partner: str = "ASC") -> dict[str, str]:
    return {"id": f"aud-{partner.lower()}", "partner": partner, "role": "auditor"}


# -- running -----------------------------------------------------------------------------------

def run(ledger: LedgerApplication, command: Cmd, *, use_command_time: bool = False) -> CommandResult:
    return ledger.execute(parse_command(command), use_command_time=use_command_time,
                          allow_future_times=use_command_time)  # test times run past today


def written(ledger: LedgerApplication) -> int:
    """The id of the last stored event (0 when nothing is stored)."""
    return ledger.recorder.max_notification_id() or 0


def reject(
    ledger: LedgerApplication,
    command: Cmd,
    *,
    rule: str | None,
    code: str | None = None,
    field: str | None = None,
    use_command_time: bool = False,
) -> LedgerError:
    """Runs a command that must be rejected under `rule`, and checks nothing was written."""
    before = written(ledger)
    with pytest.raises(LedgerError) as info:
        run(ledger, command, use_command_time=use_command_time)
    error = info.value
    assert written(ledger) == before, "a rejected command wrote events"
    assert error.rule == rule, error.as_dict()
    if code is not None:
        assert error.code == code, error.as_dict()
    if field is not None:
        assert error.field == field, error.as_dict()
    return error


def invalid(command: Cmd, *, rule: str | None, field: str | None = None) -> InvalidCommandError:
    """Parses a command that must fail its shape/format check under `rule`."""
    with pytest.raises(InvalidCommandError) as info:
        parse_command(command)
    error = info.value
    assert error.code == "invalid_command"
    assert error.rule == rule, error.as_dict()
    if field is not None:
        assert error.field == field, error.as_dict()
    return error


# -- command builders --------------------------------------------------------------------------

def total(amount: str) -> dict[str, str]:
    return {"total": amount}


def weekly(rate: str, weeks: int) -> dict[str, Any]:
    return {"weekly": rate, "weeks": weeks}


def establish_cmd(
    *,
    pool_id: str = POOL,
    partners: tuple[str, ...] = ("ASC", "CFS"),
    host: str = "ASC",
    risk_share: dict[str, Any] | None = None,
    first_year: str = YEAR,
    actor: dict[str, str] | None = None,
) -> Cmd:
    cmd: Cmd = {
        "command": "EstablishPool", "actor": actor or pm(host), "pool_id": pool_id,
        "name": "Test pool", "host": host,
        "partners": [{"code": code, "name": NAMES.get(code, code)} for code in partners],
        "first_year": first_year,
    }
    if risk_share is not None:
        cmd["risk_share"] = risk_share
    return cmd


def join_cmd(code: str, from_year: str, *, actor: dict[str, str] | None = None) -> Cmd:
    return {"command": "JoinPool", "actor": actor or pm(), "pool_id": POOL,
            "partner": {"code": code, "name": NAMES.get(code, code)}, "from_year": from_year}


def pledge_cmd(partner: str, amount: str, *, year: str = YEAR,
               actor: dict[str, str] | None = None) -> Cmd:
    return {"command": "PledgeContribution", "actor": actor or bh(partner), "pool_id": POOL,
            "partner": partner, "year": year, "amount": amount}


def vary_cmd(partner: str, amount: str, *, reason: str = "In-year variation", year: str = YEAR,
             actor: dict[str, str] | None = None) -> Cmd:
    return {"command": "VaryContribution", "actor": actor or bh(partner), "pool_id": POOL,
            "partner": partner, "year": year, "amount": amount, "reason": reason}


def receive_cmd(partner: str, amount: str, *, reference: str = "RCPT-1", year: str = YEAR,
                received_on: str = "2026-04-15", actor: dict[str, str] | None = None) -> Cmd:
    return {"command": "ReceiveContribution", "actor": actor or pm(), "pool_id": POOL,
            "partner": partner, "year": year, "amount": amount, "received_on": received_on,
            "reference": reference}


def propose_cmd(
    decision_id: str = "D1",
    *,
    cost: dict[str, Any] | None = None,
    funding: dict[str, str] | None = None,
    responsibility: dict[str, str] | None = None,
    elements: list[dict[str, Any]] | None = None,
    start: str = "2026-04-01",
    planned_end: str = "2026-09-30",
    year: str = YEAR,
    case_ref: str = "CASE-0001",
    actor: dict[str, str] | None = None,
) -> Cmd:
    cmd: Cmd = {
        "command": "ProposeDecision", "actor": actor or pm(), "pool_id": POOL,
        "decision_id": decision_id, "year": year, "case_ref": case_ref,
        "category": "residential-rehab", "start": start, "planned_end": planned_end,
    }
    if elements is not None:
        cmd["elements"] = elements
    else:
        cmd["cost"] = cost or total("1000.00")
        cmd["funding"] = funding or {"ASC": "50", "CFS": "50"}
        if responsibility is not None:
            cmd["responsibility"] = responsibility
    return cmd


def element(name: str, cost: dict[str, Any], funding: dict[str, str],
            responsibility: dict[str, str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "cost": cost, "funding": funding}
    if responsibility is not None:
        data["responsibility"] = responsibility
    return data


def approve_cmd(decision_id: str, partner: str, *, actor: dict[str, str] | None = None) -> Cmd:
    return {"command": "ApproveDecision", "actor": actor or bh(partner), "pool_id": POOL,
            "decision_id": decision_id, "partner": partner}


def decline_cmd(decision_id: str, partner: str, *, reason: str = "Not eligible",
                actor: dict[str, str] | None = None) -> Cmd:
    return {"command": "DeclineDecision", "actor": actor or bh(partner), "pool_id": POOL,
            "decision_id": decision_id, "partner": partner, "reason": reason}


def variation_cmd(decision_id: str, variation_id: str, *, reason: str = "Review",
                  actor: dict[str, str] | None = None, **changes: Any) -> Cmd:
    return {"command": "ProposeVariation", "actor": actor or pm(), "pool_id": POOL,
            "decision_id": decision_id, "variation_id": variation_id, "reason": reason, **changes}


def approve_variation_cmd(decision_id: str, variation_id: str, partner: str, *,
                          actor: dict[str, str] | None = None) -> Cmd:
    return {"command": "ApproveVariation", "actor": actor or bh(partner), "pool_id": POOL,
            "decision_id": decision_id, "variation_id": variation_id, "partner": partner}


def decline_variation_cmd(decision_id: str, variation_id: str, partner: str, *,
                          reason: str = "Too costly", actor: dict[str, str] | None = None) -> Cmd:
    return {"command": "DeclineVariation", "actor": actor or bh(partner), "pool_id": POOL,
            "decision_id": decision_id, "variation_id": variation_id, "partner": partner,
            "reason": reason}


def end_cmd(decision_id: str, ended_on: str, *, reason: str = "Left placement early",
            actor: dict[str, str] | None = None) -> Cmd:
    return {"command": "EndDecision", "actor": actor or pm(), "pool_id": POOL,
            "decision_id": decision_id, "ended_on": ended_on, "reason": reason}


def spend_cmd(decision_id: str, invoice_ref: str, amount: str, service_date: str = "2026-05-01",
              *, element: str | None = None, actor: dict[str, str] | None = None) -> Cmd:
    cmd: Cmd = {"command": "RecordSpend", "actor": actor or pm(), "pool_id": POOL,
                "decision_id": decision_id, "invoice_ref": invoice_ref, "amount": amount,
                "service_date": service_date}
    if element is not None:
        cmd["element"] = element
    return cmd


def reverse_cmd(invoice_ref: str, *, reason: str = "Keyed in error",
                actor: dict[str, str] | None = None) -> Cmd:
    return {"command": "ReverseSpend", "actor": actor or pm(), "pool_id": POOL,
            "invoice_ref": invoice_ref, "reason": reason}


def close_cmd(year: str = YEAR, *, actor: dict[str, str] | None = None) -> Cmd:
    return {"command": "CloseYear", "actor": actor or pm(), "pool_id": POOL, "year": year}


# -- bigger steps ------------------------------------------------------------------------------

def setup_pool(
    ledger: LedgerApplication,
    partners: tuple[str, ...] = ("ASC", "CFS"),
    pledges: dict[str, str] | None = None,
    *,
    risk_share: dict[str, Any] | None = None,
) -> None:
    """A pool hosted by ASC with the given partners, each pledging for 2026-27."""
    run(ledger, establish_cmd(partners=partners, risk_share=risk_share))
    if pledges is None:
        pledges = {code: "100000.00" for code in partners}
    for code, amount in pledges.items():
        run(ledger, pledge_cmd(code, amount))


def decision(ledger: LedgerApplication, decision_id: str = "D1") -> Decision:
    return ledger.decision(POOL, decision_id)


def approve_all(ledger: LedgerApplication, decision_id: str = "D1") -> Decision:
    for code in list(decision(ledger, decision_id).waiting_on):
        run(ledger, approve_cmd(decision_id, code))
    return decision(ledger, decision_id)


def approved_decision(ledger: LedgerApplication, decision_id: str = "D1", **propose: Any) -> Decision:
    """Proposes a decision (see `propose_cmd`) and has every required partner approve it."""
    run(ledger, propose_cmd(decision_id, **propose))
    d = approve_all(ledger, decision_id)
    assert d.status == "approved"
    return d


def approve_variation_all(ledger: LedgerApplication, decision_id: str, variation_id: str) -> Decision:
    for code in list(decision(ledger, decision_id).waiting_on):
        run(ledger, approve_variation_cmd(decision_id, variation_id, code))
    return decision(ledger, decision_id)


def last_event(ledger: LedgerApplication, decision_id: str = "D1") -> Any:
    return list(ledger.events.get(decision(ledger, decision_id).id))[-1]


def spend_funding(ledger: LedgerApplication, decision_id: str, invoice_ref: str) -> dict[str, str]:
    """The funding allocation recorded on the SpendRecorded event of `invoice_ref`."""
    return _spend_event(ledger, decision_id, invoice_ref).funding


def spend_responsibility(ledger: LedgerApplication, decision_id: str,
                         invoice_ref: str) -> dict[str, str]:
    return _spend_event(ledger, decision_id, invoice_ref).responsibility


def _spend_event(ledger: LedgerApplication, decision_id: str, invoice_ref: str) -> Any:
    events = [e for e in ledger.events.get(decision(ledger, decision_id).id)
              if type(e).__name__ in ("SpendRecorded", "OutcomeRecorded")
              and e.invoice_ref == invoice_ref]
    assert len(events) == 1
    return events[0]


def commitment(ledger: LedgerApplication, decision_id: str = "D1") -> dict[str, Decimal]:
    pool = ledger.pool(POOL)
    d = decision(ledger, decision_id)
    return d.commitment_by_partner(pool.partner_order, pool.is_closed(d.year))


def money(**parts: str) -> dict[str, Decimal]:
    return {code: Decimal(v) for code, v in parts.items()}
