"""Headless Chromium (Debian's `chromium` package) driven by Playwright; skipped without it."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connections

CHROMIUM = os.environ.get("KAIGO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a closed network: no background connections Chromium would try at start.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser_page(monkeypatch, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip("no Chromium: install Debian's package (apt-get install chromium) or set KAIGO_CHROMIUM")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
        browser.close()
        # Connections opened while Playwright's loop ran are not the test's usual one: close
        # them here, or the test database cannot be dropped at the end of the session.
        connections.close_all()
