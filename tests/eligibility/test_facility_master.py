"""The facility master (施設マスタ, issue 16 item 8): the rule of a facility as entered (a table of
cases from 介護保険法 §13 第1項, 施行法 §11 / 施行規則 §170 and the code lists), who may see and
change it, the services (create, edit, close; never delete), the change trail, the screens, and the
synthetic city's facilities: with them, every kind of 届出 can be registered."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection

from eligibility.codes import FacilityCategory as C
from eligibility.codes import FacilityKind, GainReason, LossReason, StayKind, Ward, municipality_code
from eligibility.models import Facility, FacilityStay
from eligibility.qualification.rules import (
    FacilityFact,
    FacilityInput,
    Notification,
    facility_check,
    facility_close_check,
    facility_kind,
    notification_check,
)
from eligibility.qualification.rules import (
    NotificationKind as K,
)
from eligibility.qualification.services import (
    Context,
    FacilityInvalid,
    facility_close,
    facility_create,
    facility_update,
    notification_register,
    requalify,
    stored_periods,
)
from kaigo.errors import InvalidState, NotPermitted
from kaigo.staff.roles import Organisation, Role, has_permission
from synthetic.facilities import FACILITIES, facilities_step, facility_rows
from tests.eligibility.factories import make_resident

CITY = municipality_code("14133")  # 中原区 (141330: the check digit computed, never typed)
MACHIDA = municipality_code("13209")


def entered(**overrides) -> FacilityInput:
    values = dict(code="FS99000001", name="試験特養", category=C.NURSING_HOME, municipality=CITY,
                  address="中原区試験町1番1号", office_number="1471300011", opened_on=date(2001, 4, 1))
    values.update(overrides)
    return FacilityInput(**values)


# --- the rule ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("category", "kind"), [
    # 法 §13 第1項 第1号 介護保険施設 (§8 第25項)
    (C.NURSING_HOME, FacilityKind.SPECIAL), (C.HEALTH_FACILITY, FacilityKind.SPECIAL),
    (C.CARE_MEDICAL, FacilityKind.SPECIAL),
    # 第2号 特定施設 (§8 第11項, 規則 §15)
    (C.PAID_HOME, FacilityKind.SPECIAL), (C.LOW_COST_HOME, FacilityKind.SPECIAL),
    # 第3号 養護老人ホーム (老人福祉法 §20の4)
    (C.PROTECTIVE_HOME, FacilityKind.SPECIAL),
    # 施行法 §11, 規則 §170
    (C.DISABILITY_SUPPORT, FacilityKind.EXEMPTION), (C.DISABILITY_MEASURE, FacilityKind.EXEMPTION),
    (C.MEDICAL_CHILD, FacilityKind.EXEMPTION), (C.MEDICAL_CARE_HOSPITAL, FacilityKind.EXEMPTION),
    (C.NOZOMI, FacilityKind.EXEMPTION), (C.HANSEN, FacilityKind.EXEMPTION), (C.RELIEF, FacilityKind.EXEMPTION),
    (C.WORK_INJURY, FacilityKind.EXEMPTION),
    # not a 介護保険施設 (§8 第22項: 29 places or fewer), not a 特定施設: no effect
    (C.COMMUNITY_NURSING_HOME, FacilityKind.OTHER), (C.GROUP_HOME, FacilityKind.OTHER), (C.OTHER, FacilityKind.OTHER),
])
def test_each_category_has_the_kind_the_law_gives_it(category, kind):
    assert facility_kind(category) == kind


def test_every_category_has_a_kind():
    assert {c for c in C.values if facility_kind(c)} == set(C.values)


@pytest.mark.parametrize(("overrides", "expected"), [
    pytest.param({}, {}, id="ok"),
    pytest.param(dict(code="fs1"), {"code": "施設コードは英大文字と数字で10文字以内で入力してください。"}, id="code-lower"),
    pytest.param(dict(code="F" * 11), {"code": "施設コードは英大文字と数字で10文字以内で入力してください。"}, id="code-long"),
    pytest.param(dict(code=""), {"code": "施設コードは英大文字と数字で10文字以内で入力してください。"}, id="code-empty"),
    pytest.param(dict(name=" "), {"name": "施設名を入力してください。"}, id="name-blank"),
    pytest.param(dict(name="あ" * 101), {"name": "施設名は100文字以内で入力してください。"}, id="name-long"),
    pytest.param(dict(category="hotel"), {"category": "施設種別を選んでください。"}, id="category-unknown"),
    pytest.param(dict(municipality="141300"),
                 {"municipality": "所在市町村コードは検査数字を含む6桁の全国地方公共団体コードで入力してください。"},
                 id="municipality-check-digit"),  # 14130 -> 5 (総務省の検査数字)
    pytest.param(dict(municipality="14130"),
                 {"municipality": "所在市町村コードは検査数字を含む6桁の全国地方公共団体コードで入力してください。"},
                 id="municipality-five-digits"),
    pytest.param(dict(municipality="141305"), {}, id="municipality-kawasaki"),
    pytest.param(dict(office_number=""), {"office_number": "介護保険施設は介護保険事業所番号を入力してください。"},
                 id="office-number-required-for-a-kaigo-hoken-shisetsu"),
    pytest.param(dict(category=C.PAID_HOME, office_number=""), {}, id="office-number-optional-for-a-paid-home"),
    pytest.param(dict(category=C.CARE_MEDICAL, office_number="14B1300011"), {}, id="office-number-with-B"),
    pytest.param(dict(office_number="147130001"),
                 {"office_number": "介護保険事業所番号は10桁（3桁目のみ英大文字も可）で入力してください。"}, id="office-9"),
    pytest.param(dict(office_number="14713000１1"),
                 {"office_number": "介護保険事業所番号は10桁（3桁目のみ英大文字も可）で入力してください。"},
                 id="office-full-width-unfolded"),
    pytest.param(dict(office_number="1371300011"),
                 {"office_number": "介護保険事業所番号の先頭2桁（都道府県番号）が所在市町村の都道府県と一致しません。"},
                 id="office-other-prefecture"),
    pytest.param(dict(municipality=MACHIDA, office_number="1371300011"), {}, id="office-tokyo-in-tokyo"),
    pytest.param(dict(address="あ" * 201), {"address": "所在地は200文字以内で入力してください。"}, id="address-long"),
])
def test_facility_check(overrides, expected):
    problems = facility_check(entered(**overrides))
    assert problems == expected
    for message in problems.values():  # a message never repeats what was entered
        assert not re.search(r"[0-9]{4}", message)


@pytest.mark.parametrize(("kwargs", "expected"), [
    pytest.param(dict(closed_on=date(2025, 6, 1)), [], id="ok"),
    pytest.param(dict(closed_on=date(2001, 4, 1)), ["廃止日は開設日より後の日付を入力してください。"], id="on-opening"),
    pytest.param(dict(closed_on=date(2025, 6, 25)), ["廃止日は本日から14日後までの日付を入力してください。"], id="far-ahead"),
    pytest.param(dict(closed_on=date(2025, 6, 1), open_stays=2),
                 ["この施設に入所中の方が2人います。先に退所（適用終了）の届出を登録してください。"], id="still-staying"),
    pytest.param(dict(closed_on=date(2025, 6, 1), last_stay_start=date(2025, 6, 1)),
                 ["廃止日より後に入所した記録があります。廃止日を確認してください。"], id="stay-from-that-day"),
])
def test_facility_close_check(kwargs, expected):
    values = dict(opened_on=date(2001, 4, 1), today=date(2025, 6, 10), last_stay_start=None, open_stays=0)
    assert facility_close_check(**{**values, **kwargs}) == expected


@pytest.mark.parametrize(("on", "ok"), [
    (date(2025, 3, 31), False),  # before opening
    (date(2025, 4, 1), True),  # the opening day
    (date(2025, 5, 31), True),  # the day before closing
    (date(2025, 6, 1), False),  # the closing day: no one is taken in
])
def test_a_notification_names_a_facility_open_that_day(on, ok):
    facility = FacilityFact(FacilityKind.EXEMPTION, CITY, date(2025, 4, 1), date(2025, 6, 1))
    problems = notification_check(Notification(K.EXEMPTION_IN, on), today=date(2025, 6, 10),
                                  birth_date=date(1950, 1, 1), died_on=None, facility=facility, stays=[])
    assert (problems == []) is ok
    if not ok:
        assert problems == ["選んだ施設は入所日に開設されていません（施設マスタの開設日・廃止日）。"]


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "view", "manage"), [
    (Role.WARD_CLERK, True, False),
    (Role.CERTIFICATION_CLERK, True, False),
    (Role.HEAD_OFFICE_CLERK, True, True),
    (Role.SECTION_CHIEF, True, False),
    (Role.INQUIRY, True, False),
    (Role.AUDITOR, False, False),
    (Role.OPERATOR, False, False),
])
@pytest.mark.django_db
def test_role_table(make_staff, client_as, role, view, manage):
    staff = make_staff(role)
    assert (has_permission(staff, "facility.view"), has_permission(staff, "facility.manage")) == (view, manage)
    client = client_as(role)
    Facility.objects.create(code="FS99000077", name="試験施設", kind=FacilityKind.SPECIAL, municipality=CITY)
    assert client.get("/eligibility/facilities/").status_code == (200 if view else 403)
    assert client.get("/eligibility/facilities/FS99000077/").status_code == (200 if view else 403)
    assert client.get("/eligibility/facilities/new/").status_code == (200 if manage else 403)
    assert client.get("/eligibility/facilities/FS99000077/edit/").status_code == (200 if manage else 403)
    if not manage:  # the service refuses too, whatever the screen
        with pytest.raises(NotPermitted):
            facility_create(actor=staff, facility=entered())
        assert not Facility.objects.filter(code="FS99000001").exists()


# --- the services ---------------------------------------------------------------------------------


@pytest.fixture
def keeper(make_staff):
    return make_staff(Role.HEAD_OFFICE_CLERK, organisation=Organisation.HEAD_OFFICE)


@pytest.mark.django_db
def test_create_edit_and_close_are_in_the_change_trail(keeper):
    created = facility_create(actor=keeper, facility=entered())
    assert (created.kind, created.category, created.office_number) == (FacilityKind.SPECIAL, C.NURSING_HOME,
                                                                      "1471300011")
    with pytest.raises(FacilityInvalid) as exc:
        facility_create(actor=keeper, facility=entered(name="別の施設"))
    assert exc.value.fields == {"code": "この施設コードは既に登録されています。"}

    facility_update(actor=keeper, facility=entered(name="試験特養（改称）", category=C.HEALTH_FACILITY))
    closed = facility_close(actor=keeper, code="FS99000001", closed_on=date.today(), reason="閉所")
    assert (closed.closed_on, closed.closed_reason) == (date.today(), "閉所")
    with pytest.raises(InvalidState):
        facility_close(actor=keeper, code="FS99000001", closed_on=date.today(), reason="閉所")

    with connection.cursor() as cursor:
        cursor.execute("SELECT pgh_label, name, category, closed_on FROM eligibility_facilityevent "
                       "WHERE pgh_obj_id = 'FS99000001' ORDER BY pgh_id")
        assert cursor.fetchall() == [("insert", "試験特養", "nursing_home", None),
                                     ("update", "試験特養（改称）", "health_facility", None),
                                     ("update", "試験特養（改称）", "health_facility", date.today())]
    assert Facility.objects.filter(code="FS99000001").exists()  # closed, not deleted


@pytest.mark.django_db
def test_a_facility_a_stay_names_keeps_its_kind_and_municipality_and_is_not_closed_while_occupied(keeper):
    facility_create(actor=keeper, facility=entered(code="FX99000001", category=C.DISABILITY_SUPPORT,
                                                   office_number=""))
    resident = make_resident(ward=Ward.NAKAHARA)
    FacilityStay.objects.create(resident=resident, kind=StayKind.EXEMPTION, facility_id="FX99000001",
                                start=date(2020, 4, 1))
    with pytest.raises(FacilityInvalid) as exc:
        facility_update(actor=keeper, facility=entered(code="FX99000001", category=C.NURSING_HOME,
                                                       municipality=MACHIDA, office_number="1371300011",
                                                       opened_on=date(2021, 1, 1)))
    assert set(exc.value.fields) == {"category", "municipality", "opened_on"}
    # the same kind (another exemption category) is fine
    facility_update(actor=keeper, facility=entered(code="FX99000001", category=C.RELIEF, office_number=""))
    with pytest.raises(FacilityInvalid) as exc:
        facility_close(actor=keeper, code="FX99000001", closed_on=date.today(), reason="閉所")
    assert exc.value.problems == ["この施設に入所中の方が1人います。先に退所（適用終了）の届出を登録してください。"]
    assert Facility.objects.get(code="FX99000001").closed_on is None


# --- the screens ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_screens_create_search_edit_and_close(client_as):
    client = client_as(Role.HEAD_OFFICE_CLERK, organisation=Organisation.HEAD_OFFICE)
    bad = client.post("/eligibility/facilities/new/", {"code": "FS99000002", "name": "試験老健", "category":
                      C.HEALTH_FACILITY, "municipality": "141331", "office_number": ""})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "error-summary" in text and "介護保険施設は介護保険事業所番号を入力してください。" in text
    assert "所在市町村コードは検査数字を含む6桁" in text  # 14133 -> check digit 0, not 1
    assert not Facility.objects.filter(code="FS99000002").exists()

    response = client.post("/eligibility/facilities/new/", {
        "code": "fs99000002", "name": "試験老健", "category": C.HEALTH_FACILITY, "municipality": CITY,
        "office_number": "１４５１３０００２２", "opened_on": "2010-04-01"})
    assert response.status_code == 302
    row = Facility.objects.get(code="FS99000002")  # the code upper-cased, full-width digits folded
    assert (row.kind, row.office_number) == (FacilityKind.SPECIAL, "1451300022")

    listed = client.get("/eligibility/facilities/", {"text": "老健", "kind": FacilityKind.SPECIAL, "where": "city"})
    assert "試験老健" in listed.content.decode()
    assert "試験老健" not in client.get("/eligibility/facilities/", {"where": "outside"}).content.decode()

    assert client.post("/eligibility/facilities/FS99000002/edit/", {
        "name": "試験老健（改称）", "category": C.HEALTH_FACILITY, "municipality": CITY,
        "office_number": "1451300022", "code": "ZZ"}).status_code == 302
    assert Facility.objects.get(code="FS99000002").name == "試験老健（改称）"
    assert not Facility.objects.filter(code="ZZ").exists()  # the code of an existing facility is fixed

    assert client.post("/eligibility/facilities/FS99000002/close/", {
        "closed_on": date.today().isoformat(), "reason": "閉所"}).status_code == 302
    detail = client.get("/eligibility/facilities/FS99000002/").content.decode()
    assert "変更の履歴" in detail and detail.count(client.staff.username) == 3  # registered, renamed, closed
    link = 'href="/eligibility/facilities/FS99000002/"'
    assert link not in client.get("/eligibility/facilities/").content.decode()
    assert link in client.get("/eligibility/facilities/", {"include_closed": "on"}).content.decode()


# --- the synthetic city's facilities ----------------------------------------------------------------


def test_the_synthetic_master_has_every_category_in_and_outside_the_city():
    from eligibility.codes import OWN_MUNICIPALITY_CODES

    rows = facility_rows()
    assert {r.category for r in rows} >= set(C.values) - {C.OTHER}
    special = [r for r in rows if r.kind == FacilityKind.SPECIAL and r.closed_on is None]
    assert any(r.municipality in OWN_MUNICIPALITY_CODES for r in special)
    assert any(r.municipality not in OWN_MUNICIPALITY_CODES for r in special)
    assert any(r.kind == FacilityKind.EXEMPTION and r.municipality in OWN_MUNICIPALITY_CODES for r in rows)
    assert any(r.closed_on is not None for r in rows)
    assert len({r.code for r in rows}) == len(FACILITIES)


@pytest.mark.django_db
def test_every_kind_of_notification_can_be_registered_against_a_demo_facility(make_staff):
    facilities_step(None)
    assert facilities_step(None) is None  # a second run adds nothing
    clerk = make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    today = date.today()
    on, off = today - timedelta(days=30), today - timedelta(days=10)

    def open_facility(kind, in_city):
        from eligibility.codes import OWN_MUNICIPALITY_CODES

        return next(f for f in Facility.objects.filter(kind=kind, closed_on__isnull=True).order_by("code")
                    if (f.municipality in OWN_MUNICIPALITY_CODES) == in_city)

    cases = [
        (K.EXEMPTION_IN, K.EXEMPTION_OUT, open_facility(FacilityKind.EXEMPTION, True), LossReason.EXEMPTION),
        (K.SELF_SPECIAL_START, K.SELF_SPECIAL_END, open_facility(FacilityKind.SPECIAL, False), None),
        (K.OTHER_SPECIAL_START, K.OTHER_SPECIAL_END, open_facility(FacilityKind.SPECIAL, True),
         LossReason.OTHER_SPECIAL),
    ]
    registered = set()
    for start, end, facility, loss in cases:
        resident = make_resident(ward=Ward.NAKAHARA, birth_date=date(1950, 6, 15))
        requalify([resident.pk], until=today, context=Context(source="generated"))
        notification_register(actor=clerk, resident_id=resident.pk,
                              notification=Notification(start, on, facility.code))
        periods = stored_periods([resident.pk])[resident.pk]
        if loss is not None:
            assert periods[0].loss_reason == loss
        notification_register(actor=clerk, resident_id=resident.pk, notification=Notification(end, off))
        assert FacilityStay.objects.get(resident=resident).end == off
        registered |= {start, end}
    younger = make_resident(ward=Ward.NAKAHARA, birth_date=date(1975, 6, 15))
    requalify([younger.pk], until=today, context=Context(source="generated"))
    notification_register(actor=clerk, resident_id=younger.pk, notification=Notification(K.SECOND_CLASS, on))
    assert stored_periods([younger.pk])[younger.pk][0].gain_reason == GainReason.SECOND_CLASS_APPLICATION
    registered.add(K.SECOND_CLASS)
    assert registered == set(K.values)
    # the closed demo facility is refused on a day after its closing
    closed = Facility.objects.filter(closed_on__isnull=False).first()
    other = make_resident(ward=Ward.NAKAHARA, birth_date=date(1950, 6, 15))
    with pytest.raises(Exception) as exc:
        notification_register(actor=clerk, resident_id=other.pk,
                              notification=Notification(K.OTHER_SPECIAL_START, on, closed.code))
    assert "開設されていません" in str(exc.value)
