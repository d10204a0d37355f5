"""The screens of certification cases (issue 18 items 2 and 10): the work list (its order by
urgency, the 7-day filter, the missing papers, a fixed number of queries), a case's page and its
forms, the intake of a new application, the person's 認定 tab; who may open them, the ward scope
as on every person screen, and one access-log row per read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessLogEntry
from certification.cases.models import Case, CaseEvent, ReceivedPaper
from certification.cases.services import Application, case_open, case_postpone
from certification.rules.cases import CaseKind, CaseState, PaperKind
from kaigo.jinja2 import wareki
from kaigo.staff.roles import Organisation, Role
from tests.certification.factories import make_certification, make_insured
from tests.screens import page_problems

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # the office's day (the screens' and the services' today)
NAKAHARA, ASAO = Organisation.NAKAHARA, Organisation.ASAO


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.CERTIFICATION_CLERK, organisation=NAKAHARA)


def opened(actor, *, days_ago: int = 0, ward: str = "nakahara", papers=(PaperKind.APPLICATION,), person=None):
    """A new application of a first-class resident of ``ward``, made ``days_ago`` days ago."""
    person = person or make_insured(ward=ward)
    return case_open(actor=actor, resident_id=person.pk,
                     application=Application(CaseKind.NEW, TODAY - timedelta(days=days_ago), papers=tuple(papers)))


def functions() -> list[str]:
    return list(AccessLogEntry.objects.order_by("id").values_list("function", flat=True))


# --- a new application ------------------------------------------------------------------------------


def test_a_new_application_is_taken_and_leads_to_the_case(client_as, clerk):
    person = make_insured(ward="nakahara")
    client = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA)
    page = client.get(f"/certification/persons/{person.pk}/new/")
    body = page.content.decode()
    assert page.status_code == 200 and "認定申請の受付" in body and page_problems(body) == []
    assert functions() == ["certification.intake"]
    response = client.post(f"/certification/persons/{person.pk}/new/", {
        "kind": "new", "applied_on": TODAY.isoformat(), "applicant_kind": "care_manager",
        "proxy_office": "試験居宅介護支援事業所", "papers": ["application", "insurance_card"]})
    case = Case.objects.get(resident=person)
    assert response.status_code == 302 and response["Location"] == f"/certification/cases/{case.pk}/"
    assert case.kind == "new" and case.applicant_kind == "care_manager" and case.received_by == client.staff
    assert sorted(ReceivedPaper.objects.filter(case=case).values_list("kind", flat=True)) == [
        "application", "insurance_card"]


def test_a_wrong_application_answers_with_the_summary_and_writes_nothing(client_as):
    person = make_insured(ward="nakahara")
    client = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA)
    response = client.post(f"/certification/persons/{person.pk}/new/", {
        "kind": "renewal", "applied_on": TODAY.isoformat(), "applicant_kind": "self"})
    body = response.content.decode()
    assert response.status_code == 400
    assert '<div class="error-summary" role="alert" tabindex="-1"' in body and "更新する認定がありません" in body
    assert not Case.objects.exists() and page_problems(body) == []
    empty = client.post(f"/certification/persons/{person.pk}/new/", {}).content.decode()
    assert "申請の種類を選んでください" in empty and "日付を入力してください" in empty


# --- a case's page -----------------------------------------------------------------------------------


def test_the_case_page_shows_dates_events_papers_and_what_is_missing(client_as, clerk):
    case = opened(clerk, days_ago=3)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA, display_name="認定 次郎")
    response = client.get(f"/certification/cases/{case.pk}/")
    body = response.content.decode()
    assert response.status_code == 200 and page_problems(body) == []
    assert case.number in body and "新規申請" in body and wareki(case.applied_on) in body
    assert wareki(case.applied_on + timedelta(days=30)) in body and "あと27日" in body
    # the key dates in the order of the process (DOMAIN.md 3.3)
    order = [body.index(label) for label in ("申請日:", "調査依頼日:", "調査実施日:", "意見書依頼日:", "意見書受領日:",
                                              "一次判定日:", "審査会開催日:", "認定日（二次判定日）:", "通知発送日:")]
    assert order == sorted(order)
    # a new first-class application needs the form, the card, the survey and the opinion
    assert "不足している書類（3件）" in body and "被保険者証（被保険者証の添付" in body
    assert "申請の受付" in body and clerk.display_name in body  # the event and who received it
    assert 'aria-current="page">認定</a>' in body  # the person's tabs, the 認定 tab current
    assert functions() == ["certification.case"]
    assert AccessLogEntry.objects.get().person_ids == [case.resident_id]


def test_a_paper_registered_and_cancelled_changes_what_is_missing(client_as, clerk):
    case = opened(clerk)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA)
    url = f"/certification/cases/{case.pk}/"
    response = client.post(url, {"action": "paper", "paper-kind": "insurance_card",
                                 "paper-received_on": TODAY.isoformat(), "paper-note": ""})
    assert response.status_code == 302
    paper = ReceivedPaper.objects.get(case=case, kind="insurance_card")
    assert paper.received_by == client.staff and paper.received_on == TODAY
    assert "不足している書類（2件）" in client.get(url).content.decode()
    response = client.post(url, {"action": "paper_cancel", "cancel-paper": str(paper.pk), "cancel-reason": "別人の書類"})
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.cancelled_at is not None and paper.cancel_reason == "別人の書類"
    body = client.get(url).content.decode()
    assert "不足している書類（3件）" in body and "取消済" in body
    # a paper of another case is not a choice of this one
    other = ReceivedPaper.objects.get(case=opened(clerk), kind="application")
    refused = client.post(url, {"action": "paper_cancel", "cancel-paper": str(other.pk), "cancel-reason": "誤り"})
    assert refused.status_code == 400 and "選択肢から選んでください" in refused.content.decode()
    assert ReceivedPaper.objects.get(pk=other.pk).cancelled_at is None


def test_a_paper_form_with_a_mistake_shows_the_summary(client_as, clerk):
    case = opened(clerk)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA)
    response = client.post(f"/certification/cases/{case.pk}/", {
        "action": "paper", "paper-kind": "other", "paper-received_on": TODAY.isoformat()})
    body = response.content.decode()
    assert response.status_code == 400 and "「その他」の書類は備考に内容を入力してください" in body
    assert page_problems(body) == [] and ReceivedPaper.objects.filter(case=case).count() == 1


def test_postponement_is_recorded_from_the_case_page(client_as, clerk):
    case = opened(clerk, days_ago=20)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA)
    expected = case.applied_on + timedelta(days=45)
    response = client.post(f"/certification/cases/{case.pk}/", {
        "action": "postpone", "postpone-on": TODAY.isoformat(), "postpone-reason": "主治医意見書の遅れ",
        "postpone-expected_by": expected.isoformat()})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.postponed_on == TODAY and case.expected_by == expected
    assert "主治医意見書の遅れ" in client.get(f"/certification/cases/{case.pk}/").content.decode()


@pytest.mark.parametrize(("action", "state"), [("withdraw", CaseState.WITHDRAWN), ("dismiss", CaseState.DISMISSED)])
def test_withdrawal_and_dismissal_are_confirmed_first(client_as, clerk, action, state):
    case = opened(clerk, days_ago=5)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA)
    data = {"action": action, f"{action}-on": TODAY.isoformat(), f"{action}-reason": "本人の申出"}
    first = client.post(f"/certification/cases/{case.pk}/", data)
    body = first.content.decode()
    assert first.status_code == 200 and "の確認" in body and case.number in body and page_problems(body) == []
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED  # nothing written yet
    assert client.post(f"/certification/cases/{case.pk}/", {**data, "confirm": "1"}).status_code == 302
    case.refresh_from_db()
    assert case.state == state and case.closed_on == TODAY and case.close_reason == "本人の申出"
    assert CaseEvent.objects.filter(case=case).count() == 2


def test_the_stage_links_appear_only_for_screens_that_exist(client_as, clerk):
    from certification.cases.views import STAGES, url_or_none

    case = opened(clerk)
    body = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA).get(
        f"/certification/cases/{case.pk}/").content.decode()
    assert url_or_none("certification:no_such_screen", 1) is None
    for name, label in STAGES:
        url = url_or_none(name, case.pk)
        assert (f'<a href="{url}">{label}</a>' in body) if url else (f"{label}（準備中）" in body)


# --- who may open them, and the ward scope -----------------------------------------------------------


@pytest.mark.parametrize("role", [Role.WARD_CLERK, Role.INQUIRY, Role.SECTION_CHIEF, Role.AUDITOR, Role.OPERATOR])
def test_roles_without_certification_view_are_refused_and_nothing_is_logged(client_as, clerk, role):
    case = opened(clerk)
    client = client_as(role, organisation=NAKAHARA)
    for path in ("/certification/cases/", f"/certification/cases/{case.pk}/",
                 f"/certification/persons/{case.resident_id}/", f"/certification/persons/{case.resident_id}/new/"):
        assert client.get(path).status_code == 403, path
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize(("scope", "status", "function"), [
    ("ward", 403, "certification.case.denied"),
    ("city", 200, "certification.case.outside_ward"),
])
def test_a_clerk_of_another_ward_gets_the_person_screens_answer(client_as, clerk, settings, scope, status, function):
    settings.KAIGO_WARD_VIEW_SCOPE = scope
    case = opened(clerk)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=ASAO)
    assert client.get(f"/certification/cases/{case.pk}/").status_code == status
    assert functions() == [function]
    tab = client.get(f"/certification/persons/{case.resident_id}/")
    assert tab.status_code == status and functions()[-1] == function.replace("case", "tab")
    # and whatever the view scope, another ward's clerk writes nothing
    response = client.post(f"/certification/cases/{case.pk}/", {
        "action": "paper", "paper-kind": "insurance_card", "paper-received_on": TODAY.isoformat()})
    assert response.status_code == 403 and ReceivedPaper.objects.filter(case=case).count() == 1
    assert client.get("/certification/cases/").content.decode().count(case.number) == 0  # not on Asao's list


def test_the_person_screens_unknown_case_is_404(client_as):
    assert client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA).get("/certification/cases/999999/").status_code == 404


# --- the person's 認定 tab ----------------------------------------------------------------------------


def test_the_tab_shows_the_current_certification_the_history_and_the_cases(client_as, clerk):
    person = make_insured(ward="nakahara")
    old = make_certification(person, level="21", valid_from=TODAY - timedelta(days=800),
                             valid_to=TODAY - timedelta(days=366), actor=clerk)
    now = make_certification(person, level="23", valid_from=TODAY - timedelta(days=365),
                             valid_to=TODAY + timedelta(days=300), actor=clerk)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA)
    body = client.get(f"/certification/persons/{person.pk}/").content.decode()
    assert page_problems(body) == []
    assert '<td id="current-level"><strong>要介護3</strong></td>' in body
    history = body.split("認定の履歴", 1)[1]
    assert history.index(now.case.number) < history.index(old.case.number)  # newest first
    assert "要介護1" in history and f"/certification/persons/{person.pk}/new/" in body
    assert functions() == ["certification.tab"]
    case = case_open(actor=clerk, resident_id=person.pk, application=Application(
        CaseKind.CHANGE, TODAY, papers=("application",)))
    body = client.get(f"/certification/persons/{person.pk}/").content.decode()
    assert f'<a href="/certification/cases/{case.pk}/">{case.number}（区分変更申請・受付）</a>' in body
    assert f"/certification/persons/{person.pk}/new/" not in body  # one open case at a time


def test_the_tab_is_one_of_the_persons_tabs_for_certification_staff_only(client_as):
    person = make_insured(ward="nakahara")
    link = f'<a href="/certification/persons/{person.pk}/" accesskey="5">認定</a>'
    assert link in client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA).get(
        f"/persons/{person.pk}/qualification/").content.decode()
    assert link not in client_as(Role.WARD_CLERK, organisation=NAKAHARA).get(
        f"/persons/{person.pk}/qualification/").content.decode()


# --- the work list -----------------------------------------------------------------------------------


@pytest.fixture
def work(clerk, make_staff):
    """Open cases of 中原区 at different ages, one postponed, one passed 30 days, one of 麻生区."""
    head = make_staff(Role.HEAD_OFFICE_CLERK)
    cases = {
        "overdue": opened(clerk, days_ago=33),
        "soon": opened(clerk, days_ago=25, papers=(PaperKind.APPLICATION, PaperKind.INSURANCE_CARD)),
        "later": opened(clerk, days_ago=10),
        "postponed": opened(clerk, days_ago=28),
        "asao": opened(head, days_ago=27, ward="asao"),
    }
    case_postpone(actor=clerk, case_id=cases["postponed"].pk, on=TODAY, reason="調査の遅れ",
                  expected_by=cases["postponed"].applied_on + timedelta(days=50))
    return cases


def _listed(body: str, cases: dict) -> list[str]:
    found = [(body.index(f">{c.number}</a>"), key) for key, c in cases.items() if f">{c.number}</a>" in body]
    return [key for _, key in sorted(found)]


def test_the_list_shows_the_wards_open_cases_most_urgent_first(client_as, work):
    client = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA)
    response = client.get("/certification/cases/")
    body = response.content.decode()
    assert response.status_code == 200 and page_problems(body) == []
    assert _listed(body, work) == ["overdue", "soon", "later", "postponed"]  # 麻生区's case is not Nakahara's
    assert "3日超過" in body and "あと5日" in body and "処理中の申請: 4件" in body
    row = body.split(f">{work['soon'].number}</a>", 1)[1].split("</tr>", 1)[0]
    assert "<strong>2件</strong>" in row and wareki(work["soon"].applied_on) in row and "25日" in row
    entry = AccessLogEntry.objects.get()
    assert entry.function == "certification.cases" and entry.hits == 4
    assert sorted(entry.person_ids) == sorted(work[k].resident_id for k in ("overdue", "soon", "later", "postponed"))


def test_the_due_filter_keeps_cases_near_or_past_the_30th_day_without_postponement(client_as, work):
    body = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA).get(
        "/certification/cases/", {"due_soon": "on"}).content.decode()
    assert _listed(body, work) == ["overdue", "soon"]


def test_the_state_filter_and_the_head_offices_ward_filter(client_as, work, clerk):
    from certification.cases.services import case_lock, case_move

    from django.db import transaction

    with transaction.atomic():
        case_move(case_lock(work["later"].pk), "request", actor=clerk)
    head = client_as(Role.HEAD_OFFICE_CLERK)
    assert _listed(head.get("/certification/cases/").content.decode(), work) == [
        "overdue", "asao", "soon", "later", "postponed"]
    assert _listed(head.get("/certification/cases/", {"ward": "asao"}).content.decode(), work) == ["asao"]
    assert _listed(head.get("/certification/cases/", {"state": "in_progress"}).content.decode(), work) == ["later"]
    assert head.get("/certification/cases/", {"state": "decided"}).status_code == 400  # not an open state


def test_the_list_pages(client_as, clerk, monkeypatch):
    from certification.cases import selectors

    monkeypatch.setattr(selectors, "CASES_PAGE_SIZE", 2)
    cases = {i: opened(clerk, days_ago=i) for i in range(5)}
    client = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA)
    assert _listed(client.get("/certification/cases/").content.decode(), cases) == [4, 3]
    second = client.get("/certification/cases/", {"page": "2"}).content.decode()
    assert _listed(second, cases) == [2, 1] and "2 / 3 ページ" in second


def test_the_list_reads_a_fixed_number_of_queries(client_as, clerk, django_assert_max_num_queries):
    client = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA)
    counts = []
    for n in (2, 12):
        while Case.objects.count() < n:
            opened(clerk, days_ago=Case.objects.count() % 30)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/certification/cases/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]  # no query per case
    with django_assert_max_num_queries(12):
        client.get("/certification/cases/")


def test_the_list_page_costs_exactly_four_queries(client_as, clerk):
    """Pinned (issue 18, "Speed"): the signed-in staff member with the session, the page of cases
    with their total and missing papers (one statement), the names of the page's persons with
    their data keys (one statement), the one access-log row. A fifth query is a regression."""
    client = client_as(Role.CERTIFICATION_CLERK, organisation=NAKAHARA)
    for i in (0, 2, 25):  # the third within the week of its 30th day: on the due-soon list too
        opened(clerk, days_ago=i)
    client.get("/certification/cases/")  # session and grants warmed as on a signed-in clerk's page
    for params in ({}, {"due_soon": "on"}, {"page": "1"}):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/certification/cases/", params).status_code == 200
        sql = [q["sql"] for q in queries]
        assert len(sql) == 4, sql
        assert sum("FROM certification_case" in s for s in sql) == 1
        assert sum("audit_access_append" in s for s in sql) == 1

