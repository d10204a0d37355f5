"""End to end in a real browser, with the keyboard only: a head-office clerk opens the rate tables,
drafts next period's table, types a wrong 基準額 (the error summary takes the focus and links to the
field), corrects it with full-width digits and saves; the table's page shows the new amounts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kaigo.staff.roles import Role
from premiums.models import PremiumRateTable
from premiums.rates.services import rate_table_draft
from premiums.rules import NATIONAL_STANDARD_FY2025_2026
from tests.browser.keyboard import sign_in
from tests.factories import StaffFactory

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_clerk_drafts_and_edits_a_rate_table_with_the_keyboard(live_server, browser_page):
    staff = StaffFactory(roles=[Role.HEAD_OFFICE_CLERK], display_name="本庁 花子")
    # the copy's source: the seeded national standard, unless an earlier test of the session with
    # transaction=True has emptied the tables (then the same table, drafted again)
    if not PremiumRateTable.objects.exists():
        rate_table_draft(actor=staff, valid_from=2025, valid_to=2026, name="国の標準段階",
                         data=NATIONAL_STANDARD_FY2025_2026)
    page = browser_page
    sign_in(page, live_server, staff.username)
    expect(page.locator("h1")).to_have_text("ホーム")

    page.get_by_role("link", name="保険料率表", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("保険料率表")
    page.get_by_role("link", name="新しい年度の保険料率表（案）を作成する").focus()
    page.keyboard.press("Enter")

    page.get_by_label("名称").focus()
    page.keyboard.type("第10期（案）")
    page.keyboard.press("Tab")
    page.keyboard.type("２０２７")  # full-width digits, as an IME in full-width mode types them
    page.keyboard.press("Tab")
    page.keyboard.type("2029")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("保険料率表（案）の変更")

    base = page.get_by_label("基準額（年額）")
    base.focus()
    base.fill("")
    page.keyboard.type("八万円")
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("基準額（年額）は数字（円）で入力してください。")
    summary.get_by_role("link").first.focus()
    page.keyboard.press("Enter")
    expect(base).to_be_focused()
    base.fill("")
    page.keyboard.type("８０，０００")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_contain_text("保険料率表「第10期（案）」")
    expect(page.get_by_role("row", name="基準額（年額）")).to_contain_text("80,000円")
    stage5 = page.locator('table[aria-labelledby="stages"] tbody tr').nth(4)
    expect(stage5).to_contain_text("第5段階")
    expect(stage5).to_contain_text("80,000円")  # 80,000 × 1.0
    table = PremiumRateTable.objects.get(name="第10期（案）")
    assert (table.valid_from, table.valid_to, table.base_amount, table.status) == (2027, 2029, 80_000, "draft")
