"""End to end in a real browser (issue 16 item 8): a ward clerk enters a 国外転出 by hand with the
keyboard, reads the confirmation (the loss day and reason) and saves it; the head office adds a
facility to the master and a 届出 names it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from playwright.sync_api import expect

from eligibility.codes import municipality_code
from eligibility.intake.models import ManualMove
from eligibility.qualification.models import Facility
from eligibility.qualification.services import Context, requalify
from kaigo.jinja2 import wareki
from kaigo.staff.roles import Organisation, Role
from tests.browser.keyboard import sign_in
from tests.eligibility.factories import make_resident
from tests.factories import StaffFactory

pytestmark = [pytest.mark.browser]


def signed_in(page, live_server, staff):
    sign_in(page, live_server, staff.username)
    expect(page.locator("h1")).to_have_text("ホーム")


@pytest.mark.django_db(transaction=True)
def test_a_clerk_enters_a_move_abroad_with_the_keyboard_and_confirms_it(live_server, browser_page):
    staff = StaffFactory(roles=[Role.WARD_CLERK], organisation=Organisation.NAKAHARA)
    resident = make_resident(name_kanji="転出 一郎", name_kana="テンシュツ イチロウ", birth_date=date(1950, 6, 15))
    with transaction.atomic():
        requalify([resident.pk], until=date.today(), context=Context(source="notification"))
    page = browser_page
    signed_in(page, live_server, staff)
    page.goto(f"{live_server.url}/persons/{resident.pk}/qualification/")
    page.get_by_role("link", name="転出・転居の手入力").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="転出・転居の手入力")).to_be_visible()

    moved_on = date.today() - timedelta(days=3)
    page.get_by_label("国外転出").focus()
    page.keyboard.press("Space")
    page.get_by_label("異動日（転出日・転居日）").fill(moved_on.isoformat())
    page.get_by_role("button", name="確認する").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="入力内容の確認（まだ記録していません）")).to_be_visible()
    expect(page.get_by_text("国外への転出は転出日の翌日に資格を喪失します")).to_be_visible()
    assert not ManualMove.objects.exists()

    page.get_by_role("button", name="この内容で記録する").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="現在の資格")).to_be_visible()
    loss = wareki(moved_on + timedelta(days=1))  # the periods show 和暦 with the Western year
    expect(page.locator("table.grid").nth(1).locator("tbody tr").last).to_contain_text("51 転出")
    assert ManualMove.objects.get().moved_on == moved_on
    assert page.content().count(loss) >= 1


@pytest.mark.django_db(transaction=True)
def test_the_head_office_adds_a_facility_and_sees_the_error_summary_first(live_server, browser_page):
    staff = StaffFactory(roles=[Role.HEAD_OFFICE_CLERK], organisation=Organisation.HEAD_OFFICE)
    page = browser_page
    signed_in(page, live_server, staff)
    page.goto(f"{live_server.url}/eligibility/facilities/new/")
    page.get_by_label("施設コード（住基の住所に記録される施設のコード。英大文字と数字10文字以内）").fill("FS77000001")
    page.get_by_label("施設名").fill("試験の特養")
    page.get_by_label("施設種別").select_option(label="介護老人福祉施設（特別養護老人ホーム・定員30人以上）")
    page.get_by_label("所在市町村コード（検査数字を含む6桁）").fill(municipality_code("14133"))
    page.get_by_role("button", name="登録する").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("介護保険施設は介護保険事業所番号を入力してください。")
    page.get_by_label("介護保険事業所番号（10桁。介護保険施設は必須）").fill("1471300011")
    page.get_by_role("button", name="登録する").click()
    expect(page.locator("h1")).to_have_text("試験の特養")
    assert Facility.objects.get(code="FS77000001").kind == "special"
