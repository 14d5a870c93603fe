"""Finding 9: injection in outputs. Rich markup in user text prints as written in every table;
user text opening with `= + - @`, a tab or a carriage return is quoted in every CSV; amounts
never are.

Seen failing before the fix: a reason `[/bold]` crashed `history --format table` for the pool
from then on (rich's MarkupError), `[link=...]...[/link] [strike]...[/strike]` displayed as
something else, and a supplier `=HYPERLINK(...)` went unescaped into the CSV exports."""

from __future__ import annotations

import csv
import io

import pytest

from pooledbudget.csv_safety import safe_cell
from tests.hostile.support import cli, hostile_ledger

FORMULA = '=HYPERLINK("http://evil.example/pay","Pay")'
MARKUP_REASON = "[/bold] [strike]void[/strike]"
MARKUP_SUPPLIER = "[link=https://evil.example]Trust[/link]"


@pytest.fixture
def markup_db(db_url: str) -> str:
    hostile_ledger(db_url, supplier=MARKUP_SUPPLIER, reason=MARKUP_REASON, category="[bold]x")
    return db_url


@pytest.fixture
def formula_db(db_url: str) -> str:
    hostile_ledger(db_url, supplier=FORMULA, reason="+cmd|calc", category="@SUM(A1)")
    return db_url


def test_markup_in_a_reason_prints_as_written_in_the_history_table(
    markup_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "history", "--pool", "P", "--db", markup_db)
    assert code == 0, err
    assert MARKUP_REASON in out
    assert MARKUP_SUPPLIER in out


@pytest.mark.parametrize("kind", ["shares", "cost-shift", "risk-share", "approvals"])
def test_report_tables_print(markup_db: str, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    year = [] if kind == "approvals" else ["--year", "2026-27"]
    code, out, err = cli(capsys, "report", kind, "--pool", "P", *year, "--format", "table",
                         "--db", markup_db)
    assert code == 0 and err == "" and out


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_ledger_export_quotes_user_text_and_leaves_amounts(
    formula_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "export", "ledger", "--pool", "P", "--year", "2026-27",
                         "--db", formula_db)
    assert code == 0, err
    rows = {row["transaction"]: row for row in _rows(out)}
    assert rows["INV-1"]["supplier"] == "'" + FORMULA
    assert rows["INV-1"]["category"] == "'@SUM(A1)"
    assert rows["INV-2-REVERSAL"]["reason"] == "'+cmd|calc"
    assert rows["INV-2-REVERSAL"]["amount"] == "-40.00"
    assert rows["INV-2-REVERSAL"]["funded_ASC"] == "-20.00"
    assert not any(cell.startswith(("=", "+", "@")) for row in rows.values()
                   for cell in row.values())


def test_the_transparency_export_quotes_user_text_and_leaves_amounts(
    formula_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "export", "transparency", "--pool", "P", "--quarter", "2026-Q2",
                         "--db", formula_db)
    assert code == 0, err
    rows = {row["Transaction number"]: row for row in _rows(out)}
    assert rows["INV-1"]["Beneficiary"] == "'" + FORMULA
    assert rows["INV-1"]["Purpose of expenditure"] == "'@SUM(A1)"
    assert rows["INV-2-REVERSAL"]["Net amount"] == "-40.00"


def test_report_csv_amounts_are_never_quoted(
    formula_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "report", "cost-shift", "--pool", "P", "--year", "2026-27",
                       "--format", "csv", "--db", formula_db)
    assert code == 0 and "'" not in out


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+1", "@A1", "\tx", "\rx", "-", "=", "-x"])
def test_every_trigger_is_quoted(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-12.50", "0.00", "12", "-3", "Plain Ltd", "", "'=quoted"])
def test_numbers_and_plain_text_are_left(value: str) -> None:
    assert safe_cell(value) == value
