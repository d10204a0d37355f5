"""A person's premium tab: per year the stage and why, the computation, the schedule with what was
paid and what is open, the revisions and notices; one access-log row; roles without premium.view
are refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from audit.models import AccessLogEntry
from eligibility.codes import ResidenceStatus
from eligibility.models import Resident
from eligibility.qualification.services import Context, requalify
from kaigo.outbox.services import relay
from kaigo.staff.roles import Organisation, Role
from premiums.levy.services import main_levy_chunk, relevy_chunk
from premiums.models import Levy, NoticeKind, Payment, PaymentChannel, PremiumNotice
from premiums.rules.balance import InstallmentDue, year_balance
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_tax_fact
from tests.premiums.test_notices import text_of

pytestmark = pytest.mark.django_db
FY = 2026
ALL = {"lo": 0, "hi": 10**12}


def levied_person():
    person = make_elderly()
    make_tax_fact(person, FY, household_taxed=True)  # stage 4, 70,200 by bills
    main_levy_chunk(fiscal_year=FY, **ALL)
    return person


def test_the_tab_explains_the_stage_the_amount_and_the_balance(client_as):
    person = levied_person()
    Payment.objects.create(resident=person, fiscal_year=FY, method="billing", month=date(2026, 7, 1),
                           channel=PaymentChannel.COUNTER, amount=7_200, paid_on=date(2026, 7, 20),
                           booked_on=date(2026, 7, 20))
    PremiumNotice.objects.create(resident=person, fiscal_year=FY, kind=NoticeKind.DECISION, issued_on=date(2026, 7, 10),
                                 levy=Levy.objects.get())

    response = client_as(Role.WARD_CLERK).get(f"/persons/{person.pk}/premiums/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "令和8（2026）年度" in body and "第4段階" in body
    assert "本人非課税・世帯課税で、合計所得金額と課税年金収入額の合計が80.9万円以下のため第4段階" in body
    assert "70,200円" in body and "第1期" in body and "普通徴収" in body
    assert "収納済 7,200円" in body and "残額 63,000円" in body
    assert "保険料額決定通知書" in body
    assert AccessLogEntry.objects.filter(person_ids=[person.pk]).count() == 1


def test_the_tab_query_count_is_pinned(client_as, django_assert_max_num_queries):
    person = levied_person()
    client = client_as(Role.WARD_CLERK)
    client.get(f"/persons/{person.pk}/premiums/")  # session, roles and the approved rate table (cached) warm
    # account, the person, the seven reads keyed by the person in one message (levies, payments,
    # settlements, write-offs, reductions, notices, installments), access log
    with django_assert_max_num_queries(4):
        assert "第4段階" in client.get(f"/persons/{person.pk}/premiums/").content.decode()


def test_a_correction_shows_both_revisions_and_the_overpayment(client_as):
    person = levied_person()
    for month in (7, 8, 9, 10, 11):
        Payment.objects.create(resident=person, fiscal_year=FY, method="billing", month=date(2026, month, 1),
                               channel=PaymentChannel.TRANSFER, amount=7_200 if month == 7 else 7_000,
                               paid_on=date(2026, month, 28), booked_on=date(2026, month, 28))
    Resident.objects.filter(pk=person.pk).update(status=ResidenceStatus.DECEASED, died_on=date(2026, 9, 10))
    requalify([person.pk], until=date(2026, 9, 10), context=Context(source="notification", event_key="d"))
    relay()
    relevy_chunk(fiscal_year=FY, business_date=timezone.localdate(), **ALL)

    body = client_as(Role.WARD_CLERK).get(f"/persons/{person.pk}/premiums/").content.decode()

    assert "第2版" in body and "異動による更正" in body and "資格の異動" in body
    import re
    text = re.sub(r"<[^>]+>", " ", body)
    assert "29,250円" in body and "過納額 5,950円" in body, text[text.find("2026年度"):][:1500]


@pytest.mark.parametrize("role,status", [(Role.WARD_CLERK, 200), (Role.INQUIRY, 200), (Role.HEAD_OFFICE_CLERK, 200),
                                         (Role.CERTIFICATION_CLERK, 403), (Role.OPERATOR, 403)])
def test_who_may_see_the_tab(client_as, role, status):
    person = levied_person()
    assert client_as(role).get(f"/persons/{person.pk}/premiums/").status_code == status
    assert AccessLogEntry.objects.count() == (1 if status == 200 else 0)


@pytest.mark.parametrize("paid,balance,unpaid,overpaid", [
    ({}, 300, 300, 0),
    ({("billing", date(2026, 7, 1)): 100}, 200, 200, 0),
    ({("billing", date(2026, 7, 1)): 100, ("billing", date(2026, 8, 1)): 200}, 0, 0, 0),
    ({("billing", date(2026, 7, 1)): 150, ("billing", date(2026, 8, 1)): 200}, -50, 0, 50),
    ({("billing", date(2026, 9, 1)): 80}, 220, 300, 0),  # paid on a month no longer asked for
])
def test_year_balance(paid, balance, unpaid, overpaid):
    dues = [InstallmentDue("billing", date(2026, 7, 1), "第1期", date(2026, 7, 31), 100),
            InstallmentDue("billing", date(2026, 8, 1), "第2期", date(2026, 8, 31), 200)]
    result = year_balance(dues, paid)
    assert (result.balance, result.unpaid, result.overpaid) == (balance, unpaid, overpaid)
    assert year_balance(dues, paid, settled=max(-balance, 0)).overpaid == 0
    # after a decrease the kept installments may exceed the year's amount: the difference is overpaid
    assert year_balance(dues, {("billing", date(2026, 7, 1)): 100, ("billing", date(2026, 8, 1)): 200},
                        amount=250).overpaid == 50


def test_a_counter_payment_is_entered_with_the_keyboard_form_and_validated(client_as):
    person = levied_person()
    client = client_as(Role.WARD_CLERK)
    page = client.get(f"/persons/{person.pk}/premiums/payment/")
    assert page.status_code == 200 and "令和8（2026）年度 第1期（納期限 令和8（2026）年7月31日、未納 7,200円）" in page.content.decode()

    bad = client.post(f"/persons/{person.pk}/premiums/payment/", {"installments": "2026:billing:2026-07-01",
                                                                   "amount": "abc", "paid_on": "2026-07-20",
                                                                   "action": "record"})
    assert bad.status_code == 400 and "金額は数字" in bad.content.decode()
    assert "abc" not in bad.content.decode().split("金額は数字")[1][:200]
    ok = client.post(f"/persons/{person.pk}/premiums/payment/", {"installments": "2026:billing:2026-07-01",
                                                                  "amount": "7200", "paid_on": "2026-07-20",
                                                                  "action": "record"})
    assert ok.status_code == 302
    assert Payment.objects.get().recorded_by == client.staff
    page = client.get(f"/persons/{person.pk}/premiums/payment/").content.decode()
    assert "第1期（納期限" not in page


def test_inquiry_staff_see_the_tab_but_cannot_take_payments(client_as):
    person = levied_person()
    client = client_as(Role.INQUIRY)
    assert "窓口収納の登録" not in client.get(f"/persons/{person.pk}/premiums/").content.decode()
    assert client.post(f"/persons/{person.pk}/premiums/payment/", {}).status_code == 403


def test_the_counter_simulator_explains_a_stage_without_storing_or_logging(client_as):
    client = client_as(Role.INQUIRY)
    query = {"fiscal_year": 2026, "self_taxed": "on", "household_taxed": "on", "total_income": "2500000",
             "taxable_pension_income": "0", "pension_misc_income": "0", "salary_income": "0",
             "special_deduction": "0", "months": "7"}
    body = client.post("/premiums/simulator/", query).content.decode()
    assert "第8段階" in body and "本人課税で、合計所得金額が210万円以上320万円未満のため第8段階" in body
    assert "68,250円" in body  # 78,000 × 1.5 = 117,000; × 7/12
    bad = client.post("/premiums/simulator/", {**query, "self_taxed": "on", "household_taxed": "", "total_income": "x"})
    assert bad.status_code == 400 and "金額は数字" in bad.content.decode()
    assert "世帯も課税" in bad.content.decode()
    assert not AccessLogEntry.objects.exists()
    assert client_as(Role.OPERATOR).get("/premiums/simulator/").status_code == 403


def test_notices_preview_by_get_and_are_recorded_only_when_issued_by_post(client_as):
    """Issue 17 item 4: opening a notice (a GET) shows a 見本 and records nothing but the access log;
    交付 (a POST) records who issued it and when, then opens the issued PDF; a later issue is a 再発行."""
    person = levied_person()
    levy = Levy.objects.get()
    client = client_as(Role.WARD_CLERK)
    preview = f"/persons/{person.pk}/premiums/{levy.pk}/payment_slip.pdf"
    issue = f"/persons/{person.pk}/premiums/{levy.pk}/payment_slip/issue/"
    tab = client.get(f"/persons/{person.pk}/premiums/").content.decode()
    assert f'href="/persons/{person.pk}/premiums/{levy.pk}/decision.pdf"' in tab
    assert f'action="{issue}"' in tab and 'name="csrfmiddlewaretoken"' in tab
    for _ in range(2):
        response = client.get(preview)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert "見本" in text_of(response.content) and "再発行" not in text_of(response.content)
    assert not PremiumNotice.objects.exists()
    assert client.get(issue).status_code == 405

    issued = client.post(issue)
    row = PremiumNotice.objects.get(resident=person, kind=NoticeKind.PAYMENT_SLIP)
    assert (row.issued_by, row.reprint) == (client.staff, False) and row.created_at is not None
    assert issued.status_code == 302 and issued["Location"] == f"/persons/{person.pk}/premiums/notices/{row.pk}.pdf"
    pdf = client.get(issued["Location"])
    assert pdf.status_code == 200 and "見本" not in text_of(pdf.content) and "再発行" not in text_of(pdf.content)
    assert PremiumNotice.objects.count() == 1
    assert "見本（再発行）" in text_of(client.get(preview).content)  # the next issue would be a reprint
    client.post(issue)
    assert list(PremiumNotice.objects.order_by("pk").values_list("reprint", flat=True)) == [False, True]
    sent = client.get(f"/persons/{person.pk}/premiums/").content.decode().split("<caption>送付した通知</caption>")[1]
    assert sent.count(client.staff.display_name) == 2  # who issued each, and when
    assert f'href="/persons/{person.pk}/premiums/notices/{row.pk}.pdf"' in sent

    assert client.get(f"/persons/{person.pk}/premiums/{levy.pk}/unknown.pdf").status_code == 404
    assert client.post(f"/persons/{person.pk}/premiums/{levy.pk}/unknown/issue/").status_code == 404
    assert client.get(f"/persons/{person.pk + 1}/premiums/{levy.pk}/decision.pdf").status_code == 404
    assert client.post(f"/persons/{person.pk + 1}/premiums/{levy.pk}/decision/issue/").status_code == 404
    assert client.get(f"/persons/{person.pk + 1}/premiums/notices/{row.pk}.pdf").status_code == 404
    inquiry = client_as(Role.INQUIRY)
    assert inquiry.get(f"/persons/{person.pk}/premiums/{levy.pk}/decision.pdf").status_code == 403
    assert inquiry.post(f"/persons/{person.pk}/premiums/{levy.pk}/decision/issue/").status_code == 403
    assert PremiumNotice.objects.count() == 2
    assert client_as(Role.OPERATOR).get("/premiums/notices/run/999999.pdf").status_code == 404


def test_a_clerk_of_another_ward_may_preview_but_not_issue_a_notice(client_as):
    """Views are city-wide by default: another ward's clerk may see the 見本, but issuing is an update
    of the person's record, refused outside the own ward (premiums.scope) and logged."""
    person = levied_person()
    levy = Levy.objects.get()
    other = client_as(Role.WARD_CLERK, organisation=Organisation.ASAO)
    assert other.get(f"/persons/{person.pk}/premiums/{levy.pk}/decision.pdf").status_code == 200
    assert other.post(f"/persons/{person.pk}/premiums/{levy.pk}/decision/issue/").status_code == 403
    assert not PremiumNotice.objects.exists()
    assert AccessLogEntry.objects.filter(function="premium.notice.print.denied").count() == 1


def test_the_tab_lists_every_year_and_shows_one_in_full(client_as):
    person = make_elderly()
    for year in (2025, 2026):
        make_tax_fact(person, year, household_taxed=True)
        main_levy_chunk(fiscal_year=year, **ALL)
    client = client_as(Role.WARD_CLERK)
    body = client.get(f"/persons/{person.pk}/premiums/").content.decode()
    assert 'href="?year=2025"' in body and "令和8（2026）年度（通知書番号" in body and "令和7（2025）年度（通知書番号" not in body
    body = client.get(f"/persons/{person.pk}/premiums/", {"year": "2025"}).content.decode()
    assert "令和7（2025）年度（通知書番号" in body and "令和8（2026）年度（通知書番号" not in body
    assert client.get(f"/persons/{person.pk}/premiums/", {"year": "x"}).status_code == 200


@pytest.mark.parametrize("awaiting,overdue", [
    ((), [True, True]),
    ({("billing", date(2026, 7, 1))}, [False, True]),  # paid at a store, 確報 not yet: not overdue
    ({("pension", date(2026, 7, 1))}, [True, True]),  # only the same method and month
])
def test_an_installment_awaiting_a_stores_final_is_not_overdue(awaiting, overdue):
    dues = [InstallmentDue("billing", date(2026, 7, 1), "第1期", date(2026, 7, 31), 100),
            InstallmentDue("billing", date(2026, 8, 1), "第2期", date(2026, 8, 31), 200)]
    rows = year_balance(dues, {}, awaiting_final=awaiting).rows
    assert [r.overdue(date(2026, 9, 10)) for r in rows] == overdue
    assert [r.open for r in rows] == [100, 200]  # still open: the money comes with the 確報
