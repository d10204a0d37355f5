"""A counter visit with the keyboard only (issue 16 item 7), in headless Chromium: a ward clerk
signs in, finds the person by kana name, opens the overview (this year's premium at one look),
goes to the premium tab by its access key, records a counter payment and reaches the receipt.
Only keyboard events are sent (typing, Tab, Enter, access keys); after each Tab the focused
element must show a visible focus ring."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from eligibility.qualification.services import Context, requalify
from kaigo.staff.roles import Organisation, Role
from premiums.collection.selectors import year_collection
from premiums.levy.services import main_levy_chunk
from premiums.models import CounterReceipt, Payment
from premiums.rules.tables import fiscal_year_of
from tests.browser.keyboard import sign_in
from tests.eligibility.factories import make_resident
from tests.factories import StaffFactory
from tests.premiums.factories import make_tax_fact

pytestmark = [pytest.mark.browser]

# The focused element and whether its focus is visible: an outline of at least 2 px that is not
# "none" (kaigo.css: :focus-visible, 3 px), as a keyboard user sees it. A date field is the
# exception: the focus is on its inner part (year, month or day), which Chromium highlights itself
# and the page's styles cannot read (nor :focus on the field itself): it is not checked here.
FOCUS_JS = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  const ring = e.matches(":focus-visible") && s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
  return {tag: e.tagName, text: (e.innerText || e.value || "").trim(), label: e.labels && e.labels.length ?
          e.labels[0].innerText.trim() : "", href: e.getAttribute("href") || "",
          visible: ring || e.type === "date"};
}"""


@pytest.fixture
def premium_tables(transactional_db):
    """The rate tables and collection plan the migrations seed (as test_levy_worker.py): an earlier
    transactional test's flush removes them, so they are seeded again by the migrations' own
    functions."""
    import importlib

    from django.apps import apps as django_apps

    from premiums.models import PremiumCollectionPlan, PremiumRateTable

    if not PremiumRateTable.objects.exists():
        importlib.import_module("premiums.migrations.0002_national_standard_9th").seed(django_apps, None)
    if not PremiumCollectionPlan.objects.exists():
        importlib.import_module("premiums.migrations.0004_assumed_collection_plan").seed(django_apps, None)


def tab_to(page, wanted, *, limit: int = 80) -> dict:
    """Press Tab until ``wanted(focused)`` holds; each element passed must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_JS)
        assert focused["visible"], f"focus not visible on {focused}"
        if wanted(focused):
            return focused
    raise AssertionError("the element was not reached with Tab")


def accesskey(page, key: str) -> None:
    """Alt + the access key (Chromium on Linux), as the keyboard sends it. Through the DevTools
    protocol's key events: Playwright's ``keyboard.press("Alt+p")`` leaves out the unmodified text
    that Blink matches access keys against (KeyboardEventManager::HandleAccessKey), so it never
    triggers one."""
    cdp = page.context.new_cdp_session(page)
    code = f"Digit{key}" if key.isdigit() else f"Key{key.upper()}"
    event = {"modifiers": 1, "key": key, "code": code, "windowsVirtualKeyCode": ord(key.upper())}
    cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", "modifiers": 1, "key": "Alt", "code": "AltLeft",
                                        "windowsVirtualKeyCode": 18})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": key, "unmodifiedText": key, **event})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **event})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Alt", "code": "AltLeft", "windowsVirtualKeyCode": 18})
    cdp.detach()


@pytest.mark.django_db(transaction=True)
def test_a_counter_visit_with_the_keyboard_only(live_server, browser_page, premium_tables):
    staff = StaffFactory(roles=[Role.WARD_CLERK], organisation=Organisation.NAKAHARA, display_name="窓口 三郎")
    today = timezone.localdate()
    fiscal_year = fiscal_year_of(today)
    person = make_resident(name_kanji="窓口 花子", name_kana="マドグチ ハナコ", birth_date=date(1950, 6, 15))
    with transaction.atomic():  # the qualification publishes its events inside the change's transaction
        requalify([person.pk], until=today, context=Context(source="notification"))
    make_tax_fact(person, fiscal_year, household_taxed=True)
    main_levy_chunk(fiscal_year=fiscal_year, lo=0, hi=10**12)
    balance = year_collection(person.pk, fiscal_year, as_of=today).balance
    page = browser_page

    # sign in: the user name field has the focus
    sign_in(page, live_server, staff.username)
    expect(page.locator("h1")).to_have_text("ホーム")

    # 宛名検索 by its access key; Tab to the kana name, type it half-width, Enter
    accesskey(page, "p")
    expect(page.locator("h1")).to_have_text("宛名検索")
    tab_to(page, lambda f: f["label"].startswith("カナ氏名"))
    page.keyboard.type("ﾏﾄﾞｸﾞﾁ ﾊﾅｺ")
    page.keyboard.press("Enter")
    expect(page.get_by_text("検索結果（1件")).to_be_visible()
    tab_to(page, lambda f: f["tag"] == "A" and f["text"] == str(person.pk))
    page.keyboard.press("Enter")

    # the overview: the counter's facts and this year's premium without a second click
    expect(page.locator("h1")).to_contain_text("窓口 花子")
    expect(page.locator("#insured-number")).to_have_text(person.insured_number.number)
    expect(page.locator("#premium-balance")).to_have_text(f"{balance.balance:,}円")
    expect(page.locator('nav.person-tabs a[aria-current="page"]')).to_have_text("概要")

    # the premium tab by its access key, then the counter payment
    accesskey(page, "4")
    expect(page.locator('nav.person-tabs a[aria-current="page"]')).to_have_text("保険料")
    tab_to(page, lambda f: f["text"] == "窓口収納の登録")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="窓口収納の登録")).to_be_visible()
    amount = page.get_by_label("領収金額").input_value()
    assert amount and int(amount) > 0  # pre-filled from the installments chosen
    focused = tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "収納を登録")
    assert focused["visible"]
    page.keyboard.press("Enter")

    # the receipt: recorded, and its 領収証書 reached with the keyboard
    expect(page.get_by_role("heading", name="窓口収納を登録しました")).to_be_visible()
    receipt = CounterReceipt.objects.get()
    assert receipt.amount == int(amount) and Payment.objects.filter(resident=person).exists()
    link = tab_to(page, lambda f: f["text"] == "領収証書を印刷（PDF）")
    pdf = page.request.get(f"{live_server.url}{link['href']}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
