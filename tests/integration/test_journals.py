"""Journals per partner and month: balanced, the year's expenditure equal to the cost-shift
report's `funded`, reversals mirroring their spends, and a mapping that changes only codes."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from pooledbudget import reports
from pooledbudget.application import LedgerApplication
from pooledbudget.cli import main
from pooledbudget.journal_mapping import JournalMapping, MappingError
from pooledbudget.journals import COLUMNS, JournalLine, journals, journals_csv
from pooledbudget.months import MonthError

from .conftest import months

YEAR = "2026-27"
MAPPING_TOML = """
[default]
cost_centre = "POOL"
accounts = { expenditure = "5000", host_creditor = "2100", bank = "1000", contribution = "4900" }

[categories.family-residential-rehab]
accounts = { expenditure = "5210" }

[partners.ICB]
cost_centre = "S75-FRP"
accounts = { expenditure = "E7100", host_creditor = "C2200" }

[partners.ICB.categories.community-team]
accounts = { expenditure = "E7300" }
cost_centre = "S75-TEAM"
"""


def every_month(ledger: LedgerApplication, mapping: JournalMapping | None = None
                ) -> dict[str, list[JournalLine]]:
    return {month: journals(ledger, "FRP", month, mapping) for month in months()}


def test_each_partners_lines_balance_in_every_month(scenario: LedgerApplication) -> None:
    """Every journal is two lines, one debit and one credit of the same amount; so each
    partner's lines balance in every month; the counter-entry is the host's bank or a
    partner's host_creditor."""
    found = every_month(scenario)
    assert sum(len(lines) for lines in found.values()) > 100
    for month, lines in found.items():
        by_journal: dict[str, list[JournalLine]] = defaultdict(list)
        by_partner: dict[str, Decimal] = defaultdict(Decimal)
        for line in lines:
            assert (line.debit == 0) != (line.credit == 0), line
            assert line.posting_date.isoformat()[:7] == month
            by_journal[line.journal_id].append(line)
            by_partner[line.partner] += line.debit - line.credit
        assert all(value == 0 for value in by_partner.values()), (month, by_partner)
        for journal_id, pair in by_journal.items():
            assert len(pair) == 2 and sum(x.debit for x in pair) == sum(x.credit for x in pair)
            assert len({(x.partner, x.period, x.source) for x in pair}) == 1, journal_id
            counter = "bank" if pair[0].partner == "ASC" else "host_creditor"
            assert {x.line_type for x in pair} <= {"expenditure", "contribution", counter}


def test_a_years_expenditure_equals_the_cost_shift_reports_funded_to_the_penny(
        scenario: LedgerApplication) -> None:
    funded: dict[str, Decimal] = defaultdict(Decimal)
    for lines in every_month(scenario).values():
        for line in lines:
            if line.line_type == "expenditure" and line.period == YEAR:
                funded[line.partner] += line.debit - line.credit
    report = reports.cost_shift(scenario, "FRP", YEAR)
    assert {code: str(value) for code, value in funded.items()} == {
        code: amount for code, amount in report.funded.items() if Decimal(amount)}


def test_a_reversal_reverses_its_spends_lines(scenario: LedgerApplication) -> None:
    lines = [line for month in every_month(scenario).values() for line in month]
    reversals = [line for line in lines if line.source.startswith("reversal:")]
    assert reversals
    for line in reversals:
        ref = line.source.split(":", 1)[1]
        original = [x for x in lines if x.source == f"spend:{ref}" and x.partner == line.partner
                    and x.line_type == line.line_type]
        assert len(original) == 1
        o = original[0]
        assert (o.debit, o.credit) == (line.credit, line.debit)
        assert (o.account, o.cost_centre, o.period) == (line.account, line.cost_centre,
                                                        line.period)
        assert line.journal_id != o.journal_id


def test_contributions_received_are_journalled_when_recorded(
        scenario: LedgerApplication) -> None:
    april = journals(scenario, "FRP", "2026-04")
    cash = [x for x in april if x.line_type == "contribution"]
    assert {x.partner: x.credit for x in cash} == {
        "ASC": Decimal("75000.00"), "CFS": Decimal("50000.00"), "SMS": Decimal("37500.00"),
        "ICB": Decimal("25000.00")}
    host = [x for x in april if x.source == "receipt:RCPT-Q1-ASC"]
    assert [(x.line_type, x.debit) for x in host] == [("bank", Decimal("75000.00")),
                                                       ("contribution", Decimal("0.00"))]


def test_a_mapping_changes_accounts_and_cost_centres_and_nothing_else(
        scenario: LedgerApplication, tmp_path: Path) -> None:
    path = tmp_path / "codes.toml"
    path.write_text(MAPPING_TOML, encoding="utf-8")
    mapping = JournalMapping.load(path)
    plain, mapped = every_month(scenario), every_month(scenario, mapping)
    changed = 0
    for month in plain:
        assert len(plain[month]) == len(mapped[month])
        for a, b in zip(plain[month], mapped[month], strict=True):
            keep = [c for c in COLUMNS if c not in ("account", "cost_centre")]
            assert [getattr(a, c) for c in keep] == [getattr(b, c) for c in keep]
            changed += (a.account, a.cost_centre) != (b.account, b.cost_centre)
    assert changed == sum(len(lines) for lines in plain.values())
    lines = [line for month in mapped.values() for line in month]

    def codes(partner: str, line_type: str, description: str) -> set[tuple[str, str]]:
        return {(x.account, x.cost_centre) for x in lines if x.partner == partner
                and x.line_type == line_type and description in x.description}

    assert codes("ICB", "expenditure", "(community-team)") == {("E7300", "S75-TEAM")}
    assert codes("ICB", "expenditure", "(family-residential-rehab)") == {("E7100", "S75-FRP")}
    assert codes("ICB", "host_creditor", "(family-residential-rehab)") == {("C2200", "S75-FRP")}
    assert codes("CFS", "expenditure", "(family-residential-rehab)") == {("5210", "POOL")}
    assert codes("CFS", "expenditure", "(community-team)") == {("5000", "POOL")}
    assert codes("ASC", "bank", "Contribution") == {("1000", "POOL")}
    as_json = tmp_path / "codes.json"
    as_json.write_text(json.dumps(_toml_as_dict()), encoding="utf-8")
    assert every_month(scenario, JournalMapping.load(as_json)) == mapped


def _toml_as_dict() -> dict[str, object]:
    import tomllib

    return tomllib.loads(MAPPING_TOML)


@pytest.mark.parametrize(("data", "field"), [
    ({"partners": {"XYZ": {"cost_centre": "X"}}}, "partners.XYZ"),
    ({"default": {"acounts": {}}}, "default.acounts"),
    ({"default": {"accounts": {"expense": "5000"}}}, "default.accounts.expense"),
    ({"categories": {"c": {"accounts": {"bank": "=HYPERLINK(1)"}}}}, "categories.c.accounts.bank"),
    ({"partners": {"ICB": {"cost_centre": 7}}}, "partners.ICB.cost_centre"),
    ({"colours": {}}, "mapping.colours"),
])
def test_a_mapping_that_cannot_be_used_is_refused_naming_the_setting(
        scenario: LedgerApplication, data: dict[str, object], field: str) -> None:
    with pytest.raises(MappingError) as info:
        journals(scenario, "FRP", "2026-06", JournalMapping.from_dict(data))
    assert info.value.field == field and info.value.code == "invalid_mapping"


def test_an_unreadable_mapping_file_or_month_is_refused(tmp_path: Path,
                                                        scenario: LedgerApplication) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[default\n", encoding="utf-8")
    with pytest.raises(MappingError, match="not valid TOML"):
        JournalMapping.load(bad)
    with pytest.raises(MappingError, match="cannot read"):
        JournalMapping.load(tmp_path / "missing.json")
    for month in ("2026-13", "2026-7", "July"):
        with pytest.raises(MonthError):
            journals(scenario, "FRP", month)


def test_export_journals_cli_writes_the_csv(scenario: LedgerApplication, tmp_path: Path) -> None:
    url = scenario.database.url if scenario.database else ""
    mapping = tmp_path / "codes.toml"
    mapping.write_text(MAPPING_TOML, encoding="utf-8")
    out = tmp_path / "june.csv"
    assert main(["export", "journals", "--pool", "FRP", "--month", "2026-06", "--mapping",
                 str(mapping), "-o", str(out), "--db", url]) == 0
    text = out.read_text(encoding="utf-8")
    assert text == journals_csv(scenario, "FRP", "2026-06", JournalMapping.load(mapping))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == COLUMNS and len(rows) == len(journals(scenario, "FRP", "2026-06"))
