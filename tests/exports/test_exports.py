"""Exports for finance teams: the transparency CSV and the spend ledger with allocations."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pooledbudget.application import LedgerApplication
from pooledbudget.cli import main
from pooledbudget.exports import TRANSPARENCY_COLUMNS, ledger_csv, transparency_csv
from scenario_ledger import expected, module_scenario_dir, scenario_commands, scenario_ledger


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerApplication]:
    yield from scenario_ledger(module_scenario_dir(), tmp_path_factory.mktemp("x") / "ledger.db")


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_transparency_csv_has_the_codes_columns_and_no_case_reference(
    ledger: LedgerApplication,
) -> None:
    """2026-Q3 (1 July-30 September, by recording date): the Code's columns, dd/mm/yyyy dates,
    the supplier as beneficiary, reversals as negative lines, and no case reference anywhere."""
    text = transparency_csv(ledger, "FRP", "2026-Q3")
    assert next(csv.reader(io.StringIO(text))) == TRANSPARENCY_COLUMNS
    lines = rows(text)
    commands = scenario_commands(module_scenario_dir())
    recorded_q3 = {c["invoice_ref"]: c for c in commands if c["command"] == "RecordSpend"
                   and "2026-07-01" <= c["at"][:10] <= "2026-09-30"}
    spends = [r for r in lines if not r["Transaction number"].endswith("-REVERSAL")]
    assert {r["Transaction number"] for r in spends} == set(recorded_q3)
    for row in lines:
        assert re.fullmatch(r"\d\d/\d\d/2026", row["Date"])
        day, month, _ = map(int, row["Date"].split("/"))
        assert 7 <= month <= 9 and 1 <= day <= 31
    for row in spends:
        command = recorded_q3[row["Transaction number"]]
        assert row["Beneficiary"] == command.get("supplier", "Not recorded")
        assert Decimal(row["Net amount"]) == Decimal(command["amount"])
        assert row["Date"] == "/".join(reversed(command["at"][:10].split("-")))
    reversal = next(r for r in lines if r["Transaction number"] == "TEAM-Q2-REVERSAL")
    assert reversal["Net amount"] == "-105500.00" and reversal["Date"] == "30/09/2026"
    case_refs = {c["case_ref"] for c in commands if "case_ref" in c}
    assert case_refs and not any(ref in text for ref in case_refs)
    assert rows(transparency_csv(ledger, "FRP", "2027-Q3")) == []


def test_spend_ledger_allocations_sum_to_each_line(ledger: LedgerApplication) -> None:
    """R4/R15: on every line, Σ partners' funded = Σ responsible = the amount, to the penny;
    reversals appear negated; what is not reversed adds up to each partner's spend (R19)."""
    lines = rows(ledger_csv(ledger, "FRP", "2026-27"))
    codes = [k.removeprefix("funded_") for k in lines[0] if k.startswith("funded_")]
    assert codes == ["ASC", "CFS", "SMS", "ICB"]
    for line in lines:
        amount = Decimal(line["amount"])
        assert sum(Decimal(line[f"funded_{c}"]) for c in codes) == amount, line
        assert sum(Decimal(line[f"responsible_{c}"]) for c in codes) == amount, line
    kinds = {(line["invoice_ref"], line["kind"]): line for line in lines}
    assert kinds[("TEAM-Q2", "spend")]["reversed"] == "yes"
    assert kinds[("TEAM-Q2", "reversal")]["amount"] == "-105500.00"
    want: dict[str, Any] = expected(module_scenario_dir())["final"]["shares"][0]
    for partner in want["partners"]:
        net = sum(Decimal(line[f"funded_{partner['partner']}"]) for line in lines)
        assert net == Decimal(partner["spent"])


def test_export_commands_write_csv(
    ledger: LedgerApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ledger.database is not None
    db = ledger.database.url
    out = tmp_path / "t.csv"
    assert main(["export", "transparency", "--pool", "FRP", "--quarter", "2026-Q3", "--db", db,
                 "--sercop", "community-team=Adult Social Care - Substance misuse support",
                 "-o", str(out)]) == 0
    team = next(r for r in rows(out.read_text()) if r["Transaction number"] == "TEAM-Q2R")
    assert team["SeRCOP service"] == "Adult Social Care - Substance misuse support"
    assert main(["export", "ledger", "--pool", "FRP", "--year", "2026-27", "--db", db]) == 0
    assert capsys.readouterr().out.startswith("transaction,kind,invoice_ref")
    assert main(["export", "transparency", "--pool", "FRP", "--quarter", "2026Q3", "--db", db]) == 2
