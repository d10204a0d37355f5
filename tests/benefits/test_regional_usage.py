"""Enrolment in the city's 総合事業 services and the monthly usage (real PostgreSQL): who may be
enrolled (a participant or a 要支援者 on the start day), the month recorded set-based and all or
nothing, every line's problem named, a participant's limit (要支援1's 5,032 units) on both sides."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from benefits.regional.models import MonthlyUsage
from benefits.regional.services import (
    ChecklistEntry,
    RegionalInvalid,
    UsageLine,
    checklist_enter,
    enrolment_create,
    participant_decide,
    usage_month_record,
)
from benefits.rules.checklist import ASKED
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from tests.certification.factories import make_certification, make_insured

pytestmark = pytest.mark.django_db
TODAY = date.today()
MONTH = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)  # last month
START = MONTH - timedelta(days=40)


@pytest.fixture
def head(make_staff):
    return make_staff(Role.HEAD_OFFICE_CLERK)


def participant(head):
    person = make_insured()
    checklist = checklist_enter(actor=head, resident_id=person.pk, entry=ChecklistEntry(
        START, "counter", {n: 1 for n in ASKED}, height_cm=155, weight_kg=50), today=TODAY)
    participant_decide(actor=head, checklist_id=checklist.pk, today=TODAY)
    return person


def test_enrolment_needs_a_participant_or_a_support_level(head, make_staff):
    person = participant(head)
    enrolment = enrolment_create(actor=head, resident_id=person.pk, service_code="A61111", start=START)
    assert enrolment.enrolled_by == head
    with pytest.raises(RegionalInvalid) as refused:
        enrolment_create(actor=head, resident_id=person.pk, service_code="A61111", start=START)
    assert refused.value.problems == ["このサービスの利用登録がすでにあります。"]

    nobody = make_insured()
    with pytest.raises(RegionalInvalid) as refused:
        enrolment_create(actor=head, resident_id=nobody.pk, service_code="ZZ9999", start=TODAY + timedelta(days=1))
    assert refused.value.problems == [
        "サービスは市の総合事業サービスから選んでください（開始日に有効なもの）。", "利用開始日に未来の日付は入力できません。",
        "利用開始日に事業対象者でも要支援者でもありません。総合事業のサービスは利用できません。"]

    support = make_insured()
    make_certification(support, level="13", valid_from=START, valid_to=TODAY + timedelta(days=90), actor=head)
    assert enrolment_create(actor=head, resident_id=support.pk, service_code="A21111", start=START)
    care = make_insured()
    make_certification(care, level="22", valid_from=START, valid_to=TODAY + timedelta(days=90), actor=head)
    with pytest.raises(RegionalInvalid):
        enrolment_create(actor=head, resident_id=care.pk, service_code="A21111", start=START)
    with pytest.raises(NotPermitted):
        enrolment_create(actor=make_staff(Role.WARD_CLERK, organisation=Organisation.ASAO), resident_id=support.pk,
                         service_code="A61111", start=START)


def test_a_month_is_recorded_all_or_nothing_with_the_limit_on_both_sides(head, make_staff):
    at_limit, over = participant(head), participant(head)
    for person in (at_limit, over):
        enrolment_create(actor=head, resident_id=person.pk, service_code="A61111", start=START)
        enrolment_create(actor=head, resident_id=person.pk, service_code="AF1111", start=START)
    unenrolled = participant(head)
    lines = [UsageLine(at_limit.pk, "A61111", 5_032), UsageLine(at_limit.pk, "AF1111", 442),  # AF outside the limit
             UsageLine(over.pk, "A61111", 5_033), UsageLine(unenrolled.pk, "A61111", 100),
             UsageLine(at_limit.pk, "A61111", 1)]
    with pytest.raises(RegionalInvalid) as refused:
        usage_month_record(actor=head, month=MONTH, lines=lines)
    assert refused.value.problems == [
        "1行目から: 事業対象者の支給限度（月5,032単位）を1単位超えています。",  # 5,032 + the repeated line's 1
        "3行目から: 事業対象者の支給限度（月5,032単位）を1単位超えています。",
        "4行目: この月にそのサービスの利用登録がありません。",
        "5行目: 同じ人・同じサービスの行が前にあります。",
    ]
    assert not MonthlyUsage.objects.exists()
    with pytest.raises(RegionalInvalid) as refused:
        usage_month_record(actor=head, month=MONTH, lines=[UsageLine(at_limit.pk, "XX0000", 0)])
    assert refused.value.problems == ["1行目: サービスコードが市の総合事業サービスにありません（その月に有効なもの）。",
                                      "1行目: 単位数は1以上の整数で入力してください。"]

    assert usage_month_record(actor=head, month=MONTH, lines=lines[:3][:2] + [UsageLine(over.pk, "A61111", 5_032)]) == 3
    assert MonthlyUsage.objects.filter(month=MONTH).count() == 3
    with pytest.raises(RegionalInvalid) as refused:  # the same month again: nothing counted twice
        usage_month_record(actor=head, month=MONTH, lines=[UsageLine(over.pk, "A61111", 10)])
    assert refused.value.problems == ["1行目: この月のそのサービスの実績はすでに記録されています（二重の記録はできません）。"]
    with pytest.raises(NotPermitted):
        usage_month_record(actor=make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA), month=MONTH,
                           lines=lines[:1])
