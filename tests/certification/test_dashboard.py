"""The deadline dashboard (issue 18 item 8): open cases by stage and elapsed days, the cases that
reach the legal 30 days (法 §27 第11項) within a week without a postponement notice, notices sent
late, average days from application to decision per ward and per month, the surveys and opinions
waiting; scope by ward; few queries. Worked examples on a fixed day."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessLogEntry
from certification.cases.models import Case
from certification.dashboard import rules, selectors
from certification.rules.cases import CaseState, decision_due
from eligibility.codes import Ward
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from tests.eligibility.factories import make_resident

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)
OWN, OTHER = Ward.NAKAHARA, Ward.ASAO
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def no_cached_months():
    """The past months' sums are cached for an hour by day (selectors._past_months): each test
    starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.HEAD_OFFICE_CLERK)


def case(actor, *, ward=OWN, state=CaseState.IN_PROGRESS, applied_on: date, kind="new", **dates) -> Case:
    """A case of a new resident of ``ward`` (one open case per person)."""
    resident = make_resident(ward=ward, birth_date=date(1944, 3, 3))
    closed = {"closed_on": applied_on + timedelta(days=3)} if state in ("withdrawn", "ended", "dismissed") else {}
    if dates.get("postponed_on"):
        dates.setdefault("postponement_reason", "主治医意見書の提出が遅れているため")
        dates.setdefault("expected_by", dates["postponed_on"] + timedelta(days=10))
    return Case.objects.create(number=f"{applied_on.year}-{next(_numbers):06d}", resident=resident, ward=ward,
                               kind=kind, state=state, applied_on=applied_on, received_by=actor, **closed, **dates)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


# --- the rules, worked from the law --------------------------------------------------------------


@pytest.mark.parametrize(("days", "band"), [
    (0, "d0_14"), (14, "d0_14"), (15, "d15_25"), (25, "d15_25"), (26, "d26_30"), (30, "d26_30"),
    (31, "over_30"), (400, "over_30"), (-1, "d0_14"),
])
def test_bands_of_elapsed_days(days, band):
    assert rules.band_of(days).key == band


@pytest.mark.parametrize(("applied_on", "left"), [
    (date(2026, 11, 7), 0),  # applied 11/7: day 30 is 12/7 (民法 §140: the first day not counted)
    (date(2026, 11, 14), 7),
    (date(2026, 11, 15), 8),
    (date(2026, 11, 6), -1),
])
def test_days_left_to_the_deadline(applied_on, left):
    assert rules.days_left(applied_on, TODAY) == left
    assert decision_due(applied_on) == TODAY + timedelta(days=left)


def test_the_week_ahead_is_the_applications_of_day_23_to_day_30():
    first, last = rules.due_soon_applied(TODAY)
    assert (first, last) == (date(2026, 11, 7), date(2026, 11, 14))
    assert rules.days_left(first, TODAY) == 0 and rules.days_left(last, TODAY) == rules.DUE_SOON_DAYS


def test_a_notice_after_day_30_is_late():
    assert not rules.notice_late(date(2026, 10, 1), date(2026, 10, 31))  # day 30 itself: in time
    assert rules.notice_late(date(2026, 10, 1), date(2026, 11, 1))


def test_twelve_months_back():
    months = rules.months_back(TODAY)
    assert months[0] == date(2026, 1, 1) and months[-1] == date(2026, 12, 1) and len(months) == 12
    assert rules.months_back(date(2026, 2, 28), 3) == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


# --- the selectors on worked examples --------------------------------------------------------------


def test_open_cases_by_stage_and_elapsed_days(clerk):
    for days in (0, 14, 15, 25, 26, 30, 31):
        case(clerk, applied_on=ago(days))
    case(clerk, state=CaseState.ASSESSED, applied_on=ago(40), postponed_on=ago(12))
    case(clerk, state=CaseState.DECIDED, applied_on=ago(20), decided_on=ago(1))  # not open
    case(clerk, state=CaseState.WITHDRAWN, applied_on=ago(5))  # not open
    case(clerk, ward=OTHER, applied_on=ago(3))  # another ward

    board = selectors.dashboard_read(wards=[OWN], today=TODAY)

    rows = {s.state: s for s in board.stages}
    assert [s.state for s in board.stages] == ["received", "in_progress", "assessed", "scheduled", "reviewed"]
    assert rows["in_progress"].counts == (2, 2, 2, 1) and rows["in_progress"].longest == 31
    assert rows["assessed"].counts == (0, 0, 0, 1) and rows["assessed"].postponed == 1
    assert rows["received"].total == 0 and board.open_total == 8
    assert board.band_totals == [2, 2, 2, 2]
    everywhere = selectors.dashboard_read(wards=[OWN, OTHER], today=TODAY)
    assert everywhere.open_total == 9


def test_cases_reaching_day_30_within_the_week_without_a_notice(clerk):
    in_7 = case(clerk, applied_on=ago(23), kind="renewal")  # 7 days left
    today = case(clerk, state=CaseState.SCHEDULED, applied_on=ago(30))  # the deadline is today
    case(clerk, applied_on=ago(22))  # 8 days left: not yet
    case(clerk, applied_on=ago(24), postponed_on=ago(1))  # the notice is sent
    case(clerk, state=CaseState.DECIDED, applied_on=ago(25), decided_on=ago(1))  # decided
    late = case(clerk, state=CaseState.RECEIVED, applied_on=ago(31))  # past: on the overdue list

    board = selectors.dashboard_read(wards=[OWN], today=TODAY)

    assert [(r.number, r.days_left) for r in board.due_soon.rows] == [(today.number, 0), (in_7.number, 7)]
    assert board.due_soon.total == 2
    assert board.due_soon.rows[1].kind == "renewal" and board.due_soon.rows[1].due_on == TODAY + timedelta(days=7)
    assert [(r.number, r.days_left) for r in board.overdue.rows] == [(late.number, -1)]


def test_the_lists_show_at_most_the_limit_with_their_total(clerk):
    for _ in range(4):
        case(clerk, applied_on=ago(26))
    board = selectors.dashboard_read(wards=[OWN], today=TODAY, limit=3)
    assert len(board.due_soon.rows) == 3 and board.due_soon.total == 4


def test_notices_sent_after_day_30_are_listed(clerk):
    late = case(clerk, state=CaseState.DECIDED, applied_on=date(2026, 10, 1), postponed_on=date(2026, 11, 5),
                decided_on=date(2026, 11, 20))  # day 30 was 10/31: 5 days late
    case(clerk, applied_on=date(2026, 10, 20), postponed_on=date(2026, 11, 19))  # day 30 itself: in time
    case(clerk, state=CaseState.DECIDED, applied_on=date(2025, 10, 1), postponed_on=date(2025, 11, 20),
         decided_on=date(2025, 11, 30))  # over a year ago

    board = selectors.dashboard_read(wards=[OWN], today=TODAY)

    assert [r.number for r in board.late_notices.rows] == [late.number]
    row = board.late_notices.rows[0]
    assert row.postponed_on == date(2026, 11, 5) and row.due_on == date(2026, 10, 31)


def test_average_days_per_ward_and_per_month(clerk):
    decided = CaseState.DECIDED
    case(clerk, state=decided, applied_on=date(2026, 10, 1), decided_on=date(2026, 10, 31))  # 30 days
    case(clerk, state=decided, applied_on=date(2026, 10, 5), decided_on=date(2026, 11, 14))  # 40 days
    case(clerk, ward=OTHER, state=decided, applied_on=date(2026, 11, 1), decided_on=date(2026, 11, 26))  # 25
    case(clerk, state=decided, kind="carry_over", applied_on=date(2026, 11, 2), decided_on=date(2026, 11, 2))
    case(clerk, state=decided, applied_on=date(2025, 11, 1), decided_on=date(2025, 12, 31))  # before the window
    case(clerk, applied_on=ago(3))  # open

    board = selectors.dashboard_read(wards=[OWN, OTHER], today=TODAY)

    wards = {a.key: a for a in board.by_ward}
    assert (wards[OWN].decided, wards[OWN].average_days, wards[OWN].within_30) == (2, 35.0, 1)
    assert (wards[OTHER].decided, wards[OTHER].average_days, wards[OTHER].within_30) == (1, 25.0, 1)
    months = {a.key: a for a in board.by_month}
    assert len(board.by_month) == 12 and board.by_month[0].key == date(2026, 1, 1)
    assert (months[date(2026, 10, 1)].decided, months[date(2026, 10, 1)].average_days) == (1, 30.0)
    assert (months[date(2026, 11, 1)].decided, months[date(2026, 11, 1)].average_days) == (2, 32.5)
    assert months[date(2026, 12, 1)].decided == 0 and months[date(2026, 12, 1)].average_days is None
    only_own = selectors.dashboard_read(wards=[OWN], today=TODAY)
    assert [a.key for a in only_own.by_ward] == [OWN]
    assert {a.key: a.average_days for a in only_own.by_month}[date(2026, 11, 1)] == 40.0


def test_past_months_come_from_the_cache_this_month_is_read_live(clerk):
    case(clerk, state=CaseState.DECIDED, applied_on=date(2026, 10, 1), decided_on=date(2026, 10, 21))  # 20 days
    first = selectors.dashboard_read(wards=[OWN], today=TODAY)
    case(clerk, state=CaseState.DECIDED, applied_on=date(2026, 11, 1), decided_on=date(2026, 11, 11))  # past month
    case(clerk, state=CaseState.DECIDED, applied_on=date(2026, 11, 20), decided_on=date(2026, 12, 2))  # this month

    again = selectors.dashboard_read(wards=[OWN], today=TODAY)

    months = {a.key: a for a in again.by_month}
    assert months[date(2026, 10, 1)].decided == 1 and months[date(2026, 12, 1)].decided == 1
    assert months[date(2026, 11, 1)].decided == 0  # entered after the page cached November: seen within the hour
    assert first.by_ward[0].decided == 1 and again.by_ward[0].decided == 2
    assert selectors.PAST_MONTHS_SECONDS == 3600


def test_surveys_and_opinions_waiting(clerk):
    case(clerk, applied_on=ago(30), survey_requested_on=date(2026, 11, 10),
         opinion_requested_on=date(2026, 12, 1))
    case(clerk, applied_on=ago(20), survey_requested_on=ago(18), surveyed_on=ago(5),
         opinion_requested_on=ago(18), opinion_received_on=ago(4))
    case(clerk, state=CaseState.DECIDED, applied_on=ago(40), survey_requested_on=ago(38), decided_on=ago(2))

    w = selectors.dashboard_read(wards=[OWN], today=TODAY).waiting

    assert (w.surveys, w.surveys_long, w.survey_oldest) == (1, 1, date(2026, 11, 10))
    assert (w.opinions, w.opinions_long, w.opinion_oldest) == (1, 0, date(2026, 12, 1))


def test_surveys_waiting_per_body_and_opinions_per_doctor(clerk):
    from certification.opinion.models import Doctor, Institution, Opinion
    from certification.survey.models import Survey, SurveyBody

    body = SurveyBody.objects.create(code="T000000001", name="試験認定調査センター", kind="city")
    clinic = Institution.objects.create(code="T000000001", name="試験診療所")
    doctor = Doctor.objects.create(institution=clinic, name="試験 医師", created_by=clerk)
    waiting = case(clerk, applied_on=ago(25))
    done = case(clerk, applied_on=ago(20))
    other_ward = case(clerk, ward=OTHER, applied_on=ago(20))
    for c, surveyed in ((waiting, None), (done, ago(3)), (other_ward, None)):
        Survey.objects.create(case=c, body=body, requested_on=ago(20), requested_by=clerk, surveyed_on=surveyed)
        if surveyed is None:  # (a received opinion carries its items: the done case has none requested)
            Opinion.objects.create(case=c, doctor=doctor, requested_on=ago(10), requested_by=clerk)

    board = selectors.dashboard_read(wards=[OWN], today=TODAY)

    (survey_title, bodies), (opinion_title, doctors) = board.breakdowns[:2]
    assert survey_title == "調査機関別の調査待ち" and opinion_title == "主治医別の意見書待ち"
    assert bodies == [selectors.Holder("試験認定調査センター", 1, 1, ago(20))]  # requested 20 days ago: long
    assert doctors == [selectors.Holder("試験診療所　試験 医師", 1, 0, ago(10))]


def test_a_registered_breakdown_is_read_and_shown(clerk, client_as):
    calls = []

    def per_body(wards, today):
        calls.append((wards, today))
        return [selectors.Holder("川崎市認定調査センター", 3, 1, date(2026, 11, 1))]

    selectors.waiting_breakdown_register("extra", "調査機関別の調査待ち", per_body)
    try:
        board = selectors.dashboard_read(wards=[OWN], today=TODAY)
        assert calls == [([OWN], TODAY)] and board.breakdowns[-1][0] == "調査機関別の調査待ち"
        body = client_as(Role.HEAD_OFFICE_CLERK).get("/certification/dashboard/").content.decode()
        assert "調査機関別の調査待ち" in body and "川崎市認定調査センター" in body
    finally:
        selectors.WAITING_BREAKDOWNS.pop("extra")


# --- scope and the screen -------------------------------------------------------------------------


def test_scope_a_wards_clerk_sees_the_ward_the_head_office_and_the_chief_every_ward(make_staff):
    ward_clerk = make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    assert selectors.dashboard_wards(ward_clerk) == {OWN}
    assert selectors.dashboard_wards(make_staff(Role.HEAD_OFFICE_CLERK)) == set(Ward.values)
    assert selectors.dashboard_wards(make_staff(Role.SECTION_CHIEF)) == set(Ward.values)
    with pytest.raises(NotPermitted):
        selectors.dashboard_wards(make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA))
    with pytest.raises(NotPermitted):
        selectors.dashboard_view(actor=ward_clerk, request=None, today=TODAY, ward=OTHER)


def test_the_page_by_scope_with_the_ward_filter_and_its_access_log(client_as, clerk, make_staff):
    today = timezone.localdate()
    own = case(clerk, applied_on=today - timedelta(days=25))
    other = case(clerk, ward=OTHER, applied_on=today - timedelta(days=26))

    client = client_as(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    body = client.get("/certification/dashboard/?ward=asao").content.decode()
    assert "認定の締切管理（中原区）" in body and own.number in body and other.number not in body
    assert 'name="ward"' not in body  # no filter for one ward
    entry = AccessLogEntry.objects.latest("id")
    assert entry.function == "certification.dashboard" and entry.person_ids == [own.resident_id]

    chief = client_as(Role.SECTION_CHIEF)
    body = chief.get("/certification/dashboard/").content.decode()
    assert own.number in body and other.number in body and 'name="ward"' in body
    body = chief.get("/certification/dashboard/?ward=asao").content.decode()
    assert other.number in body and own.number not in body and "認定の締切管理（麻生区）" in body
    assert "木村" not in body  # no names: the page has no name column at all
    response = client_as(Role.WARD_CLERK).get("/certification/dashboard/")
    assert response.status_code == 403


def test_the_page_costs_few_queries_however_many_cases(client_as, clerk, django_assert_max_num_queries):
    today = timezone.localdate()
    for days in range(0, 45, 3):
        case(clerk, applied_on=today - timedelta(days=days))
        case(clerk, ward=OTHER, state=CaseState.DECIDED, applied_on=today - timedelta(days=days + 60),
             decided_on=today - timedelta(days=days + 20))
    client = client_as(Role.SECTION_CHIEF)
    client.get("/certification/dashboard/")  # sessions and grants warmed as on a signed-in clerk's page
    # session, staff, role grants, second factor, the one round trip of the case table, the access log
    with django_assert_max_num_queries(8):
        response = client.get("/certification/dashboard/")
    assert response.status_code == 200


def test_the_page_costs_exactly_four_queries(client_as, clerk):
    """Pinned (issue 18, "Speed"): the signed-in staff member with the session, the chief's second
    factor, the one round trip of every panel (kaigo.db.fetch_sets), the one access-log row naming
    the listed cases' persons. The past months' averages are read once an hour (a fifth query on
    the first page of the hour, warmed here); a query more on a warmed page is a regression."""
    today = timezone.localdate()
    client = client_as(Role.SECTION_CHIEF)
    counts = []
    for days in range(0, 45, 3):
        case(clerk, applied_on=today - timedelta(days=days))
        case(clerk, ward=OTHER, state=CaseState.DECIDED, applied_on=today - timedelta(days=days + 60),
             decided_on=today - timedelta(days=days + 20))
        if days in (24, 42):  # a case due within the week listed, then overdue ones too
            for path in ("/certification/dashboard/", "/certification/dashboard/?ward=asao"):
                client.get(path)  # warmed: session, grants, the past months' sums
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(path).status_code == 200
                sql = [q["sql"] for q in queries]
                counts.append(len(sql))
                assert sum("audit_access_append" in s for s in sql) == (1 if "asao" not in path else 0), sql
    assert counts == [4, 3, 4, 3]  # the ward of no listed case: no access-log row


def test_the_case_number_links_to_the_case_page_only_when_there_is_one(client_as, clerk):
    from django.urls import NoReverseMatch, reverse

    listed = case(clerk, applied_on=timezone.localdate() - timedelta(days=27))
    body = client_as(Role.HEAD_OFFICE_CLERK).get("/certification/dashboard/").content.decode()
    try:
        url = reverse("certification:case_detail", args=[listed.pk])
    except NoReverseMatch:
        assert f">{listed.number}<" in body and f'">{listed.number}</a>' not in body
    else:
        assert f'<a href="{url}">{listed.number}</a>' in body


def test_the_menu_shows_the_dashboard_to_those_who_may_open_it(client_as):
    assert "/certification/dashboard/" in client_as(Role.SECTION_CHIEF).get("/").content.decode()
    assert "/certification/dashboard/" not in client_as(Role.WARD_CLERK).get("/").content.decode()


def test_a_list_longer_than_the_page_links_to_all_of_it_in_the_case_list(client_as, clerk):
    from django.utils import timezone

    today = timezone.localdate()
    for _ in range(selectors.LIST_LIMIT + 1):  # day 26 of each: due within the week, no notice
        case(clerk, applied_on=today - timedelta(days=26))
    body = client_as(Role.HEAD_OFFICE_CLERK).get("/certification/dashboard/?ward=nakahara").content.decode()
    assert f"先頭の{selectors.LIST_LIMIT}件を表示" in body
    link = "/certification/cases/?due_soon=on&amp;ward=nakahara"
    assert link in body and f"すべて案件一覧で見る（{selectors.LIST_LIMIT + 1}件）" in body
    listed = client_as(Role.HEAD_OFFICE_CLERK).get(link.replace("&amp;", "&")).content.decode()
    assert f"{selectors.LIST_LIMIT + 1}件" in listed
    # the chief sees the dashboard but not the case list (no certification.view): no link to it
    assert "due_soon=on" not in client_as(Role.SECTION_CHIEF).get("/certification/dashboard/").content.decode()
