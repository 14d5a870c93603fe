"""The worked scenario's board pack in headless Chromium: it renders with no console errors and
no network requests, shows the key figures, and prints to exactly one A4 page per sheet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pooledbudget.boardpack import write_board_pack
from pooledbudget.boardpack.wording import gbp
from scenario_ledger import expected, scenario_ledger

from .browser import chromium

A4_HEIGHT_PX = 297 / 25.4 * 96


@pytest.fixture
def pack(scenario_dir: Path, tmp_path: Path) -> Iterator[Path]:
    for ledger in scenario_ledger(scenario_dir, tmp_path / "ledger.db"):
        yield write_board_pack(ledger, "FRP", "2026-27", tmp_path / "pack.html")


def test_board_pack_renders_offline_with_the_key_figures(
    pack: Path, scenario_dir: Path, tmp_path: Path
) -> None:
    want: dict[str, Any] = expected(scenario_dir)["final"]
    with chromium(viewport={"width": 900, "height": 1200}) as browser:
        page = browser.new_page()
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(pack.as_uri(), wait_until="networkidle")
        page.screenshot(path=str(tmp_path / "pack.png"), full_page=True)
        text = re.sub(r"\s+", " ", page.inner_text("body"))
        heights = page.eval_on_selector_all(".sheet", "els => els.map(e => e.scrollHeight)")
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)

    assert errors == []
    assert requests == [pack.as_uri()]  # the file itself, nothing else
    assert (tmp_path / "pack.png").stat().st_size > 10_000
    assert f"Forecast outturn {gbp(want['shares'][0]['total']['forecast'])}" in text
    for code, amount in want["risk_share"][0]["allocation"].items():
        assert re.search(rf"{code} [^£]*{re.escape(gbp(amount))}", text), code
    assert "The substance misuse service carried £11,960.00 of adult social care's costs." in text
    assert "Adult social care carried £2,760.00 of the NHS integrated care board's costs." in text
    # Every sheet fits an A4 page, and the printed PDF has one page per sheet.
    assert len(heights) == 4 and all(h <= A4_HEIGHT_PX + 1 for h in heights), heights
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == len(heights)
