"""A new application for certification walked with the keyboard in headless Chromium (issue 18
item 10): a certification clerk finds the person, opens the 認定 tab, starts a new application,
sends it once with a mistake (the error summary takes the focus), then fills it and sends it, and
registers a paper that arrived on the case page.

Each step is a function taking the page. The second walk reuses the intake's steps and goes on, with
the keyboard only, through every later stage (issue 18's "Done when"): the survey, the doctor's
opinion, the primary assessment (development estimator), the review board, the board's result and
the decision through its confirmation page, then the person's 認定 tab shows the certification.
Set-up through services is master data only (the city's surveyors, a doctor, a board panel and its
members)."""

from __future__ import annotations

import re
from datetime import date, timedelta

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


# --- the later stages: survey, opinion, primary assessment, board, decision ------------------------------

CITY_SURVEYORS = "0000000000"  # the city's own surveyors (seeded by certification's migration 0004)


def open_case_from_tab(page) -> None:
    """From any screen of the person: the 認定 tab, then the open application's link; the case page."""
    press_on(page.get_by_role("navigation", name="被保険者の画面").get_by_role("link", name="認定"))
    press_on(page.get_by_role("link", name=re.compile(r"^\d{4}-\d{6}（新規申請・")))
    expect(page.locator("h2#case-heading")).to_contain_text("新規申請")


def open_stage(page, label: str, heading: str) -> None:
    """On the case page: the stage's link under 手続."""
    press_on(page.get_by_role("link", name=label, exact=True))
    expect(page.locator("h2").first).to_contain_text(heading)


def choose_next_option(select, value: str) -> None:
    """A closed list (select) moved one option down with the arrow key, as a keyboard user does."""
    select.focus()
    select.page.keyboard.press("ArrowDown")
    expect(select).to_have_value(value)


def assign_survey(page, requested_on: date, surveyor: str) -> None:
    """調査の依頼: the city's own surveyors (the only body offered first), the day, the surveyor typed."""
    choose_next_option(page.get_by_label("調査機関"), CITY_SURVEYORS)
    page.get_by_label("調査依頼日").fill(requested_on.isoformat())
    page.get_by_label("認定調査員（わかれば）").focus()
    page.keyboard.type(surveyor)
    press_on(page.get_by_role("button", name="調査を依頼する"))
    expect(page.get_by_role("status")).to_contain_text("認定調査を依頼しました。")


def appoint_survey(page, on: date) -> None:
    """訪問予定: the day, the hour typed, 自宅 chosen with Space."""
    page.get_by_label("訪問予定日").fill(on.isoformat())
    page.get_by_label("訪問予定時刻（例 10:30）").focus()
    page.keyboard.type("10:30")
    press_on(page.get_by_role("radio", name="自宅"), "Space")
    press_on(page.get_by_role("button", name="訪問予定を記録する"))
    expect(page.get_by_role("status")).to_contain_text("訪問予定を記録しました。")


def enter_survey_most_dependent(page, surveyed_on: date) -> None:
    """The day of the visit, then every item of the sheet answered with its last (most dependent) option: each radio group's
    last button focused and Space pressed; the two long lists (7-1, 7-2) focused and the option's
    number typed (a list selects the option whose text starts with what is typed)."""
    from certification.rules.survey_items import ITEMS

    page.get_by_label("調査実施日").fill(surveyed_on.isoformat())
    for item in ITEMS:
        last = str(len(item.answers))
        name = f"entry-a{item.code}"
        select = page.locator(f'select[name="{name}"]')
        if select.count():
            select.focus()
            page.keyboard.type(last)
            expect(select).to_have_value(last)
        else:
            radio = page.locator(f'input[type="radio"][name="{name}"][value="{last}"]')
            press_on(radio, "Space")
            expect(radio).to_be_checked()
    press_on(page.get_by_role("button", name="調査結果を保存する"))
    expect(page.get_by_role("status")).to_contain_text("全項目の入力が完了しました。")


def request_opinion(page, doctor, requested_on: date) -> None:
    """意見書の依頼: the only doctor of the master chosen with the arrow key, the day of the request."""
    choose_next_option(page.get_by_label("依頼先の医師"), str(doctor.pk))
    page.get_by_label("依頼日").fill(requested_on.isoformat())
    press_on(page.get_by_role("button", name="依頼を登録"))
    expect(page.get_by_role("status")).to_contain_text("意見書の依頼を登録しました。")


def receive_opinion(page, received_on: date, written_on: date, answers: dict[str, str]) -> None:
    """意見書の受領: the days of receipt and writing, then each item's option (legend -> radio label) with Space;
    the fee's kinds as offered (在宅, 新規)."""
    page.get_by_label("受領日").fill(received_on.isoformat())
    page.get_by_label("記入日（意見書の日付）").fill(written_on.isoformat())
    for legend, option in answers.items():
        radio = page.get_by_role("group", name=legend).get_by_role("radio", name=option, exact=True)
        press_on(radio, "Space")
        expect(radio).to_be_checked()
    press_on(page.get_by_role("button", name="受領を登録"))
    expect(page.get_by_role("status")).to_contain_text("意見書の受領と作成料を登録しました。")


def run_estimator(page) -> None:
    press_on(page.get_by_role("link", name="一次判定の画面へ"))
    expect(page.locator("h2").first).to_contain_text("一次判定")
    press_on(page.get_by_role("button", name="推計して記録"))
    expect(page.get_by_role("status")).to_contain_text("一次判定の結果を記録しました")


def enter_board_result(page, months: int, opinion: str) -> None:
    """二次判定の結果: the level as the primary result (already chosen), the months and the board's
    opinion typed, the board's day as given."""
    page.get_by_label("有効期間（月数）").focus()
    page.keyboard.type(str(months))
    page.get_by_label("審査会の意見").focus()
    page.keyboard.type(opinion)
    press_on(page.get_by_role("button", name="二次判定を登録する"))
    expect(page.get_by_role("status")).to_contain_text("二次判定の結果を登録しました。")


def decide(page, level_label: str) -> None:
    """認定: the day as given, the confirmation page read, then 認定する."""
    press_on(page.get_by_role("button", name="認定の内容を確認する"))
    expect(page.locator("h1")).to_have_text("認定の決定の確認")
    expect(page.locator("#confirm-what")).to_contain_text(level_label)
    press_on(page.get_by_role("button", name="認定する"))
    expect(page.get_by_role("status")).to_contain_text("認定しました。")


def plan_board_session(page, panel, members: list[str], held_on: date, place: str) -> None:
    """介護認定審査会 from the menu: a session of ``panel`` on ``held_on`` registered (the panel
    chosen with the arrow key, the place typed, each attending member ticked with Space); the
    session's page follows."""
    press_on(page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="介護認定審査会"))
    expect(page.locator("h1")).to_have_text("介護認定審査会")
    form = page.get_by_role("form", name="審査会の開催を登録する")
    choose_next_option(form.get_by_label("合議体", exact=True), str(panel.pk))
    form.get_by_label("開催日", exact=True).fill(held_on.isoformat())
    form.get_by_label("開催場所").focus()
    page.keyboard.type(place)
    for name in members:
        box = form.get_by_role("checkbox", name=name)
        press_on(box, "Space")
        expect(box).to_be_checked()
    press_on(page.get_by_role("button", name="開催を登録する"))
    expect(page.get_by_role("status")).to_contain_text("審査会の開催を登録しました。")
    expect(page.locator("h1")).to_contain_text(panel.name)


def assign_to_session(page, number: str) -> None:
    """On the session's page: the case's row among the assessed cases, 割り当てる."""
    row = page.get_by_role("row").filter(has_text=number)
    press_on(row.get_by_role("button", name="割り当てる"))
    expect(page.get_by_role("status")).to_contain_text(f"案件番号 {number} を審査順1番に割り当てました。")


@pytest.mark.django_db(transaction=True)
def test_a_new_application_walked_to_its_decision_with_the_keyboard(live_server, browser_page):
    from certification.board.services import member_appoint, panel_create
    from certification.decisions.models import Certification
    from certification.opinion.services import doctor_create
    from certification.rules.cases import CaseState
    from certification.rules.levels import Level
    from certification.survey.models import Survey, SurveyBody

    staff = StaffFactory(roles=[Role.CERTIFICATION_CLERK], organisation=Organisation.NAKAHARA, display_name="認定 花子")
    person = make_insured(ward="nakahara", name_kanji="決定 次郎", name_kana="ケッテイ ジロウ")
    today = timezone.localdate()
    applied_on = today - timedelta(days=20)
    # master data only: the city's surveyors (a transactional test's flush removes the migration's
    # row), one doctor in the master of doctors
    SurveyBody.objects.get_or_create(code=CITY_SURVEYORS, defaults={"name": "市の認定調査員（直営）", "kind": "city"})
    doctor = doctor_create(actor=staff, institution_code="1410000099", institution_name="試験中原病院",
                           doctor_name="主治 医師")
    # the board's master: a panel of five and three of its members (a quorum, 施行令 §9)
    panel = panel_create(actor=staff, name="中原第1合議体")
    member_names = ["審査 一子", "審査 二郎", "審査 三子"]
    for name, field in zip(member_names, ("medical", "health", "welfare"), strict=True):
        member_appoint(actor=staff, name=name, field=field, profession="医師", term_start=today - timedelta(days=30),
                       panel_id=panel.pk)
    page = browser_page
    sign_in(page, live_server, staff.username)
    expect(page.locator("h1")).to_have_text("ホーム")

    # intake (the steps of the walk above)
    find_person(page, "ｹｯﾃｲ ｼﾞﾛｳ", person)
    open_certification_tab(page)
    start_new_application(page)
    fill_and_send_application(page, applied_on, ["申請書"])
    register_paper(page, "被保険者証", missing_after=2)
    case = Case.objects.get(resident=person)

    # 認定調査: assigned to the city's surveyors, a visit, every item entered
    open_stage(page, "認定調査", "認定調査")
    assign_survey(page, applied_on + timedelta(days=2), "調査 三郎")
    appoint_survey(page, applied_on + timedelta(days=7))
    enter_survey_most_dependent(page, applied_on + timedelta(days=7))
    case.refresh_from_db()
    survey = Survey.objects.get(case=case)
    assert case.state == CaseState.IN_PROGRESS and case.survey_requested_on == applied_on + timedelta(days=2)
    assert survey.complete and case.surveyed_on == applied_on + timedelta(days=7) and survey.surveyor == "調査 三郎"
    assert survey.appointment_on == applied_on + timedelta(days=7) and survey.place_kind == "home"

    # 主治医意見書: requested, then received with its items
    open_case_from_tab(page)
    open_stage(page, "主治医意見書", "主治医意見書")
    request_opinion(page, doctor, applied_on + timedelta(days=2))
    receive_opinion(page, applied_on + timedelta(days=14), applied_on + timedelta(days=12), {
        "認知症高齢者の日常生活自立度": "Ⅳ", "短期記憶": "問題あり", "日常の意思決定を行うための認知能力": "判断できない",
        "自分の意思の伝達能力": "伝えられない", "食事行為": "全面介助", "症状の安定性": "不安定"})
    case.refresh_from_db()
    assert case.opinion_requested_on == applied_on + timedelta(days=2)
    assert case.opinion_received_on == applied_on + timedelta(days=14)

    # 一次判定: the development estimator from the survey and the opinion (every answer the most
    # dependent: 要介護5, as tests/certification/test_survey_to_assessment.py works out)
    run_estimator(page)
    case.refresh_from_db()
    assert case.state == CaseState.ASSESSED and case.primary_level == Level.CARE_5 and case.assessed_on == today
    expect(page.locator("table.grid").nth(1)).to_contain_text("要介護5")

    # 審査会: a session of today planned on the board's screen, the case assigned to it
    plan_board_session(page, panel, member_names, today, "中原区役所 会議室")
    assign_to_session(page, case.number)
    case.refresh_from_db()
    assert case.state == CaseState.SCHEDULED and case.board_on == today

    # 二次判定 and 認定: back to the person (宛名検索), the open case, its decision page
    find_person(page, "ｹｯﾃｲ ｼﾞﾛｳ", person)
    open_case_from_tab(page)
    open_stage(page, "審査会の結果・認定", "認定の決定")
    enter_board_result(page, 12, "状態の変化に留意すること。")
    case.refresh_from_db()
    assert case.state == CaseState.REVIEWED
    decide(page, "要介護5")
    case.refresh_from_db()
    cert = Certification.objects.get(case=case)
    assert case.state == CaseState.DECIDED and case.decided_on == today
    assert cert.level == Level.CARE_5 and cert.valid_from == applied_on and cert.decided_by == staff
    # the 12 months typed, not the standard 6: the rest of the application's month and 12 whole months
    # (施行規則 第38条 第1項)
    first_full = (applied_on.replace(day=28) + timedelta(days=4)).replace(day=1) if applied_on.day > 1 else applied_on
    assert cert.valid_to == first_full.replace(year=first_full.year + 1) - timedelta(days=1)

    # the person's 認定 tab shows the new certification
    press_on(page.get_by_role("navigation", name="被保険者の画面").get_by_role("link", name="認定"))
    expect(page.locator("#current-level")).to_have_text("要介護5")
    current = page.get_by_role("table").filter(has=page.locator("#current-level"))
    expect(current).to_contain_text(f"{wareki(cert.valid_from)}から{wareki(cert.valid_to)}まで")
    expect(current).to_contain_text("状態の変化に留意すること。")
