"""A new application for certification walked with the keyboard in headless Chromium (issue 18
item 10): a certification clerk finds the person, opens the 認定 tab, starts a new application,
sends it once with a mistake (the error summary takes the focus), then fills it and sends it, and
registers a paper that arrived on the case page.

Each step is a function taking the page, so that the walk can go on to the later stages (survey,
opinion, primary assessment, board, decision) with steps of their own."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certification.cases.models import Case, ReceivedPaper
from kaigo.jinja2 import wareki
from kaigo.staff.roles import Organisation, Role
from tests.browser.keyboard import sign_in
from tests.certification.factories import make_insured
from tests.factories import StaffFactory

pytestmark = [pytest.mark.browser]


def press_on(locator, key: str = "Enter") -> None:
    """Move the focus to an element and press a key there (Enter on a link or button, Space on a
    radio or a checkbox), as a keyboard user does after tabbing to it."""
    locator.focus()
    locator.page.keyboard.press(key)


def find_person(page, kana_half_width: str, resident) -> None:
    """宛名検索 from the menu, the kana name typed half-width, Enter; the person's overview."""
    press_on(page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="宛名検索"))
    expect(page.locator("h1")).to_have_text("宛名検索")
    page.get_by_label("カナ氏名").focus()
    page.keyboard.type(kana_half_width)
    page.keyboard.press("Enter")
    expect(page.get_by_text("検索結果（1件")).to_be_visible()
    press_on(page.get_by_role("link", name=str(resident.pk)))
    expect(page.locator("h1")).to_contain_text(resident.name_kanji)


def open_certification_tab(page) -> None:
    """The person's 認定 tab from the tabs bar."""
    press_on(page.get_by_role("navigation", name="被保険者の画面").get_by_role("link", name="認定"))
    expect(page.locator('nav.person-tabs a[aria-current="page"]')).to_have_text("認定")
    expect(page.locator("#current-level")).to_have_text("有効な認定はありません。")


def start_new_application(page) -> None:
    press_on(page.get_by_role("link", name="認定申請を受け付ける"))
    expect(page.get_by_role("heading", name="認定申請の受付")).to_be_visible()


def send_without_kind(page) -> None:
    """A mistake first: the form sent without the kind of application; the summary has the focus."""
    press_on(page.get_by_role("button", name="申請を受け付ける"))
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("申請の種類を選んでください。")


def fill_and_send_application(page, applied_on: date, papers: list[str]) -> None:
    """A new application (新規申請) by the person themself on ``applied_on``, with ``papers``
    handed over (checkbox labels); the case page follows."""
    press_on(page.get_by_label("新規申請"), "Space")
    page.get_by_label("申請日").fill(applied_on.isoformat())
    for label in papers:
        box = page.get_by_role("checkbox", name=label, exact=True)
        if not box.is_checked():
            press_on(box, "Space")
    press_on(page.get_by_role("button", name="申請を受け付ける"))
    expect(page.get_by_role("status")).to_contain_text("申請を受け付けました")
    expect(page.locator("h2#case-heading")).to_contain_text("新規申請・受付")


def register_paper(page, label: str, missing_after: int) -> None:
    """On the case page: a paper arrived (its kind chosen, today's date as given), 受領を登録."""
    page.get_by_role("combobox", name="書類", exact=True).select_option(label=label)
    press_on(page.get_by_role("button", name="受領を登録"))
    expect(page.get_by_role("status")).to_contain_text("書類の受領を登録しました。")
    expect(page.locator("#papers-missing")).to_contain_text(f"不足している書類（{missing_after}件）")


@pytest.mark.django_db(transaction=True)
def test_a_new_application_with_the_keyboard(live_server, browser_page):
    staff = StaffFactory(roles=[Role.CERTIFICATION_CLERK], organisation=Organisation.NAKAHARA, display_name="認定 花子")
    person = make_insured(ward="nakahara", name_kanji="申請 一郎", name_kana="シンセイ イチロウ")
    today = timezone.localdate()
    page = browser_page
    sign_in(page, live_server, staff.username)
    expect(page.locator("h1")).to_have_text("ホーム")

    find_person(page, "ｼﾝｾｲ ｲﾁﾛｳ", person)
    open_certification_tab(page)
    start_new_application(page)
    send_without_kind(page)
    assert not Case.objects.exists()
    fill_and_send_application(page, today, ["申請書"])
    case = Case.objects.get(resident=person)
    assert case.kind == "new" and case.applied_on == today and case.received_by == staff
    summary = page.locator("table.grid").nth(1)  # after the person's header: the case's kind, state, days
    expect(summary).to_contain_text(wareki(today))
    expect(summary).to_contain_text("あと30日")
    # the card arrives: three papers missing before (card, survey, opinion), two after
    expect(page.locator("#papers-missing")).to_contain_text("不足している書類（3件）")
    register_paper(page, "被保険者証", missing_after=2)
    assert sorted(ReceivedPaper.objects.filter(case=case).values_list("kind", flat=True)) == [
        "application", "insurance_card"]
