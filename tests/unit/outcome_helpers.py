"""Builders for the paying-for-outcomes tests (R32-R35): outcome elements, RecordOutcome, and
an approved outcomes contract in a three-partner pool."""

from __future__ import annotations

from typing import Any

from pooledbudget.application import LedgerApplication

from .helpers import POOL, Cmd, approved_decision, element, pm, setup_pool, total

THREE = ("ASC", "CFS", "ICB")


def outcome_element(name: str, price: str, max_count: int, funding: dict[str, str],
                    responsibility: dict[str, str] | None = None,
                    measure: str = "Completed treatment") -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "outcome": {"measure": measure, "price": price,
                                                      "max_count": max_count},
                            "funding": funding}
    if responsibility is not None:
        data["responsibility"] = responsibility
    return data


def outcome_cmd(decision_id: str, element_name: str, invoice_ref: str, evidence_ref: str,
                achieved_on: str = "2026-04-01", *, count: int | None = None,
                at: str | None = None, actor: dict[str, str] | None = None) -> Cmd:
    cmd: Cmd = {"command": "RecordOutcome", "actor": actor or pm(), "pool_id": POOL,
                "decision_id": decision_id, "element": element_name, "invoice_ref": invoice_ref,
                "evidence_ref": evidence_ref, "achieved_on": achieved_on}
    if count is not None:
        cmd["count"] = count
    if at is not None:
        cmd["at"] = at
    return cmd


def contract(ledger: LedgerApplication, decision_id: str = "D1", *, max_count: int = 5,
             price: str = "100.00", with_fee: bool = True, **propose: Any) -> None:
    """A pool of ASC, CFS and ICB, and an approved decision with a cost element `fee` (ASC 50 /
    CFS 50, total 1000.00) and an outcome element `result` (CFS 60 / ICB 40, CFS's outcome)."""
    if not propose.pop("pool_exists", False):
        setup_pool(ledger, THREE)
    elements = [outcome_element("result", price, max_count, {"CFS": "60", "ICB": "40"},
                                {"CFS": "100"})]
    if with_fee:
        elements.insert(0, element("fee", total("1000.00"), {"ASC": "50", "CFS": "50"}))
    approved_decision(ledger, decision_id, elements=elements, **propose)
