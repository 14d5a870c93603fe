"""The outcomes scenario's outcomes report (R35) through the CLI, live, as at, and rebuilt; its
other figures are checked with every scenario (test_every_scenario.py).

The figures are worked by hand from the scenario: completion (SMS 60 / ICB 40, SMS's
responsibility) paid 3 + 17 = 20 of 20 at £2,500; desistance (PROB 50 / SMS 25 / ICB 25, PROB's
responsibility) paid 2 then reversed, then 1 of a maximum varied to 20, at £4,000; OC-02's
employment outcome never paid and its decision ended, so nothing remains of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_every_scenario import apply

from pooledbudget.cli import main

NAME = "outcomes_pool"


def outcome(decision: str, element: str, measure: str, price: str, max_count: int,
            count_paid: int, paid: str, remaining: str) -> dict[str, Any]:
    return {"decision_id": decision, "element": element, "measure": measure, "price": price,
            "max_count": max_count, "count_paid": count_paid, "paid": paid,
            "remaining": remaining}


COMPLETION = "Completed treatment, drug-free at discharge"
DESISTANCE = "No proven reoffence within 12 months"
FINAL = {
    "outcomes": [
        outcome("OC-01", "completion", COMPLETION, "2500.00", 20, 20, "50000.00", "0.00"),
        outcome("OC-01", "desistance", DESISTANCE, "4000.00", 20, 1, "4000.00", "76000.00"),
        outcome("OC-02", "employment", "In work for 6 months", "1500.00", 10, 0, "0.00", "0.00"),
    ],
    "partners": [
        {"partner": "PROB", "funded": "2000.00", "responsible": "4000.00"},
        {"partner": "SMS", "funded": "31000.00", "responsible": "50000.00"},
        {"partner": "ICB", "funded": "21000.00", "responsible": "0.00"},
    ],
}
AS_AT = {  # 2026-10-01T12:00: before the reversal, the variation and OC-02
    "outcomes": [
        outcome("OC-01", "completion", COMPLETION, "2500.00", 20, 20, "50000.00", "0.00"),
        outcome("OC-01", "desistance", DESISTANCE, "4000.00", 15, 0, "0.00", "60000.00"),
    ],
    "partners": [
        {"partner": "PROB", "funded": "0.00", "responsible": "0.00"},
        {"partner": "SMS", "funded": "30000.00", "responsible": "50000.00"},
        {"partner": "ICB", "funded": "20000.00", "responsible": "0.00"},
    ],
}


def outcomes(capsys: pytest.CaptureFixture[str], db: str, *extra: str) -> dict[str, Any]:
    assert main(["report", "outcomes", "--pool", "ORP", "--year", "2026-27", "--db", db,
                 *extra]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_outcomes_report_live_as_at_and_rebuilt(
        db_url: str, scenario_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """R35 (and R22): each outcome element's price, count paid and remaining exposure, and who
    funded outcome payments for whose outcomes; as the ledger stood at a past time; and the
    same after every read model is rebuilt from the log."""
    apply(capsys, scenario_dir / f"{NAME}.jsonl", db_url)
    got = outcomes(capsys, db_url)
    assert (got["pool"], got["year"], got["as_at"]) == ("ORP", "2026-27", None)
    assert {k: got[k] for k in FINAL} == FINAL
    then = outcomes(capsys, db_url, "--as-at", "2026-10-01T12:00:00")
    assert {k: then[k] for k in AS_AT} == AS_AT
    assert main(["projections", "rebuild", "--db", db_url]) == 0
    capsys.readouterr()
    rebuilt = outcomes(capsys, db_url)
    assert {k: rebuilt[k] for k in FINAL} == FINAL


def test_outcomes_report_as_csv(
        db_url: str, scenario_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The CSV carries the JSON figures: a row per outcome element, then one per partner."""
    apply(capsys, scenario_dir / f"{NAME}.jsonl", db_url)
    assert main(["report", "outcomes", "--pool", "ORP", "--year", "2026-27", "--db", db_url,
                 "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("section,decision_id,element,measure,price,max_count,count_paid")
    assert lines[2] == ("outcome,OC-01,desistance,No proven reoffence within 12 months,4000.00,"
                        "20,1,4000.00,76000.00,,,")
    assert lines[-1] == "partner,,,,,,,,,ICB,21000.00,0.00"


def test_repository_copies_match_the_shared_scenario(scenario_dir: Path) -> None:
    """The tests' copies are byte for byte the shared scenario (where it is there to compare)."""
    copies = Path(__file__).parent / "data"
    for suffix in (".jsonl", ".errors.json", ".expected.json"):
        name = NAME + suffix
        assert (copies / name).read_bytes() == (scenario_dir / name).read_bytes()
