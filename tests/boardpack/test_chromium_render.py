"""The worked scenario's board pack in headless Chromium: it renders with no console errors and
no network requests, shows the key figures, passes axe-core's WCAG 2.2 A and AA checks, and
prints one page per main sheet, every page numbered "Page i of N"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pooledbudget.boardpack import write_board_pack
from pooledbudget.boardpack.wording import gbp
from scenario_ledger import expected, scenario_ledger

from .browser import axe_violations, check_printed, chromium, print_pack

NAMES = {"ASC": "Adult Social Care", "CFS": "Children and Families Social Care",
         "SMS": "Substance Misuse Service", "ICB": "NHS Integrated Care Board"}


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
        printed = print_pack(page)
        violations = axe_violations(page)

    assert errors == []
    assert requests == [pack.as_uri()]  # the file itself, nothing else
    assert (tmp_path / "pack.png").stat().st_size > 10_000
    assert f"Forecast outturn {gbp(want['shares'][0]['total']['forecast'])}" in text
    for code, amount in want["risk_share"][0]["allocation"].items():
        name = next(n for c, n in NAMES.items() if c == code)
        assert re.search(rf"{name}[^£]*{re.escape(gbp(amount))}", text), code
    assert "The substance misuse service carried £11,960.00 of adult social care's costs." in text
    assert "Adult social care carried £2,760.00 of the NHS integrated care board's costs." in text
    assert violations == []
    # Five main sheets of one page each, the month-end position, the sign-offs in full, the
    # closing note; every page numbered.
    assert printed.main_count == 5
    check_printed(printed)
    assert printed.sheet_titles[5].startswith("Month-end position at ")  # the month before now
    assert printed.sheet_titles[6:] == ["Appendix A: Sign-offs this year", "How these figures are made"]
    assert len(printed.pages) == 8
    assert "The host holds" in text or "owes the host" in text


def test_the_accessibility_check_finds_what_it_should() -> None:
    """The checker is live: a page without a language, an image without text and grey-on-grey
    text are three violations."""
    with chromium() as browser:
        page = browser.new_page()
        page.set_content('<html><body><main><h1>Pack</h1><img src="data:,">'
                         '<p style="color:#bbb;background:#fff">faint</p></main></body></html>')
        found = {v["id"] for v in axe_violations(page)}
    assert {"html-has-lang", "image-alt", "color-contrast"} <= found
