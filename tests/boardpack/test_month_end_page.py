"""The board pack's month-end page: the latest month ended by the pack's as-at, figures as the
month-end balances report gives them, and nothing the ledger learnt after the as-at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pooledbudget.application import LedgerApplication
from pooledbudget.boardpack import board_pack
from pooledbudget.boardpack.wording import gbp
from pooledbudget.reports.balances import latest_month_end, month_end_balances
from scenario_ledger import module_scenario_dir, scenario_ledger


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerApplication]:
    yield from scenario_ledger(module_scenario_dir(), tmp_path_factory.mktemp("me") / "l.db")


def page_of(html: str) -> str:
    """The month-end sheet's text alone."""
    sheet = re.search(r'<section class="sheet statement".*?</section>', html, re.S)
    assert sheet is not None
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", sheet.group(0))).replace("&#x27;", "'")


def test_latest_month_end_is_the_month_before_the_as_at() -> None:
    assert latest_month_end(datetime(2026, 10, 1, 12, tzinfo=UTC)) == "2026-09"
    assert latest_month_end(datetime(2026, 10, 1, tzinfo=UTC)) == "2026-09"
    assert latest_month_end(datetime(2027, 1, 31, 23, 59, tzinfo=UTC)) == "2026-12"


def test_page_shows_the_balances_report_at_the_latest_month_end(
        ledger: LedgerApplication) -> None:
    """Every partner's row on the page is the report's row for September, to the penny, and
    the page's check adds up: Σ balances = received − spent."""
    as_at = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    text = page_of(board_pack(ledger, "FRP", "2026-27", as_at))
    report = month_end_balances(ledger, "FRP", "2026-27", "2026-09", recorded_by=as_at)
    assert "Month-end position at 30 September 2026" in text
    names = {"ASC": "Adult Social Care", "CFS": "Children and Families Social Care"}
    for p in report.partners:
        figures = " ".join(gbp(v) for v in (p.agreed, p.received, p.funded))
        figures += " " + gbp(p.balance, sign=True)
        if p.partner in names:
            assert f"{names[p.partner]} {figures}" in text, p.partner
        else:
            assert figures in text, p.partner
    total = report.total
    assert Decimal(total.balance) == Decimal(total.received) - Decimal(total.funded)
    assert Decimal(total.funded) > 0  # the year has spend by September: the page is not empty
    assert (f"{gbp(total.received)} − {gbp(total.funded)} = "
            f"{gbp(total.balance, sign=True)}") in text


def test_a_receipt_recorded_after_the_as_at_is_left_out(ledger: LedgerApplication) -> None:
    """The worked year's first receipts are recorded on 1 April, dated 15 April: as the ledger
    stood between the first two, April's month end holds only the first."""
    between = datetime(2026, 4, 1, 9, 50, tzinfo=UTC)
    then = {p.partner: p.received for p in month_end_balances(
        ledger, "FRP", "2026-27", "2026-04", recorded_by=between).partners}
    now = {p.partner: p.received for p in month_end_balances(
        ledger, "FRP", "2026-27", "2026-04").partners}
    assert then["ASC"] == now["ASC"] == "75000.00"
    assert then["CFS"] == "0.00" and now["CFS"] == "50000.00"


def test_before_the_first_month_of_the_year_ends_the_page_says_so(
        ledger: LedgerApplication) -> None:
    text = page_of(board_pack(ledger, "FRP", "2026-27", datetime(2026, 4, 20, tzinfo=UTC)))
    assert "No month of 2026-27 had ended by the date of this pack" in text
    assert "£" not in text
