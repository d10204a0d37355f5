"""The doctor's opinion (主治医意見書, 法 §27 第3項): the fee by the dated fee table and tax rates
(worked by hand), the request and its effect on the case, the daily job that marks late opinions
for the reminder list (run as the beat runs it: the task function), the receipt with its items and
fee, the refusals, and the ward scope of the services and the screens."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from certification.cases.models import Case
from certification.cases.services import Application, CaseInvalid, case_open
from certification.opinion.models import Opinion, OpinionFee
from certification.opinion.rules import (
    FEE_TABLES,
    TAX_RATES,
    FeeKind,
    FeeTable,
    NoTable,
    OpinionFacts,
    opinion_fee,
    reminder_due,
)
from certification.opinion.services import (
    Receipt,
    doctor_create,
    opinion_cancel,
    opinion_receive,
    opinion_remind,
    opinion_request,
)
from certification.rules.cases import CaseKind, CaseState
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from tests.certification.factories import make_insured

TODAY = date.today()
K = FeeKind

# 意見書作成料 (tax excluded) + consumption tax of the day, fractions cut off: (kind, day, base, tax, total)
FEE_CASES = [
    (K.HOME_NEW, date(2026, 4, 1), 5_000, 500, 5_500),  # 10% since 2019-10-01
    (K.HOME_CONTINUING, date(2026, 4, 1), 4_000, 400, 4_400),
    (K.FACILITY_NEW, date(2026, 4, 1), 4_000, 400, 4_400),
    (K.FACILITY_CONTINUING, date(2026, 4, 1), 3_000, 300, 3_300),
    (K.HOME_NEW, date(2019, 10, 1), 5_000, 500, 5_500),  # the first day of 10%
    (K.HOME_NEW, date(2019, 9, 30), 5_000, 400, 5_400),  # the last day of 8%
    (K.FACILITY_CONTINUING, date(2014, 3, 31), 3_000, 150, 3_150),  # 5%
    (K.FACILITY_CONTINUING, date(2014, 4, 1), 3_000, 240, 3_240),  # 8%
]


@pytest.mark.parametrize(("kind", "day", "base", "tax", "total"), FEE_CASES)
def test_fee_by_the_table_and_tax_rate_of_the_day(kind, day, base, tax, total):
    fee = opinion_fee(kind, day)
    assert (fee.base, fee.tax, fee.total) == (base, tax, total)


def test_a_new_fee_table_applies_from_its_first_day_and_not_before():
    tables = (*FEE_TABLES, FeeTable(date(2027, 4, 1), {**FEE_TABLES[0].amounts, K.HOME_NEW: 5_300}))
    assert opinion_fee(K.HOME_NEW, date(2027, 3, 31), tables=tables).base == 5_000
    new = opinion_fee(K.HOME_NEW, date(2027, 4, 1), tables=tables)
    assert (new.base, new.tax, new.total, new.table_from) == (5_300, 530, 5_830, date(2027, 4, 1))
    # a rate with a fraction: 5,300 × 8% = 424; 5,333 × 8% = 426.64 -> 426
    odd = (FeeTable(date(2014, 1, 1), {K.HOME_NEW: 5_333}),)
    assert opinion_fee(K.HOME_NEW, date(2014, 4, 1), tables=odd).tax == 426
    with pytest.raises(NoTable):
        opinion_fee(K.HOME_NEW, date(2006, 3, 31))
    assert [r for _, r in TAX_RATES] == [Decimal("0.05"), Decimal("0.08"), Decimal("0.10")]


@pytest.mark.parametrize(("requested", "reminded", "today", "due"), [
    (date(2026, 4, 1), None, date(2026, 4, 14), False),  # 13 days
    (date(2026, 4, 1), None, date(2026, 4, 15), True),  # 14 days after the request
    (date(2026, 4, 1), date(2026, 4, 20), date(2026, 5, 3), False),  # 13 days after the reminder
    (date(2026, 4, 1), date(2026, 4, 20), date(2026, 5, 4), True),
])
def test_reminder_due_counts_from_the_request_or_the_last_reminder(requested, reminded, today, due):
    assert reminder_due(requested, reminded, today) is due


@pytest.mark.parametrize(("stability", "rank", "split"), [
    ("stable", "0", False), ("stable", "1", False), ("unknown", "1", False),
    ("unstable", "0", True),  # 状態の不安定
    ("stable", "2a", True), ("stable", "2b", True), ("stable", "3a", True), ("stable", "m", True),  # Ⅱ or above
])
def test_the_opinion_decides_the_split_of_support_2_and_care_1(stability, rank, split):
    facts = OpinionFacts(rank, "ok", "independent", "able", "self", stability)
    assert facts.unstable_or_cognitive is split


# --- the services (real PostgreSQL) ---------------------------------------------------------------


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)


def make_doctor(actor, code="1410000001", name="試験 医師"):
    return doctor_create(actor=actor, institution_code=code, institution_name="試験病院", doctor_name=name)


def open_case(actor, *, applied_on=None, **kw) -> Case:
    """A new application of a made-up insured person of 中原区 (the default ward of the factory)."""
    person = make_insured()
    return case_open(actor=actor, resident_id=person.pk,
                     application=Application(kind=kw.pop("kind", CaseKind.NEW), applied_on=applied_on or TODAY, **kw))


def receipt(on=None, **kw) -> Receipt:
    values = {"received_on": on or TODAY, "written_on": on or TODAY, "dementia_rank": "1",
              "short_term_memory": "ok", "cognitive_ability": "independent", "communication": "able",
              "eating": "self", "stability": "stable", "setting": "home", "continuing": False}
    return Receipt(**{**values, **kw})


def received_case(actor, *, applied_on=None, surveyed=True, **items) -> Case:
    """A case with its opinion received (the items given) and, with ``surveyed``, its survey done
    (the survey's service is another package's: the key date set directly here)."""
    case = open_case(actor, applied_on=applied_on or TODAY - timedelta(days=10))
    doctor = make_doctor(actor, code=f"14{case.pk:08d}")
    opinion = opinion_request(actor=actor, case_id=case.pk, doctor_id=doctor.pk, requested_on=case.applied_on)
    opinion_receive(actor=actor, opinion_id=opinion.pk, receipt=receipt(TODAY, **items))
    if surveyed:
        Case.objects.filter(pk=case.pk).update(surveyed_on=case.applied_on + timedelta(days=3))
    case.refresh_from_db()
    return case


@pytest.mark.django_db
def test_request_sets_the_case_date_and_moves_it_on(clerk):
    case = open_case(clerk, applied_on=TODAY - timedelta(days=5))
    doctor = make_doctor(clerk)
    opinion = opinion_request(actor=clerk, case_id=case.pk, doctor_id=doctor.pk, requested_on=TODAY - timedelta(days=4))
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and case.opinion_requested_on == TODAY - timedelta(days=4)
    assert case.events.filter(move="request").count() == 1
    with pytest.raises(CaseInvalid, match="回答待ちの依頼"):
        opinion_request(actor=clerk, case_id=case.pk, doctor_id=doctor.pk, requested_on=TODAY)
    # another doctor after the first declined: the first request kept as cancelled, the first date kept
    opinion_cancel(actor=clerk, opinion_id=opinion.pk, on=TODAY, reason="医師の都合で辞退")
    other = make_doctor(clerk, name="別の 医師")
    opinion_request(actor=clerk, case_id=case.pk, doctor_id=other.pk, requested_on=TODAY)
    case.refresh_from_db()
    assert case.opinion_requested_on == TODAY - timedelta(days=4)
    assert list(Opinion.objects.filter(case=case).order_by("pk").values_list("cancelled_on", flat=True)) == [TODAY, None]


@pytest.mark.django_db
def test_request_refusals(clerk):
    case = open_case(clerk, applied_on=TODAY - timedelta(days=2))
    doctor = make_doctor(clerk)
    with pytest.raises(CaseInvalid) as refused:
        opinion_request(actor=clerk, case_id=case.pk, doctor_id=doctor.pk, requested_on=TODAY - timedelta(days=3))
    assert "申請日" in str(refused.value)
    with pytest.raises(CaseInvalid, match="未来"):
        opinion_request(actor=clerk, case_id=case.pk, doctor_id=doctor.pk, requested_on=TODAY + timedelta(days=1))
    with pytest.raises(CaseInvalid, match="医師を選んで"):
        opinion_request(actor=clerk, case_id=case.pk, doctor_id=doctor.pk + 999, requested_on=TODAY)
    assert not Opinion.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED and case.opinion_requested_on is None


@pytest.mark.django_db
def test_receipt_records_the_items_the_case_date_and_one_fee(clerk):
    case = open_case(clerk, applied_on=TODAY - timedelta(days=20))
    doctor = make_doctor(clerk)
    opinion = opinion_request(actor=clerk, case_id=case.pk, doctor_id=doctor.pk, requested_on=TODAY - timedelta(days=19))
    opinion_receive(actor=clerk, opinion_id=opinion.pk, receipt=receipt(TODAY - timedelta(days=2), stability="unstable",
                                                                         setting="facility", continuing=True))
    opinion.refresh_from_db()
    case.refresh_from_db()
    assert case.opinion_received_on == TODAY - timedelta(days=2)
    assert (opinion.stability, opinion.dementia_rank, opinion.received_by_id) == ("unstable", "1", clerk.pk)
    fee = OpinionFee.objects.get(opinion=opinion)
    assert (fee.kind, fee.base, fee.tax, fee.total) == (K.FACILITY_CONTINUING, 3_000, 300, 3_300)
    with pytest.raises(CaseInvalid, match="受領済み"):
        opinion_receive(actor=clerk, opinion_id=opinion.pk, receipt=receipt())
    assert OpinionFee.objects.filter(opinion=opinion).count() == 1


@pytest.mark.django_db
def test_receipt_refusals_write_nothing(clerk):
    case = open_case(clerk, applied_on=TODAY - timedelta(days=5))
    opinion = opinion_request(actor=clerk, case_id=case.pk, doctor_id=make_doctor(clerk).pk,
                              requested_on=TODAY - timedelta(days=4))
    bad = [
        (receipt(TODAY - timedelta(days=5)), "依頼日"),
        (receipt(TODAY + timedelta(days=1)), "未来"),
        (receipt(written_on=TODAY + timedelta(days=1)), "記入日"),
        (receipt(stability="maybe"), "症状の安定性を選んで"),
        (receipt(specified_disease="13"), "第2号被保険者の意見書だけ"),
    ]
    for sent, message in bad:
        with pytest.raises(CaseInvalid, match=message):
            opinion_receive(actor=clerk, opinion_id=opinion.pk, receipt=sent)
    opinion.refresh_from_db()
    case.refresh_from_db()
    assert opinion.received_on is None and case.opinion_received_on is None
    assert not OpinionFee.objects.exists()


@pytest.mark.django_db
def test_second_class_opinion_must_confirm_the_specified_disease(clerk):
    person = make_insured(born=date(TODAY.year - 55, 1, 10))
    case = case_open(actor=clerk, resident_id=person.pk, application=Application(
        kind=CaseKind.NEW, applied_on=TODAY - timedelta(days=3), specified_disease="13"))
    assert case.second_class
    opinion = opinion_request(actor=clerk, case_id=case.pk, doctor_id=make_doctor(clerk).pk, requested_on=TODAY)
    with pytest.raises(CaseInvalid, match="特定疾病"):
        opinion_receive(actor=clerk, opinion_id=opinion.pk, receipt=receipt())
    opinion_receive(actor=clerk, opinion_id=opinion.pk, receipt=receipt(specified_disease="13"))
    assert Opinion.objects.get(pk=opinion.pk).specified_disease == "13"


@pytest.mark.django_db
def test_carry_over_needs_no_opinion(clerk, settings):
    from tests.certification.factories import make_insured as insured

    person = insured(moved_in_on=TODAY - timedelta(days=3))
    case = case_open(actor=clerk, resident_id=person.pk, application=Application(
        kind=CaseKind.CARRY_OVER, applied_on=TODAY))
    with pytest.raises(CaseInvalid, match="法第36条"):
        opinion_request(actor=clerk, case_id=case.pk, doctor_id=make_doctor(clerk).pk, requested_on=TODAY)


# --- the daily job and the reminder list ----------------------------------------------------------


def _requested(clerk, days_ago: int, **kw) -> Opinion:
    case = open_case(clerk, applied_on=TODAY - timedelta(days=days_ago))
    doctor = make_doctor(clerk, code=f"13{case.pk:08d}")
    return opinion_request(actor=clerk, case_id=case.pk, doctor_id=doctor.pk,
                           requested_on=TODAY - timedelta(days=days_ago), **kw)


@pytest.mark.django_db
def test_the_daily_job_marks_exactly_the_late_opinions(clerk, settings):
    from certification.cases.services import case_withdraw
    from certification.opinion.tasks import opinions_late_daily

    settings.KAIGO_OPINION_REMINDER_DAYS = 14
    late = _requested(clerk, 14)  # the 14th day after the request: late today
    fresh = _requested(clerk, 13)
    received = _requested(clerk, 30)
    opinion_receive(actor=clerk, opinion_id=received.pk, receipt=receipt())
    reminded_recently = _requested(clerk, 30)
    opinion_remind(actor=clerk, opinion_id=reminded_recently.pk, reminded_on=TODAY - timedelta(days=5))
    reminded_long_ago = _requested(clerk, 40)
    opinion_remind(actor=clerk, opinion_id=reminded_long_ago.pk, reminded_on=TODAY - timedelta(days=20))
    withdrawn = _requested(clerk, 30)
    case_withdraw(actor=clerk, case_id=withdrawn.case_id, on=TODAY, reason="本人の希望")
    cancelled = _requested(clerk, 30)
    opinion_cancel(actor=clerk, opinion_id=cancelled.pk, on=TODAY, reason="辞退")

    assert opinions_late_daily() == 2  # the beat's task, run directly
    marked = set(Opinion.objects.filter(reminder_due_on=TODAY).values_list("pk", flat=True))
    assert marked == {late.pk, reminded_long_ago.pk}
    assert opinions_late_daily() == 0  # marked once per round
    assert fresh.pk not in marked and received.pk not in marked and withdrawn.pk not in marked

    # the reminder takes it off the list; it is late again 14 days after the reminder
    opinion_remind(actor=clerk, opinion_id=late.pk, reminded_on=TODAY)
    late.refresh_from_db()
    assert late.reminder_due_on is None and late.reminders == 1
    from certification.opinion.services import opinions_mark_late

    # `fresh` (27 days after its request) and `reminded_recently` (18 days after its reminder)
    assert opinions_mark_late(today=TODAY + timedelta(days=13)) == 2
    assert opinions_mark_late(today=TODAY + timedelta(days=14)) == 1  # `late`, 14 days after its reminder


@pytest.mark.django_db
def test_the_reminder_days_are_a_setting(clerk, settings):
    from certification.opinion.services import opinions_mark_late

    _requested(clerk, 8)
    settings.KAIGO_OPINION_REMINDER_DAYS = 10
    assert opinions_mark_late() == 0
    settings.KAIGO_OPINION_REMINDER_DAYS = 7
    assert opinions_mark_late() == 1


def test_the_job_is_in_the_beat_schedule():
    from kaigo.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "certification.opinion.tasks.opinions_late_daily" in tasks


@pytest.mark.django_db
def test_reminder_list_screen_shows_the_own_wards_late_opinions(clerk, make_staff, client_as):
    from audit.models import AccessLogEntry
    from certification.opinion.services import opinions_mark_late
    from eligibility.codes import Ward

    late = _requested(clerk, 20)
    asao_clerk = make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.ASAO)
    other = Case.objects.create(number="2026-999999", resident=make_insured(ward=Ward.ASAO), ward=Ward.ASAO,
                                kind="new", state="in_progress", applied_on=TODAY - timedelta(days=20),
                                received_by=asao_clerk)
    Opinion.objects.create(case=other, doctor=late.doctor, requested_on=TODAY - timedelta(days=20),
                           requested_by=asao_clerk)
    opinions_mark_late()
    client = client_as(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    body = client.get("/certification/opinions/late/").content.decode()
    assert late.case.number in body and "2026-999999" not in body
    entry = AccessLogEntry.objects.filter(function="certification.opinion.late").latest("id")
    assert list(entry.person_ids) == [late.case.resident_id]


# --- scope -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_services_refuse_another_wards_clerk_and_a_role_without_update(clerk, make_staff):
    case = open_case(clerk)
    doctor = make_doctor(clerk)
    asao = make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.ASAO)
    inquiry = make_staff(Role.INQUIRY)
    for actor in (asao, inquiry):
        with pytest.raises(NotPermitted):
            opinion_request(actor=actor, case_id=case.pk, doctor_id=doctor.pk, requested_on=TODAY)
    opinion = opinion_request(actor=clerk, case_id=case.pk, doctor_id=doctor.pk, requested_on=TODAY)
    for call in (lambda a: opinion_receive(actor=a, opinion_id=opinion.pk, receipt=receipt()),
                 lambda a: opinion_remind(actor=a, opinion_id=opinion.pk, reminded_on=TODAY),
                 lambda a: opinion_cancel(actor=a, opinion_id=opinion.pk, on=TODAY, reason="x")):
        with pytest.raises(NotPermitted):
            call(asao)
    with pytest.raises(NotPermitted):
        make_doctor(inquiry, code="1499999999")
    opinion.refresh_from_db()
    assert opinion.received_on is None and opinion.reminders == 0 and opinion.cancelled_on is None


@pytest.mark.django_db
def test_opinion_screen_request_and_receipt_by_keyboard_forms(clerk, client_as):
    from audit.models import AccessLogEntry

    case = open_case(clerk, applied_on=TODAY - timedelta(days=3))
    doctor = make_doctor(clerk)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    url = f"/certification/cases/{case.pk}/opinion/"
    page = client.get(url)
    assert page.status_code == 200 and "意見書の依頼" in page.content.decode()
    assert AccessLogEntry.objects.filter(function="certification.opinion.view", person_ids=[case.resident_id]).exists()
    refused = client.post(url, {"action": "request", "doctor": str(doctor.pk), "requested_on": "2026-02-30"})
    assert refused.status_code == 400 and "error-summary" in refused.content.decode()
    done = client.post(url, {"action": "request", "doctor": str(doctor.pk), "requested_on": TODAY.isoformat()})
    assert done.status_code == 302
    opinion = Opinion.objects.get(case=case)
    sent = {"action": "receive", "opinion": str(opinion.pk), "received_on": TODAY.isoformat(),
            "written_on": TODAY.isoformat(), "dementia_rank": "2a", "short_term_memory": "problem",
            "cognitive_ability": "some", "communication": "able", "eating": "self", "stability": "stable",
            "setting": "home", "continuing": "new"}
    assert client.post(url, sent).status_code == 302
    body = client.get(url).content.decode()
    assert "5,500円" in body and "受領済" in body


@pytest.mark.django_db
def test_opinion_screen_of_another_wards_case_is_refused_to_a_ward_clerk(clerk, make_staff, client_as, settings):
    settings.KAIGO_WARD_VIEW_SCOPE = "ward"
    case = open_case(clerk)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=Organisation.ASAO)
    assert client.get(f"/certification/cases/{case.pk}/opinion/").status_code == 403
    assert client_as(Role.WARD_CLERK).get(f"/certification/cases/{case.pk}/opinion/").status_code == 403
