"""The board pack of a pool that pays for outcomes (the outcomes scenario, applied through the
CLI with command times): the outcomes sheet's figures are the outcomes report's, the exposure
beside the forecast is the shares report's contingent total, live and as at; the words are a
board's; at scale the sheet shows the outcomes that matter and one row for the rest; printed in
Chromium it passes the accessibility check on pages numbered right.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pooledbudget import reports
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.boardpack import board_pack, gather, render, write_board_pack
from pooledbudget.boardpack.listing import Appendices
from pooledbudget.boardpack.outcomes import TOP_OUTCOMES, section
from pooledbudget.boardpack.wording import gbp
from pooledbudget.cli import build_parser, main
from pooledbudget.reports.models import OutcomeLine

from .browser import axe_violations, check_printed, chromium, print_pack

POOL, YEAR = "ORP", "2026-27"
AS_AT = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)  # before the reversal, the variation and OC-02
NAMES = {"PROB": "Probation Service", "SMS": "Substance Misuse Service",
         "ICB": "NHS Integrated Care Board"}
SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "data" / "outcomes_pool.jsonl"


def future_flag() -> list[str]:
    """The scenario's year may run past today: where `apply` checks for that, it is allowed."""
    [sub] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    flags = {o for a in sub.choices["apply"]._actions for o in a.option_strings}
    return ["--allow-future-times"] if "--allow-future-times" in flags else []


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerApplication]:
    url = f"sqlite:///{tmp_path_factory.mktemp('outcomes-pack') / 'ledger.db'}"
    assert main(["apply", str(SCENARIO), "--db", url, "--use-command-time", *future_flag()]) == 1
    ledger = open_ledger(url)
    try:
        yield ledger
    finally:
        ledger.close()


def text_of(html: str) -> str:
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def table_rows(html: str, ident: str) -> list[list[str]]:
    """The cells' text of each body and foot row of the table `ident`."""
    table = html.split(f'id="{ident}"', 1)[1].split("</table>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("</thead>", 1)[1])]


@pytest.mark.parametrize("as_at", [None, AS_AT], ids=["live", "as-at"])
def test_outcomes_sheet_shows_the_outcomes_reports_figures(
    ledger: LedgerApplication, as_at: datetime | None
) -> None:
    """Each outcome element's measure, price, count paid of its maximum, paid, maximum amount
    and what could still be paid are the outcomes report's; the total still payable and the
    summary's exposure are the shares report's contingent total, kept out of the forecast."""
    html = board_pack(ledger, POOL, YEAR, as_at)
    report = reports.outcomes(ledger, POOL, YEAR, as_at)
    shares = reports.shares(ledger, POOL, YEAR, as_at)
    assert report.outcomes and Decimal(shares.total.contingent) > 0
    rows = table_rows(html, "outcomes-table")
    assert rows[:-1] == [
        [o.decision_id, o.measure, gbp(o.price), f"{o.count_paid} of {o.max_count}", gbp(o.paid),
         gbp(Decimal(o.price) * o.max_count), gbp(o.remaining)] for o in report.outcomes]
    paid = sum((Decimal(o.paid) for o in report.outcomes), Decimal(0))
    assert rows[-1] == ["Total", "", "", "", gbp(paid),
                        gbp(sum((Decimal(o.price) * o.max_count for o in report.outcomes),
                                Decimal(0))),
                        gbp(shares.total.contingent)]
    text = text_of(html)
    exposure = gbp(shares.total.contingent)
    assert f"Outcome payments not yet earned (not in the forecast) up to {exposure}" in text
    assert f"Outcome payments not yet earned could cost up to {exposure} more" in text
    assert f"Forecast outturn {gbp(shares.total.forecast)}" in text  # the forecast is unchanged
    for p in shares.partners:
        assert f"{NAMES[p.partner]} up to {gbp(p.contingent)}" in text
    # One sentence per partner: what it paid towards outcome payments against its own outcomes.
    sentences = re.findall(r"<ul class=flows>(.*?)</ul>", html.split("Who paid for whose", 1)[1])[0]
    said = [text_of(s).strip() for s in re.findall(r"<li>(.*?)</li>", sentences)]
    assert len(said) == len(report.partners) == 3
    for line, p in zip(said, report.partners, strict=True):
        if not Decimal(p.funded) and not Decimal(p.responsible):  # as at: nothing yet
            assert line == f"The {NAMES[p.partner].lower()} paid nothing towards outcome " \
                           "payments, and none were for its outcomes."
            continue
        assert line.lower().startswith(f"the {NAMES[p.partner].lower()} paid {gbp(p.funded)}")
        gap = Decimal(p.funded) - Decimal(p.responsible)
        if gap:
            assert f"{gbp(abs(gap))} {'more' if gap > 0 else 'less'} than its own outcomes cost " \
                   f"({gbp(p.responsible)})" in line


def test_live_partner_sentences_read_as_the_scenario_worked_by_hand(
    ledger: LedgerApplication
) -> None:
    """The NHS board funded £21,000 of outcomes that were others' (it is responsible for none);
    the substance misuse service's completions were £50,000, of which it paid £31,000."""
    text = text_of(board_pack(ledger, POOL, YEAR))
    assert ("The NHS integrated care board paid £21,000.00 towards outcome payments, £21,000.00 "
            "more than its own outcomes cost (£0.00): £21,000.00 went to outcomes that were "
            "other partners' responsibility.") in text
    assert ("The substance misuse service paid £31,000.00 towards outcome payments, £19,000.00 "
            "less than its own outcomes cost (£50,000.00)") in text
    assert "20 of 20" in text and "1 of 20" in text


def test_outcome_words_are_a_boards(ledger: LedgerApplication) -> None:
    """No rule numbers or partner codes in board text; the rules behind outcome figures are
    named only in the closing note."""
    html = board_pack(ledger, POOL, YEAR)
    board, note = html.split("How these figures are made</span>", 1)
    board_text = text_of(board)
    assert not re.search(r"\bR\d{1,2}\b", board_text), re.findall(r".{30}\bR\d+\b", board_text)
    assert not re.search(r"\b(PROB|SMS|ICB)\b", board_text), re.findall(
        r".{30}\b(?:PROB|SMS|ICB)\b", board_text)
    assert "(R32–R35)" in text_of(note)
    assert " a outcome" not in board_text and " a exposure" not in board_text


def many_outcomes(count: int) -> list[OutcomeLine]:
    """`count` outcome elements of varied sizes, on long measures (a county's outcomes contract)."""
    return [OutcomeLine(decision_id=f"X-{i:03d}", element=f"e{i}",
                        measure=f"Measure {i}: in settled accommodation for six months after release",
                        price=f"{100 * (1 + i % 7)}.00", max_count=10, count_paid=i % 10,
                        paid=str(Decimal(100 * (1 + i % 7) * (i % 10))),
                        remaining=str(Decimal(100 * (1 + i % 7) * (10 - i % 10))))
            for i in range(count)]


def test_many_outcomes_show_the_largest_and_add_up_the_rest(ledger: LedgerApplication) -> None:
    """With more outcomes than a sheet shows: the largest by paid and still payable, one
    "N other outcomes" row adding up the rest, totals unchanged, every outcome in the appendix."""
    data = gather(ledger, POOL, YEAR)
    assert data.outcomes is not None
    many = many_outcomes(25)
    data = replace(data, outcomes=data.outcomes.model_copy(update={"outcomes": many}))
    appendices = Appendices()
    html = section(data, appendices)
    rows = table_rows(html, "outcomes-table")
    assert len(rows) == TOP_OUTCOMES + 2  # the shown, the others, the total
    others, total = rows[-2], rows[-1]
    size = {o.decision_id: Decimal(o.paid) + Decimal(o.remaining) for o in many}
    largest = sorted(size, key=lambda d: (-size[d], d))[:TOP_OUTCOMES]
    assert [r[0] for r in rows[:TOP_OUTCOMES]] == largest
    assert others[0].startswith(f"{25 - TOP_OUTCOMES} other outcomes")

    def money(cell: str) -> Decimal:
        return Decimal(cell.replace("£", "").replace(",", ""))

    for column in (4, 5, 6):
        assert sum(money(r[column]) for r in rows[:-1]) == money(total[column])
    assert money(total[4]) == sum(Decimal(o.paid) for o in many)
    assert money(total[6]) == sum(Decimal(o.remaining) for o in many)
    [(anchor, title, body)] = appendices.sheets()
    assert anchor == "all-outcomes" and title == "Appendix A: Outcome payments by outcome"
    assert all(f">{o.decision_id}<" in body for o in many)


def test_outcomes_pack_prints_and_passes_the_accessibility_check(
    ledger: LedgerApplication, tmp_path: Path
) -> None:
    """Six main sheets (the outcomes sheet added), each one page; every page numbered; no
    WCAG 2.2 A or AA violation."""
    pack = write_board_pack(ledger, POOL, YEAR, tmp_path / "pack.html")
    with chromium(viewport={"width": 900, "height": 1200}) as browser:
        page = browser.new_page()
        page.goto(pack.as_uri())
        printed = print_pack(page)
        violations = axe_violations(page)
    assert violations == []
    check_printed(printed)
    assert printed.main_count == 6
    assert printed.sheet_titles[4] == "Outcome payments"
    assert "Outcome payments not yet earned could cost up to £76,000.00" in printed.pages[0]


def test_a_county_sized_outcomes_list_prints_on_one_sheet_and_in_full_in_the_appendix(
    ledger: LedgerApplication, tmp_path: Path
) -> None:
    """120 outcomes (long measures): the outcomes sheet is still one page showing the 10 that
    matter and the others' row; the appendix prints all 120, pages numbered, no violation."""
    data = gather(ledger, POOL, YEAR)
    assert data.outcomes is not None
    many = many_outcomes(120)
    pack = tmp_path / "many.html"
    pack.write_text(render(replace(data, outcomes=data.outcomes.model_copy(
        update={"outcomes": many}))), encoding="utf-8")
    with chromium(viewport={"width": 900, "height": 1200}) as browser:
        page = browser.new_page()
        page.goto(pack.as_uri())
        printed = print_pack(page)
        violations = axe_violations(page)
    assert violations == []
    check_printed(printed)
    assert printed.main_count == 6 and printed.sheet_titles[4] == "Outcome payments"
    assert "110 other outcomes" in printed.pages[4]
    assert printed.sheet_titles[6].startswith("Month-end position at ")
    assert printed.sheet_titles[7] == "Appendix A: Outcome payments by outcome"
    text = " ".join(printed.pages[6:])
    assert [o.decision_id for o in many if not re.search(rf"\b{o.decision_id}\b", text)] == []
