"""The worked scenario's board pack: figures from the ledger, wording, history read models."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pooledbudget.application import LedgerApplication
from pooledbudget.boardpack import board_pack, gather
from pooledbudget.boardpack.wording import flow_sentences, gbp, in_sentence
from pooledbudget.cli import main
from scenario_ledger import expected, module_scenario_dir, scenario_ledger

AS_AT = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ledger(scenario_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerApplication]:
    yield from scenario_ledger(scenario_dir, tmp_path_factory.mktemp("pack") / "ledger.db")


@pytest.fixture(scope="module")
def scenario_dir() -> Path:  # module scope: the shared fixture is function-scoped
    return module_scenario_dir()


@pytest.fixture(scope="module")
def want(scenario_dir: Path) -> dict[str, Any]:
    return expected(scenario_dir)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def test_pack_shows_the_final_figures_of_the_worked_scenario(
    ledger: LedgerApplication, want: dict[str, Any]
) -> None:
    """Forecast outturn, variance, RAG, every risk share and both cost-shift flows, as the
    expected figures say, formatted with £ and thousands separators."""
    text = text_of(board_pack(ledger, "FRP", "2026-27"))
    total = want["final"]["shares"][0]["total"]
    assert f"Forecast outturn {gbp(total['forecast'])}" in text
    assert "+£70,700.00 (8.84%)" in text and "Red" in text
    for amount in want["final"]["risk_share"][0]["allocation"].values():
        assert gbp(amount) in text
    assert "Risk share (closed)" in text
    assert "The substance misuse service carried £11,960.00 of adult social care's costs." in text
    assert "Adult social care carried £2,760.00 of the NHS integrated care board's costs." in text
    assert "01/10/2026 £200,000.00 → £250,000.00" in text  # CFS variation, dated
    assert "Non-recurrent winter funding added" in text


def test_pack_as_at_shows_the_ledger_as_it_then_stood(
    ledger: LedgerApplication, want: dict[str, Any]
) -> None:
    """R22: with --as-at the pack projects the risk share and shows that day's commitments."""
    text = text_of(board_pack(ledger, "FRP", "2026-27", AS_AT))
    then = want["as_at"]
    assert f"Commitments {gbp(then['shares'][0]['total']['committed'])}" in text
    assert "Risk share (projected)" in text
    for amount in then["risk_share"][0]["allocation"].values():
        assert gbp(amount) in text
    assert "carried £11,040.00 of adult social care's costs" in text
    assert "Jan 2027" not in text  # the trend stops at the as-at month


def test_monthly_trend_ends_at_the_reports_totals(ledger: LedgerApplication) -> None:
    """The history read model agrees with the shares report: spend to date and forecast at the
    last month equal the report's totals, live and as at (R19, R22)."""
    for as_at in (None, AS_AT):
        data = gather(ledger, "FRP", "2026-27", as_at)
        last = data.months[-1]
        assert last.spent_to_date == Decimal(data.shares.total.spent)
        assert last.forecast == Decimal(data.shares.total.forecast)
        assert last.budget == Decimal(data.shares.total.agreed)
        assert sum(m.spent_in_month for m in data.months) == last.spent_to_date


def test_rating_follows_the_tolerance(ledger: LedgerApplication) -> None:
    assert gather(ledger, "FRP", "2026-27").rating == "red"  # 8.84% over, tolerance 5%
    assert gather(ledger, "FRP", "2026-27", tolerance=Decimal(10)).rating == "amber"


def test_pack_is_self_contained(ledger: LedgerApplication) -> None:
    """No scripts, stylesheets, images or fonts from elsewhere; charts are inline SVG from
    matplotlib with their text kept as text."""
    html = board_pack(ledger, "FRP", "2026-27")
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "url(http" not in html and "<!DOCTYPE svg" not in html
    assert html.count("<svg") == 5 and "matplotlib" not in html.split("<svg")[0]
    assert "<text" in html  # svg.fonttype none: labels are text, not glyph paths


def test_partner_names_read_naturally_in_sentences() -> None:
    assert in_sentence("Substance Misuse Service (Public Health)") == "the substance misuse service"
    assert in_sentence("NHS Integrated Care Board") == "the NHS integrated care board"
    assert in_sentence("Adult Social Care") == "adult social care"
    assert in_sentence("Kent County Council") == "Kent County Council"
    names = {"A": "Probation Service", "B": "Children's Services"}
    assert flow_sentences({"B": {"A": "10.50"}}, names) == [
        "The probation service carried £10.50 of children's services' costs."]
    assert flow_sentences({}, names) == []


def test_demo_writes_the_board_pack_beside_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--db-file", str(tmp_path / "demo.db")]) == 0
    out = capsys.readouterr().out
    pack = tmp_path / "demo.html"
    assert pack.exists() and str(pack) in out
    assert "£11,960.00" in pack.read_text(encoding="utf-8")


def test_board_pack_command_writes_the_file(
    ledger: LedgerApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ledger.database is not None
    url = ledger.database.url
    out = tmp_path / "pack.html"
    assert main(["board-pack", "--pool", "FRP", "--year", "2026-27", "--db", url,
                 "--as-at", "2026-10-01T12:00:00", "--tolerance", "10", "-o", str(out)]) == 0
    assert "Risk share (projected)" in out.read_text(encoding="utf-8")
    assert main(["board-pack", "--pool", "FRP", "--year", "2026-27", "--db", url,
                 "--tolerance", "lots", "-o", str(out)]) == 2


def test_board_text_has_no_rule_numbers_and_reads_as_english(ledger: LedgerApplication) -> None:
    """Rule numbers appear only in the closing note; partners are named, not coded; "an
    overspend"; the signatory line says in words whether authority is verified."""
    html = board_pack(ledger, "FRP", "2026-27")
    board, note = html.split("How these figures are made</span>", 1)
    assert not re.search(r"\bR\d{1,2}\b", text_of(board)), re.findall(r".{30}\bR\d+\b", text_of(board))
    assert "(R20)" in text_of(note) and "docs/reference/rules.md" in note
    text = text_of(board)
    assert "The year's closed outturn is an overspend of £70,700.00" in text
    assert " a overspend" not in text and " a underspend" not in text
    assert not re.search(r'<th scope="row">(ASC|CFS|SMS|ICB)</th>', html)
    assert '<th scope="row">Adult Social Care</th>' in html
    assert "Authority to approve is" in text


def test_rating_has_its_word_not_only_its_colour(ledger: LedgerApplication) -> None:
    assert re.search(r'class="rag rag-red">Rating: Red<', board_pack(ledger, "FRP", "2026-27"))


def test_a_pool_without_outcomes_hears_nothing_of_them(ledger: LedgerApplication) -> None:
    """The worked scenario pays for no outcomes: no outcomes sheet, no exposure beside the
    forecast, no outcomes note (its figures are as before)."""
    html = board_pack(ledger, "FRP", "2026-27")
    assert not gather(ledger, "FRP", "2026-27").has_outcomes
    assert "Outcome payments" not in html and "not yet earned" not in html
    assert "outcomes-table" not in html and 'class="headline six"' not in html
