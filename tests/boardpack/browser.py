"""Headless Debian Chromium driven by Playwright (no browser download: `executable_path`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, sync_playwright

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
