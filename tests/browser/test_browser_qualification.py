"""End to end in a real browser: a ward clerk finds a person by kana name, opens the overview and
the qualification tab with the keyboard."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from playwright.sync_api import expect

from eligibility.qualification.services import Context, requalify
from kaigo.staff.roles import Organisation, Role
from tests.browser.keyboard import sign_in
from tests.eligibility.factories import make_resident
from tests.factories import StaffFactory

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_clerk_finds_a_person_and_reads_the_qualification_history_with_the_keyboard(live_server, browser_page):
    staff = StaffFactory(roles=[Role.WARD_CLERK], organisation=Organisation.NAKAHARA, display_name="窓口 次郎")
    resident = make_resident(name_kanji="資格 太郎", name_kana="シカク タロウ", birth_date=date(1950, 6, 15))
    with transaction.atomic():
        requalify([resident.pk], until=date(2026, 1, 1), context=Context(source="notification"))
    page = browser_page
    sign_in(page, live_server, staff.username)
    expect(page.locator("h1")).to_have_text("ホーム")

    page.goto(f"{live_server.url}/persons/")
    page.get_by_label("カナ氏名").focus()
    page.keyboard.type("ｼｶｸ ﾀﾛｳ")  # half-width, as typed at many counters
    page.keyboard.press("Enter")
    expect(page.get_by_text("検索結果（1件")).to_be_visible()
    page.get_by_role("link", name=str(resident.pk)).focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("資格 太郎")

    page.get_by_role("navigation", name="被保険者の画面").get_by_role("link", name="資格・履歴").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="現在の資格")).to_be_visible()
    first_row = page.locator("table.grid").nth(1).locator("tbody tr").first
    expect(first_row).to_contain_text("平成27（2015）年6月14日")
    expect(first_row).to_contain_text("02 年齢到達")
    expect(page.locator("#insured-number")).to_have_text(resident.insured_number.number)
