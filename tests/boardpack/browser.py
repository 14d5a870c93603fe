"""Headless Debian Chromium driven by Playwright (no browser download: `executable_path`), its
print to PDF read back with pypdf, and axe-core's accessibility check run in the page."""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright
from pypdf import PdfReader

CHROMIUM = os.environ.get("POOLEDBUDGET_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_chromium() -> str:
    """The Chromium binary; a missing one fails under CI (`CI` set) and skips elsewhere."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return CHROMIUM
    message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(message + "; under CI the browser tests must run")
    pytest.skip(message + " (never skipped under CI)")


@contextmanager
def chromium(**context: object) -> Iterator[BrowserContext]:
    """A fresh headless Chromium with its own throwaway profile (`--user-data-dir`, which
    Playwright takes as the persistent context's directory)."""
    executable = require_chromium()
    profile = tempfile.mkdtemp(prefix="pb-chromium-")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch_persistent_context(
                profile, executable_path=executable, headless=True, chromium_sandbox=False,
                args=FLAGS, **context)  # type: ignore[arg-type]
            try:
                yield browser
            finally:
                browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MM = 96 / 25.4  # CSS pixels per millimetre
PAGE_CONTENT = (297 - 14 - 15) * MM, (210 - 12 - 12) * MM  # the pack's @page margins


def require_axe() -> Path:
    """axe-core as `.ci/run` installs it (`npm ci --prefix tests/boardpack`); missing, the
    test fails under CI and skips elsewhere."""
    if AXE.exists():
        return AXE
    message = f"{AXE} is missing: run `npm ci --prefix tests/boardpack`"
    if os.environ.get("CI"):
        pytest.fail(message + "; under CI the accessibility check must run")
    pytest.skip(message + " (never skipped under CI)")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.0–2.2 levels A and AA on the page as loaded."""
    page.add_script_tag(content=require_axe().read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AA_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"][:3]]} for v in result["violations"]]


@dataclass(frozen=True)
class Printed:
    pages: list[str]  # each printed page's text, whitespace collapsed
    main_sizes: list[tuple[float, float, float]]  # each main sheet printed: height, width, scroll width
    sheet_titles: list[str]  # main sheets, then appendices, in order
    main_count: int
    statement_sizes: list[tuple[float, float, float]]  # the month-end page, printed
    seconds: float  # Chromium's print to PDF


def print_pack(page: Page) -> Printed:
    """The loaded pack printed to PDF by Chromium as a reader's print would (A4, its own CSS),
    read back with pypdf, and each main sheet measured as laid out for print."""
    started = time.perf_counter()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    seconds = time.perf_counter() - started
    viewport = page.viewport_size
    page.set_viewport_size({"width": int(PAGE_CONTENT[1]), "height": int(PAGE_CONTENT[0])})
    page.emulate_media(media="print")
    sizes = page.eval_on_selector_all(
        ".sheet.main", "els => els.map(e => [e.getBoundingClientRect().height, "
        "e.getBoundingClientRect().width, e.scrollWidth])")
    statement = page.eval_on_selector_all(
        ".sheet.statement", "els => els.map(e => [e.getBoundingClientRect().height, "
        "e.getBoundingClientRect().width, e.scrollWidth])")
    titles = page.eval_on_selector_all(
        ".sheet", "els => els.map(e => e.querySelector('header.running span:last-child').textContent)")
    page.emulate_media(media="screen")
    if viewport:
        page.set_viewport_size(viewport)
    reader = PdfReader(io.BytesIO(pdf))
    texts = [re.sub(r"\s+", " ", p.extract_text()) for p in reader.pages]
    return Printed(texts, [tuple(s) for s in sizes], titles, len(sizes),
                   [tuple(s) for s in statement], seconds)


def check_printed(printed: Printed) -> None:
    """Every page numbered right, every main sheet and the month-end page one page that nothing
    overflows."""
    total = len(printed.pages)
    for number, text in enumerate(printed.pages, start=1):
        assert f"Page {number} of {total}" in text, (number, text[-200:])
    height, width = PAGE_CONTENT
    assert len(printed.statement_sizes) == 1  # the month-end page follows the main sheets
    one_page = [*printed.main_sizes, *printed.statement_sizes]
    for i, (h, w, scroll) in enumerate(one_page):
        assert h <= height + 1 and scroll <= width + 1, (printed.sheet_titles[i], h, w, scroll)
    # each sheet starts its own page, so if one ran over, every later title would move on
    for number, title in enumerate(printed.sheet_titles[:printed.main_count + 2], start=1):
        assert title in printed.pages[number - 1], (number, title)
