"""Notifications registered by hand (届出): the rule as a table of cases, and the service writing
the fact and the new qualification revision in one transaction (real PostgreSQL)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from eligibility.codes import (
    FacilityKind,
    GainReason,
    LossReason,
    ResidenceStatus,
    StayKind,
    Ward,
    municipality_code,
)
from eligibility.models import Facility, FacilityStay, InsuredNumber, QualificationPeriod, ResidenceSpell, Resident
from eligibility.qualification.rules import (
    FUTURE_LIMIT_DAYS,
    FacilityFact,
    Notification,
    NotificationKind as K,
    StayFact,
    notification_check,
)
from eligibility.qualification.services import (
    Context,
    NotificationInvalid,
    notification_register,
    requalify,
    stored_periods,
)
from eligibility.residents.models import SpellEnd
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from tests.eligibility.factories import make_resident

TODAY = date(2025, 6, 10)
BORN = date(1970, 6, 15)  # aged 54 on TODAY; reaches 40 on 2010-06-14 and 65 on 2035-06-14
CITY = municipality_code("14130")
ELSEWHERE = municipality_code("13101")
EXEMPTION = FacilityFact(FacilityKind.EXEMPTION, CITY)
SPECIAL_HERE = FacilityFact(FacilityKind.SPECIAL, CITY)
SPECIAL_ELSEWHERE = FacilityFact(FacilityKind.SPECIAL, ELSEWHERE)
STAYING = StayFact(1, StayKind.EXEMPTION, date(2025, 3, 1), None)
LEFT = StayFact(2, StayKind.EXEMPTION, date(2024, 1, 1), date(2025, 3, 1))


def check(kind, on, *, facility=None, stays=(), died_on=None, second_class_from=None, birth=BORN):
    return notification_check(Notification(kind, on), today=TODAY, birth_date=birth, died_on=died_on,
                              facility=facility, stays=stays, second_class_from=second_class_from)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param(dict(kind=K.EXEMPTION_IN, on=TODAY, facility=EXEMPTION), [], id="exemption-in-ok"),
        pytest.param(dict(kind=K.EXEMPTION_IN, on=TODAY + timedelta(days=FUTURE_LIMIT_DAYS), facility=EXEMPTION), [],
                     id="future-at-the-limit"),
        pytest.param(dict(kind=K.EXEMPTION_IN, on=TODAY + timedelta(days=FUTURE_LIMIT_DAYS + 1), facility=EXEMPTION),
                     [f"入所日は本日から{FUTURE_LIMIT_DAYS}日後までの日付を入力してください。"], id="future-beyond-limit"),
        pytest.param(dict(kind=K.EXEMPTION_IN, on=date(1960, 1, 1), facility=EXEMPTION),
                     ["入所日が生年月日より前です。"], id="before-birth"),
        pytest.param(dict(kind=K.EXEMPTION_IN, on=date(2025, 5, 2), facility=EXEMPTION, died_on=date(2025, 5, 1)),
                     ["入所日が死亡日より後です。"], id="after-death"),
        pytest.param(dict(kind=K.EXEMPTION_IN, on=TODAY), ["施設を選んでください。"], id="no-facility"),
        pytest.param(dict(kind=K.EXEMPTION_IN, on=TODAY, facility=SPECIAL_HERE),
                     ["選んだ施設は適用除外施設ではありません。"], id="wrong-facility-kind"),
        pytest.param(dict(kind=K.EXEMPTION_IN, on=TODAY, facility=EXEMPTION, stays=[STAYING]),
                     ["既に登録されている施設入所（適用除外・住所地特例）の期間と重なります。"], id="overlapping-stay"),
        pytest.param(dict(kind=K.EXEMPTION_IN, on=date(2025, 3, 1), facility=EXEMPTION, stays=[LEFT]), [],
                     id="transfer-on-the-day-of-leaving"),
        pytest.param(dict(kind=K.EXEMPTION_IN, on=date(2025, 2, 28), facility=EXEMPTION, stays=[LEFT]),
                     ["既に登録されている施設入所（適用除外・住所地特例）の期間と重なります。"], id="before-leaving"),
        pytest.param(dict(kind=K.EXEMPTION_OUT, on=TODAY, stays=[STAYING]), [], id="exemption-out-ok"),
        pytest.param(dict(kind=K.EXEMPTION_OUT, on=date(2025, 2, 1), stays=[STAYING]),
                     ["退所日が開始日（入所日）より前です。"], id="end-before-start"),
        pytest.param(dict(kind=K.EXEMPTION_OUT, on=TODAY, stays=[LEFT]),
                     ["終了する適用除外施設入所の記録がありません。"], id="nothing-to-end"),
        pytest.param(dict(kind=K.SELF_SPECIAL_START, on=TODAY, facility=SPECIAL_ELSEWHERE), [], id="self-special-ok"),
        pytest.param(dict(kind=K.SELF_SPECIAL_START, on=TODAY, facility=SPECIAL_HERE),
                     ["本市の被保険者の住所地特例では、他市町村の施設を選んでください。"], id="self-special-in-city"),
        pytest.param(dict(kind=K.OTHER_SPECIAL_START, on=TODAY, facility=SPECIAL_HERE), [], id="other-special-ok"),
        pytest.param(dict(kind=K.OTHER_SPECIAL_START, on=TODAY, facility=SPECIAL_ELSEWHERE),
                     ["他市町村の被保険者の住所地特例では、市内の施設を選んでください。"], id="other-special-elsewhere"),
        pytest.param(dict(kind=K.OTHER_SPECIAL_START, on=TODAY, facility=EXEMPTION),
                     ["選んだ施設は住所地特例対象施設ではありません。"], id="other-special-wrong-kind"),
        pytest.param(dict(kind=K.OTHER_SPECIAL_END, on=TODAY, stays=[StayFact(3, StayKind.OTHER_SPECIAL, TODAY, None)]),
                     [], id="other-special-end-same-day"),
        pytest.param(dict(kind=K.SELF_SPECIAL_END, on=TODAY, stays=[STAYING]),
                     ["終了する住所地特例（自市町村の被保険者）の記録がありません。"], id="self-special-end-none"),
        pytest.param(dict(kind=K.SECOND_CLASS, on=TODAY), [], id="second-class-at-54"),
        pytest.param(dict(kind=K.SECOND_CLASS, on=date(2010, 6, 14)), [], id="second-class-on-the-40-date"),
        pytest.param(dict(kind=K.SECOND_CLASS, on=date(2010, 6, 13)),
                     ["第2号被保険者は40歳以上65歳未満の方です。申請日の年齢が対象外です。"], id="second-class-at-39"),
        pytest.param(dict(kind=K.SECOND_CLASS, on=TODAY, birth=date(1960, 6, 11)),
                     ["第2号被保険者は40歳以上65歳未満の方です。申請日の年齢が対象外です。"], id="second-class-on-the-65-date"),
        pytest.param(dict(kind=K.SECOND_CLASS, on=TODAY, second_class_from=date(2025, 1, 1)),
                     ["第2号被保険者の資格取得（申請）は既に記録されています。"], id="second-class-already"),
        pytest.param(dict(kind=K.SECOND_CLASS, on=date(2024, 12, 1), second_class_from=date(2025, 1, 1)), [],
                     id="second-class-earlier-application"),
        pytest.param(dict(kind="unknown", on=TODAY), ["届出の種類を選んでください。"], id="unknown-kind"),
    ],
)
def test_notification_check(kwargs, expected):
    problems = check(**kwargs)
    assert problems == expected
    for message in problems:  # the messages never repeat a date entered or stored
        assert not re.search(r"\d{4}", message)


# --- the service ----------------------------------------------------------------------------------

@pytest.fixture
def facilities(db):
    return {
        "exemption": Facility.objects.create(code="FX00000001", name="試験除外施設", kind=FacilityKind.EXEMPTION,
                                             municipality=CITY),
        "here": Facility.objects.create(code="FS00000001", name="試験特養（市内）", kind=FacilityKind.SPECIAL,
                                        municipality=CITY),
        "elsewhere": Facility.objects.create(code="FS00000002", name="試験特養（市外）", kind=FacilityKind.SPECIAL,
                                             municipality=ELSEWHERE),
    }


def insured(birth_date=date(1950, 6, 15), **kwargs) -> Resident:
    resident = make_resident(birth_date=birth_date, **kwargs)
    requalify([resident.pk], until=date.today(), context=Context(source="generated"))
    return resident


def periods(resident):
    return [(p.insured_class, p.start, p.end, p.gain_reason, p.loss_reason)
            for p in stored_periods([resident.pk]).get(resident.pk, [])]


def register(staff, resident, kind, on, facility=None):
    return notification_register(actor=staff, resident_id=resident.pk,
                                 notification=Notification(kind, on, facility.code if facility else ""))


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)


@pytest.mark.django_db
def test_entering_and_leaving_an_exemption_facility(clerk, facilities):
    resident = insured(ward=Ward.NAKAHARA)
    entered, left = date.today() - timedelta(days=40), date.today() - timedelta(days=10)

    result = register(clerk, resident, K.EXEMPTION_IN, entered, facilities["exemption"])
    assert result.changed == [resident.pk]
    stay = FacilityStay.objects.get(resident=resident)
    assert (stay.kind, stay.facility_id, stay.start, stay.end, stay.decided_by_id) == (
        StayKind.EXEMPTION, "FX00000001", entered, None, clerk.pk)
    assert periods(resident) == [("1", date(2015, 6, 14), entered + timedelta(days=1), GainReason.AGE_65,
                                  LossReason.EXEMPTION)]

    register(clerk, resident, K.EXEMPTION_OUT, left)
    assert FacilityStay.objects.get(resident=resident).end == left
    assert periods(resident)[-1] == ("1", left, None, GainReason.EXEMPTION_ENDED, None)
    latest = QualificationPeriod.objects.filter(resident=resident, recorded_to__isnull=True)
    assert {(p.source, p.recorded_by_id, p.revision) for p in latest} == {("notification", clerk.pk, 3)}


@pytest.mark.django_db
def test_second_class_on_application_records_a_period_and_a_number_that_later_derivations_keep(clerk, facilities):
    resident = make_resident(birth_date=date(1970, 6, 15), ward=Ward.NAKAHARA)
    requalify([resident.pk], until=date.today(), context=Context(source="generated"))
    assert periods(resident) == [] and not InsuredNumber.objects.filter(resident=resident).exists()
    applied = date.today() - timedelta(days=5)

    register(clerk, resident, K.SECOND_CLASS, applied)

    assert periods(resident) == [("2", applied, None, GainReason.SECOND_CLASS_APPLICATION, None)]
    assert InsuredNumber.objects.filter(resident=resident).exists()
    # a later notification re-derives from the facts: the application is kept
    register(clerk, resident, K.EXEMPTION_IN, date.today(), facilities["exemption"])
    assert periods(resident) == [("2", applied, date.today() + timedelta(days=1),
                                  GainReason.SECOND_CLASS_APPLICATION, LossReason.EXEMPTION)]
    # and applying again is refused
    with pytest.raises(NotificationInvalid) as exc:
        register(clerk, resident, K.SECOND_CLASS, date.today())
    assert exc.value.problems == ["第2号被保険者の資格取得（申請）は既に記録されています。"]


@pytest.mark.django_db
def test_second_class_without_an_address_that_day_is_refused(clerk):
    resident = make_resident(birth_date=date(1970, 6, 15), ward=Ward.NAKAHARA)
    ResidenceSpell.objects.filter(resident=resident).update(start=date.today() - timedelta(days=3),
                                                            start_is_move_in=True)
    with pytest.raises(NotificationInvalid) as exc:
        register(clerk, resident, K.SECOND_CLASS, date.today() - timedelta(days=10))
    assert "市内に住所がない" in exc.value.message
    assert not QualificationPeriod.objects.filter(resident=resident).exists()


@pytest.mark.django_db
def test_another_insurers_special_address_stay_ends_our_period(clerk, facilities):
    resident = insured(ward=Ward.NAKAHARA)
    day = date.today() - timedelta(days=20)
    register(clerk, resident, K.OTHER_SPECIAL_START, day, facilities["here"])
    assert periods(resident) == [("1", date(2015, 6, 14), day, GainReason.AGE_65, LossReason.OTHER_SPECIAL)]
    register(clerk, resident, K.OTHER_SPECIAL_END, date.today())
    assert periods(resident)[-1] == ("1", date.today(), None, GainReason.OTHER_SPECIAL_ENDED, None)


@pytest.mark.django_db
def test_our_insured_placed_elsewhere_stays_ours_after_moving_out(clerk, facilities):
    resident = insured(ward=Ward.NAKAHARA)
    moved = date.today() - timedelta(days=30)
    ResidenceSpell.objects.filter(resident=resident).update(end=moved, end_kind=SpellEnd.MOVE_OUT)
    Resident.objects.filter(pk=resident.pk).update(status=ResidenceStatus.MOVED_OUT, moved_out_on=moved)
    requalify([resident.pk], until=date.today(), context=Context(source="intake"))
    assert periods(resident)[-1][2:] == (moved + timedelta(days=1), GainReason.AGE_65, LossReason.MOVE_OUT)

    register(clerk, resident, K.SELF_SPECIAL_START, moved, facilities["elsewhere"])

    assert periods(resident) == [("1", date(2015, 6, 14), None, GainReason.AGE_65, None)]


@pytest.mark.django_db
def test_a_refused_notification_writes_nothing(clerk, facilities):
    resident = insured(ward=Ward.NAKAHARA)
    rows = QualificationPeriod.objects.count()
    with pytest.raises(NotificationInvalid) as exc:
        register(clerk, resident, K.EXEMPTION_IN, date(1940, 1, 1), facilities["here"])
    assert exc.value.problems == ["入所日が生年月日より前です。", "選んだ施設は適用除外施設ではありません。"]
    assert not FacilityStay.objects.exists() and QualificationPeriod.objects.count() == rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("organisation", "allowed"),
    [
        pytest.param(Organisation.NAKAHARA, True, id="own-ward"),
        pytest.param(Organisation.HEAD_OFFICE, True, id="head-office"),
        pytest.param(Organisation.ASAO, False, id="another-ward"),
    ],
)
def test_update_scope(make_staff, facilities, organisation, allowed):
    staff = make_staff(Role.WARD_CLERK, organisation=organisation)
    resident = insured(ward=Ward.NAKAHARA)
    if allowed:
        register(staff, resident, K.EXEMPTION_IN, date.today(), facilities["exemption"])
        assert FacilityStay.objects.filter(resident=resident).count() == 1
    else:
        with pytest.raises(NotPermitted):
            register(staff, resident, K.EXEMPTION_IN, date.today(), facilities["exemption"])
        assert not FacilityStay.objects.exists()
        assert not QualificationPeriod.objects.filter(resident=resident, source="notification").exists()
