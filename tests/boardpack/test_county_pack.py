"""The board pack of a county-sized year (300 placements, about 13,000 lines), on SQLite and
PostgreSQL, live and as at mid-year, printed to PDF by Chromium and read back.

The year is the benchmarks' generator's (`county.py`), built once per backend for the module
(applying it takes 20-60 s, most of this file's time). What a board and an auditor need: at most
six main pages, each one page that nothing overflows; every decision of the year in the printed
text; every page numbered "Page i of N" with N the printed page count; the headline figures the
reports' own; a main table's shown rows and its "others" row adding up to its total.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import pg_schema_url
from pooledbudget import reports
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.boardpack import gather, write_board_pack
from pooledbudget.boardpack.wording import gbp

from .browser import check_printed, chromium, print_pack
from .county import POOL, YEAR, County, build

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def county(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[LedgerApplication, County]]:
    if request.param == "sqlite":
        ledger = open_ledger(f"sqlite:///{tmp_path_factory.mktemp('county') / 'ledger.db'}")
        try:
            yield ledger, build(ledger)
        finally:
            ledger.close()
        return
    with pg_schema_url(request) as url:
        ledger = open_ledger(url)
        try:
            yield ledger, build(ledger)
        finally:
            ledger.close()


def _money(text: str) -> Decimal:
    return Decimal(text.replace("£", "").replace(",", "").replace("−", "-"))


@pytest.mark.parametrize("when", ["live", "as-at"])
def test_county_pack_prints_every_decision_on_numbered_pages(
    county: tuple[LedgerApplication, County], when: str, tmp_path: Path
) -> None:
    ledger, year = county
    as_at: datetime | None = year.as_at if when == "as-at" else None
    started = time.perf_counter()
    pack = write_board_pack(ledger, POOL, YEAR, tmp_path / "pack.html", as_at)
    rendered = time.perf_counter() - started
    with chromium(viewport={"width": 900, "height": 1200}) as browser:
        page = browser.new_page()
        page.goto(pack.as_uri())
        printed = print_pack(page)
        spent_cells = page.eval_on_selector_all(
            "#decisions-table tbody tr", "rows => rows.map(r => r.cells[4].textContent)")
        total_spent = page.inner_text("#decisions-table tfoot tr th:nth-child(5)")
    TIMINGS[f"{when} render"] = rendered
    print(f"\ncounty pack {when}: rendered in {rendered:.1f} s, printed in {printed.seconds:.1f} s, "
          f"{len(printed.pages)} pages ({printed.main_count} main)")

    check_printed(printed)
    assert printed.main_count <= 6
    assert printed.sheet_titles[printed.main_count].startswith("Month-end position at ")
    assert printed.sheet_titles[printed.main_count + 1].startswith("Appendix A")
    text = " ".join(printed.pages)
    # Every decision of the year as the ledger then stood is in the printed text.
    ids = [d.decision_id for d in gather(ledger, POOL, YEAR, as_at).decisions]
    assert sorted(ids) == year.decision_ids if when == "live" else 100 < len(ids) <= len(year.decision_ids)
    missing = [d for d in ids if not re.search(rf"\b{d}\b", text)]
    assert missing == [], missing[:10]
    # The headline figures are the reports' own, as at the same time.
    total = reports.shares(ledger, POOL, YEAR, as_at).total
    first = printed.pages[0]
    for label, amount in [("Budget (agreed contributions)", total.agreed),
                          ("Spend to date", total.spent), ("Commitments", total.committed),
                          ("Forecast outturn", total.forecast)]:
        assert f"{label} {gbp(amount)}" in first, label
    # The main table's rows, with its "others" row, add up to its total, the reports' spend.
    assert sum(_money(c) for c in spent_cells) == _money(total_spent) == Decimal(total.spent)
    assert len(spent_cells) <= 21  # 15 largest, 5 awaiting approval, the others
    assert re.search(r"\d+ other decisions", text)
