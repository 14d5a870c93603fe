"""Queries: a pool's decisions by year and status, one decision in full, one pool."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from pooledbudget import reports
from pooledbudget.application import LedgerApplication
from pooledbudget.cli import main
from pooledbudget.errors import StateError
from pooledbudget.queries import list_decisions, show_decision, show_pool
from unit.helpers import (
    POOL,
    approved_decision,
    element,
    reverse_cmd,
    run,
    setup_pool,
    spend_cmd,
    total,
)


def test_decisions_are_listed_by_year_and_status(scenario: LedgerApplication) -> None:
    every = list_decisions(scenario, "FRP")
    assert [d.decision_id for d in every] == sorted(d.decision_id for d in every)
    by_status = {d.decision_id: d.status for d in every}
    assert by_status["PLA-C"] == "declined" and by_status["PLA-D"] == "proposed"
    approved = list_decisions(scenario, "FRP", "2026-27", "approved")
    assert approved and {d.status for d in approved} == {"approved"}
    assert {d.decision_id for d in approved} == {k for k, v in by_status.items()
                                                if v == "approved"}
    assert list_decisions(scenario, "FRP", "2027-28") == []
    shares = reports.shares(scenario, "FRP", "2026-27")
    assert sum(Decimal(d.spent) for d in every) == Decimal(shares.total.spent)
    with pytest.raises(StateError):
        list_decisions(scenario, "NOPE")


def test_a_decision_shows_its_terms_approvals_variations_spend_and_history(
        scenario: LedgerApplication) -> None:
    view = show_decision(scenario, "FRP", "PLA-B")
    assert view.status == "approved" and view.category == "family-residential-rehab"
    assert [e.name for e in view.elements] == ["adult", "children"]
    adult = view.elements[0]
    assert adult.funding == {"ASC": "70", "SMS": "30"}
    assert [when for when, _ in adult.funding_history] == [None, "2026-07-27"]
    assert [a.partner for a in view.approvals] == view.required
    assert [(v.variation_id, v.status) for v in view.variations] == [("PLA-B-V1", "applied")]
    assert view.declined is None
    declined = show_decision(scenario, "FRP", "PLA-C").declined
    assert declined is not None and declined.reason and declined.partner in view.required
    assert Decimal(view.spent) == sum(Decimal(s.amount) for s in view.spends if not s.reversed)
    history = view.history
    assert history[0]["event"] == "DecisionProposed"
    assert [h["position"] for h in history] == sorted(h["position"] for h in history)
    feed = [c.as_dict() for c in scenario.changes() if c.subject_id == "PLA-B"
            and c.subject == "decision"]
    assert history == feed


def test_a_decision_shows_what_it_still_commits(ledger: LedgerApplication) -> None:
    setup_pool(ledger)
    approved_decision(ledger, elements=[element("a", total("600.00"), {"ASC": "100"}),
                                        element("b", total("400.00"), {"CFS": "100"})])
    run(ledger, spend_cmd("D1", "INV-1", "100.00", element="a"))
    run(ledger, spend_cmd("D1", "INV-2", "50.00", element="b"))
    run(ledger, reverse_cmd("INV-2", actor={"id": "pm-2", "partner": "ASC",
                                            "role": "pool_manager"}))
    view = show_decision(ledger, POOL, "D1")
    assert (view.cost, view.spent, view.committed) == ("1000.00", "100.00", "900.00")
    assert view.committed_by_partner == {"ASC": "500.00", "CFS": "400.00"}
    assert [(s.invoice_ref, s.reversed) for s in view.spends] == [("INV-1", False),
                                                                   ("INV-2", True)]
    listed = list_decisions(ledger, POOL)
    assert [(d.spent, d.committed) for d in listed] == [("100.00", "900.00")]
    with pytest.raises(StateError) as info:
        show_decision(ledger, POOL, "D9")
    assert info.value.code == "decision_not_found"


def test_a_pool_shows_its_partners_host_years_and_register(scenario: LedgerApplication) -> None:
    view = show_pool(scenario, "FRP")
    assert view.host == "ASC" and [p.code for p in view.partners] == ["ASC", "CFS", "SMS", "ICB"]
    assert [(y.year, y.closed, y.agreed, y.decisions) for y in view.years] == [
        ("2026-27", True, "800000.00", 6)]
    assert view.risk_share["rule"] == "capped"
    assert view.signatories is None  # the worked scenario keeps no register


@pytest.mark.parametrize("args", [["pool"], ["decisions", "--status", "declined"],
                                  ["decision", "--decision", "PLA-A"]])
def test_show_cli_prints_json(scenario: LedgerApplication, args: list[str],
                              capsys: pytest.CaptureFixture[str]) -> None:
    url = scenario.database.url if scenario.database else ""
    assert main(["show", *args, "--pool", "FRP", "--db", url]) == 0
    data = json.loads(capsys.readouterr().out)
    if args[0] == "pool":
        assert data == json.loads(show_pool(scenario, "FRP").model_dump_json())
    elif args[0] == "decisions":
        assert [d["decision_id"] for d in data] == ["PLA-C"]
    else:
        assert data["decision_id"] == "PLA-A" and data["history"]


def test_a_pool_with_a_register_shows_its_active_signatories(tmp_path: Path) -> None:
    from scenario_ledger import module_scenario_dir

    from .conftest import apply_scenario

    ledger = apply_scenario(f"sqlite:///{tmp_path / 's.db'}", "signatory_pool.jsonl")
    try:
        pool = next(c.pool for c in ledger.changes(limit=1))
        assert pool is not None
        view = show_pool(ledger, pool)
        assert view.signatories is not None and view.signatories.verified
        assert {s.role for s in view.signatories.signatories} >= {"pool_manager",
                                                                  "budget_holder"}
        assert (module_scenario_dir() / "signatory_pool.jsonl").exists()
    finally:
        ledger.close()
