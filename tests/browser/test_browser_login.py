"""End to end in a real browser: sign in with the keyboard, reach the home screen and the batch
console, start a batch and watch htmx update its progress while a real worker runs it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kaigo.batches.models import BatchRun
from kaigo.staff.roles import Role
from tests.factories import TEST_PASSWORD, StaffFactory

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_clerk_signs_in_with_the_keyboard_and_sees_the_home_screen(live_server, browser_page):
    staff = StaffFactory(roles=[Role.WARD_CLERK], display_name="窓口 花子")
    page = browser_page
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.locator("h1")).to_have_text("ログイン")
    # The username field has the focus; Tab to the password, Enter submits.
    page.keyboard.type(staff.username)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("ホーム")
    expect(page.get_by_text("窓口 花子 さん")).to_be_visible()
    expect(page.get_by_role("navigation", name="メインメニュー").get_by_role("link")).to_have_text(
        ["ホーム", "宛名検索", "要確認案件", "施設マスタ", "住基異動の取込結果", "保険料の試算", "滞納者一覧", "保険料率表"])


@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_a_japanese_error(live_server, browser_page):
    staff = StaffFactory(roles=[Role.WARD_CLERK])
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("ユーザー名").fill(staff.username)
    page.get_by_label("パスワード").fill("not-the-password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_contain_text("正しいユーザー名とパスワードを入力してください")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_operator_starts_a_batch_and_watches_it_finish(live_server, browser_page, start_worker):
    start_worker(concurrency=2)
    staff = StaffFactory(roles=[Role.OPERATOR])
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("ユーザー名").fill(staff.username)
    page.get_by_label("パスワード").fill(TEST_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="バッチ処理").click()
    expect(page.locator("h1")).to_have_text("バッチ処理")
    page.get_by_label("バッチ種別").select_option("demo.squares")  # the kinds are many; pick the demo's
    page.get_by_role("button", name="実行条件の入力へ").click()
    page.get_by_label("件数", exact=True).fill("20000")
    page.get_by_label("チャンクの件数").fill("1000")
    page.get_by_label("チャンクごとの待ち時間（ミリ秒）").fill("300")
    page.get_by_label("n件ごとにエラーとする").fill("5000")
    page.get_by_role("button", name="実行").click()
    expect(page.locator("h1")).to_contain_text("デモ: 平方の計算")
    expect(page.locator("#run-status")).to_have_text("実行中")
    # No reload: htmx polls the progress until the worker has finished.
    expect(page.locator("#run-status")).to_have_text("正常終了", timeout=60_000)
    expect(page.get_by_text("デモ: レコード 5000 は検証で不合格としました。")).to_be_visible()
    run = BatchRun.objects.get()
    assert (run.status, run.succeeded, run.failed, run.operator_id) == ("succeeded", 19_996, 4, staff.pk)
