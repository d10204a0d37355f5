"""End to end in a real browser (issue 16 item 8): a head-office clerk asks for a new account with
the keyboard; a section chief signs in with the second factor, decides it after ticking the
confirmation, and is shown the temporary password once; the new account signs in with it and is
sent to choose its own password."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kaigo.staff.models import AccountRequest, Staff
from kaigo.staff.roles import Organisation, Role
from tests.browser.keyboard import sign_in
from tests.factories import StaffFactory
from tests.staff.helpers import add_device, totp_code

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_a_clerk_asks_a_chief_decides_and_the_new_account_signs_in(live_server, browser_page):
    clerk = StaffFactory(roles=[Role.HEAD_OFFICE_CLERK], organisation=Organisation.HEAD_OFFICE)
    chief = StaffFactory(roles=[Role.SECTION_CHIEF], organisation=Organisation.HEAD_OFFICE)
    device = add_device(chief)
    page = browser_page

    sign_in(page, live_server, clerk.username)
    expect(page.locator("h1")).to_have_text("ホーム")
    page.get_by_role("link", name="職員アカウントの申請").first.focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="アカウントの作成を申請する").focus()
    page.keyboard.press("Enter")
    page.get_by_label("職員番号（ログインに使います）").focus()
    page.keyboard.type("k300001")
    page.keyboard.press("Tab")
    page.keyboard.type("試験 三郎")
    page.get_by_label("所属").select_option(label="中原区役所")
    page.get_by_label("付与する役割").select_option(label="区役所窓口担当")
    page.get_by_label("申請の理由").focus()
    page.keyboard.type("4月1日付 採用")
    page.keyboard.press("Enter")
    expect(page.get_by_text("アカウントの作成を申請しました。")).to_be_visible()
    request = AccountRequest.objects.get()
    page.get_by_role("button", name="ログアウト").click()

    sign_in(page, live_server, chief.username)
    page.get_by_label("確認コード（6桁）").fill(totp_code(device))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("ホーム")
    page.goto(f"{live_server.url}/staff/requests/{request.pk}/")
    page.get_by_label("承認する").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="決定する").click()
    expect(page.locator(".error-summary")).to_contain_text("確認の欄にチェックしてください")
    assert not Staff.objects.filter(username="k300001").exists()
    page.get_by_label("承認する").check()
    page.get_by_label("申請の内容を確認しました（決定は取り消せません）").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="決定する").click()
    expect(page.locator("h1")).to_have_text("申請を承認し、アカウントを作成しました")
    temporary = page.locator(".temporary-password code").inner_text()
    page.get_by_role("button", name="ログアウト").click()

    sign_in(page, live_server, "k300001", temporary)
    expect(page.get_by_label("新しいパスワード", exact=True)).to_be_visible()
