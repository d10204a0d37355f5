"""In a real browser (issue 16 item 7, issue 17 item 2): the key pages load under the
Content-Security-Policy without a single violation or script error; a form's error summary takes
the focus and its link moves the focus to the field; the focus ring has at least 3:1 contrast
against the page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import transaction
from playwright.sync_api import expect

from eligibility.qualification.services import Context, requalify
from kaigo.staff.roles import Role
from tests.eligibility.factories import make_resident
from tests.factories import TEST_PASSWORD, StaffFactory

pytestmark = [pytest.mark.browser]


def sign_in(page, url, staff):
    page.goto(f"{url}/login/")
    page.get_by_label("ユーザー名").fill(staff.username)
    page.get_by_label("パスワード").fill(TEST_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("h1")).to_have_text("ホーム")


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_of_known_colours():
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert round(contrast((245, 166, 35), (255, 255, 255)), 1) == 2.0  # the former ring: too faint


@pytest.mark.django_db(transaction=True)
def test_key_pages_load_under_the_policy_without_violations(live_server, browser_page):
    resident = make_resident(name_kanji="画面 確認", name_kana="ガメン カクニン", birth_date=date(1950, 6, 15))
    with transaction.atomic():
        requalify([resident.pk], until=date(2026, 1, 1), context=Context(source="notification"))
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # the pages' own statuses are the crawl's business (and /no-such-page/ is a 404 on purpose);
    # here every static file must load
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if "/static/" in r.url and r.status >= 400
            else None)
    sign_in(page, live_server.url, StaffFactory(roles=[Role.WARD_CLERK]))
    for path in ("/", "/persons/", f"/persons/{resident.pk}/", f"/persons/{resident.pk}/qualification/",
                 f"/persons/{resident.pk}/premiums/", "/premiums/simulator/", "/no-such-page/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        assert page.title().endswith(" | 介護保険システム"), (path, page.title())
        if path == "/":  # htmx is loaded and configured by the meta tag, not by an inline style or script
            assert page.evaluate("window.htmx.config.includeIndicatorStyles") is False
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not [p for p in problems if "Failed to load resource" not in p], problems


@pytest.mark.django_db(transaction=True)
def test_the_error_summary_takes_the_focus_and_leads_to_the_field(live_server, browser_page):
    page = browser_page
    sign_in(page, live_server.url, StaffFactory(roles=[Role.WARD_CLERK]))
    page.goto(f"{live_server.url}/persons/")
    page.get_by_label("カナ姓").fill("ヤマダ")
    page.get_by_role("button", name="検索").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("入力内容を確認してください")
    # a field error: its link moves the focus to the field
    page.goto(f"{live_server.url}/persons/")
    page.get_by_label("カナ姓").fill("ヤマダ")
    page.get_by_label("生年月日").fill("2101-01-01")
    page.get_by_role("button", name="検索").click()
    expect(page.locator(".error-summary")).to_be_focused()
    page.locator(".error-summary a").first.click()
    expect(page.get_by_label("生年月日")).to_be_focused()


@pytest.mark.django_db(transaction=True)
def test_the_focus_ring_has_at_least_3_to_1_contrast(live_server, browser_page):
    page = browser_page
    sign_in(page, live_server.url, StaffFactory(roles=[Role.WARD_CLERK]))
    page.goto(f"{live_server.url}/persons/")
    page.keyboard.press("Tab")  # the skip link, then into the page
    for _ in range(12):
        page.keyboard.press("Tab")
        style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
            let bg = 'rgb(255, 255, 255)';
            for (let e = document.activeElement.parentElement; e; e = e.parentElement) {
              const c = getComputedStyle(e).backgroundColor;
              if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') { bg = c; break; } }
            return [s.outlineStyle, s.outlineWidth, s.outlineColor, bg, document.activeElement.tagName]; }""")
        outline_style, width, colour, background, tag = style
        assert outline_style != "none" and float(width.rstrip("px")) >= 2, style
        ring = tuple(int(x) for x in re.findall(r"\d+", colour)[:3])
        behind = tuple(int(x) for x in re.findall(r"\d+", background)[:3])
        assert contrast(ring, behind) >= 3, (tag, colour, background)
