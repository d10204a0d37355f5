"""The premium notices as PDF: what each notice says (from real levies on real PostgreSQL), the
embedded font, no My Number, one PremiumNotice row per print with the reprint flag, the access log
(channel print), refusals, and batch printing on one canvas."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from audit.models import AccessLogEntry
from eligibility.codes import ResidenceStatus
from eligibility.models import Resident
from eligibility.qualification.services import Context, requalify
from kaigo.documents import CardHolder, InsurerInfo
from kaigo.errors import NotPermitted
from kaigo.outbox.services import relay
from kaigo.staff.roles import Organisation, Role
from premiums.intake.payment_feed.format import payment_number_parts
from premiums.levy.services import main_levy_chunk, relevy_chunk
from premiums.models import Levy, NoticeKind, Payment, PaymentChannel, PremiumNotice
from premiums.notices import documents
from premiums.notices.services import (
    NoticeInvalid,
    notice_pdf,
    notices_batch,
    notices_batch_pdf,
    proration_steps,
)
from premiums.rules.codes import RoundingMode
from premiums.rules.tables import Rounding
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_pension_fact, make_tax_fact

FY = 2026
ALL = {"lo": 0, "hi": 10**12}
ISSUED = date(2026, 7, 10)


def compact(text: str) -> str:
    return "".join(text.split())


def pages_of(pdf: bytes) -> list[str]:
    return [compact(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def text_of(pdf: bytes) -> str:
    return "".join(pages_of(pdf))


def assert_embedded_font(pdf: bytes) -> None:
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            for f in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                if f.get("/Subtype") == "/Type0":
                    continue
                assert re.fullmatch(r"/[A-Z]{6}\+IPAexGothic", f["/BaseFont"])
                assert "/FontFile2" in f["/FontDescriptor"].get_object()


def assert_no_my_number(pdf: bytes, person: Resident) -> None:
    text = text_of(pdf)
    assert person.my_number and person.my_number not in text
    assert "個人番号" not in text
    metadata = " ".join(str(v) for v in PdfReader(io.BytesIO(pdf)).metadata.values())
    assert person.name_kanji.split()[0] not in metadata and person.insured_number.number not in metadata


def logged() -> list[tuple[str, str, list[int]]]:
    return [(e.function, e.channel, e.person_ids) for e in AccessLogEntry.objects.order_by("id")]


def assert_printed_once_then_reprinted(pdf: bytes, *, kind: str, levy: Levy, person: Resident, clerk,
                                       today: date) -> None:
    """A one-page notice without the My Number, recorded and logged once; printed again, a reprint."""
    assert len(pages_of(pdf)) == 1
    assert_no_my_number(pdf, person)
    assert list(PremiumNotice.objects.values_list("kind", "levy_id", "issued_on", "reprint", "issued_by")) == [
        (kind, levy.pk, today, False, clerk.pk)]
    assert logged() == [("premium.notice.print", "print", [person.pk])]
    again = notice_pdf(kind, levy.pk, actor=clerk, today=today)
    assert "再発行" in text_of(again) and PremiumNotice.objects.filter(reprint=True).count() == 1
    assert len(logged()) == 2


# --- pure: values in, PDF out ------------------------------------------------------------------

HOLDER = CardHolder("0000012344", "試験　花子", "シケン　ハナコ", date(1950, 6, 15), "女",
                    "架空県見本市中央区試験町一丁目2番3号")
INSURER = InsurerInfo("999999", "見本市")
META = documents.NoticeMeta(ISSUED, FY, 12345)
BILLS = tuple(documents.InstallmentLine("billing", date(FY + (m < 4), m, 1), f"第{n}期", date(FY + (m < 4), m, 28),
                                        7_000) for n, m in enumerate((7, 8, 9, 10, 11, 12, 1, 2, 3, 4), start=1))
LEVY = documents.LevyStatement("第4段階", "理由", ("基準額（年額） 78,000円",), 70_000, 12, date(FY, 4, 1), 70_000,
                               "普通徴収", "理由", BILLS)
SAMPLES = {
    "decision": documents.DecisionNotice(HOLDER, INSURER, META, LEVY),
    "change": documents.ChangeNotice(HOLDER, INSURER, META, LEVY, LEVY, ("資格の異動",)),
    "slips": documents.PaymentSlips(HOLDER, INSURER, META, tuple(
        documents.PaymentSlip(b.label, b.due_date, b.amount, "2026000012345013") for b in BILLS)),
    "pension": documents.PensionStartNotice(HOLDER, INSURER, META, LEVY, "日本年金機構", "老齢・退職年金", date(FY, 10, 1)),
    "reminder": documents.Reminder(HOLDER, INSURER, META, documents.UnpaidInstallment(FY, "第1期", date(FY, 7, 31),
                                                                                       7_000), date(FY, 8, 20)),
    "demand": documents.DemandLetter(HOLDER, INSURER, META, (documents.UnpaidInstallment(FY, "第1期", date(FY, 7, 31),
                                                                                           7_000, fee=100),),
                                     date(FY, 8, 20)),
}
PAGES = {"slips": 4}  # 10 slips, three to a page


@pytest.mark.parametrize("kind", SAMPLES)
def test_every_notice_has_its_title_the_insurer_the_issue_date_and_a_footer_on_each_page(kind):
    notice = SAMPLES[kind]
    pdf = documents.render_notice(notice)
    pages = pages_of(pdf)
    title = documents.TITLES[type(notice)]
    assert len(pages) == PAGES.get(kind, 1)
    assert all(f"{title}令和8年度通知書番号000012345" in page for page in pages)  # the running footer
    assert "見本市（保険者番号999999）" in pages[0] and "令和8年7月10日" in pages[0]
    assert PdfReader(io.BytesIO(pdf)).metadata["/Title"] == title
    assert_embedded_font(pdf)


def test_a_very_long_address_shrinks_inside_its_box():
    holder = CardHolder(**{**HOLDER.__dict__, "address": "架空県見本市" + "見本ハイツ第二期棟" * 30})
    pdf = documents.render_notice(documents.DecisionNotice(holder, INSURER, META, LEVY))
    assert len(pages_of(pdf)) == 1 and "見本ハイツ第二期棟" * 30 in text_of(pdf)


def test_a_notice_longer_than_a_page_continues_with_the_footer_numbered():
    many = tuple(documents.InstallmentLine("billing", date(FY, 4, 1), f"第{n}期", date(FY, 4, 30), 1_000)
                 for n in range(1, 50))
    levy = documents.LevyStatement(**{**LEVY.__dict__, "installments": many})
    pages = pages_of(documents.render_notice(documents.DecisionNotice(HOLDER, INSURER, META, levy)))
    assert len(pages) == 2 and "（2枚目）" in pages[1] and "第49期" in pages[1]


@pytest.mark.parametrize(
    ("annual", "months", "amount", "expected"),
    [
        pytest.param(93_600, 7, 54_600, ("月割:年額93,600円×賦課月数7/12=54,600円", "保険料額（7か月）54,600円"),
                     id="exact"),
        pytest.param(70_200, 5, 29_250, ("月割:年額70,200円×賦課月数5/12=29,250円", "保険料額（5か月）29,250円"),
                     id="exact-2"),
        pytest.param(37_830, 7, 22_067, ("月割:年額37,830円×賦課月数7/12=22,067.5円",
                                         "1円未満切捨て:22,067.5円→22,067円", "保険料額（7か月）22,067円"),
                     id="half-yen-cut"),
        pytest.param(22_230, 5, 9_262, ("月割:年額22,230円×賦課月数5/12=9,262.5円", "1円未満切捨て:9,262.5円→9,262円",
                                        "保険料額（5か月）9,262円"), id="terminating"),
        pytest.param(70_201, 7, 40_950, ("月割:年額70,201円×賦課月数7/12=40,950.58…円",
                                         "1円未満切捨て:40,950.58…円→40,950円", "保険料額（7か月）40,950円"),
                     id="repeating"),
        pytest.param(70_200, 12, 70_200, (), id="whole-year"),
        pytest.param(70_200, 0, 0, ("賦課月数0か月のため保険料額0円",), id="no-month"),
    ],
)
def test_proration_lines(annual, months, amount, expected):
    lines = proration_steps(annual, months, amount, Rounding(1, RoundingMode.DOWN))
    assert tuple(compact(line) for line in lines) == expected


# --- from the levy, through the service ------------------------------------------------------------


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)


def levied(person=None, **tax) -> Levy:
    person = person or make_elderly()
    make_tax_fact(person, FY, **(tax or {"household_taxed": True}))
    main_levy_chunk(fiscal_year=FY, **ALL)
    return Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)


def person_of(levy: Levy) -> Resident:
    return Resident.objects.select_related("insured_number").get(pk=levy.resident_id)


@pytest.mark.django_db
def test_decision_notice_says_the_stage_and_why_the_computation_the_amount_and_each_installment(clerk):
    levy = levied()  # stage 4, 70,200円 in 10 bills from July
    person = person_of(levy)

    pdf = notice_pdf(NoticeKind.DECISION, levy.pk, actor=clerk, today=ISSUED)

    text = text_of(pdf)
    for expected in [
        "介護保険料額決定通知書", "令和8年度", "発行日令和8年7月10日", f"通知書番号{levy.notice_number:09d}",
        person.insured_number.number, compact(person.name_kanji) + "様", compact(person.address),
        "川崎市（保険者番号141309）",
        "本人非課税・世帯課税で、合計所得金額と課税年金収入額の合計が80.9万円以下のため第4段階",
        "第4段階の保険料率0.9:78,000円×0.9=70,200円", "年額保険料70,200円", "保険料額70,200円",
        "普通徴収（納付書・口座振替）", "年金保険者からの特別徴収対象者情報がないため普通徴収",
        "第1期令和8年7月31日7,200円", "第6期令和8年12月25日7,000円", "第7期令和9年2月1日7,000円",
        "第10期令和9年4月30日7,000円", "合計70,200円",
        "3か月以内に、神奈川県介護保険審査会に対して審査請求", "6か月以内",
    ]:
        assert expected in text, expected
    assert len(pages_of(pdf)) == 1
    assert_embedded_font(pdf)
    assert_no_my_number(pdf, person)
    assert not re.search(r"\d{12}", text)
    assert "再発行" not in text
    assert list(PremiumNotice.objects.values_list("kind", "levy_id", "issued_on", "reprint", "issued_by")) == [
        (NoticeKind.DECISION, levy.pk, ISSUED, False, clerk.pk)]
    assert logged() == [("premium.notice.print", "print", [person.pk])]


@pytest.mark.django_db
def test_printing_the_same_notice_again_is_a_reprint(clerk):
    levy = levied()
    notice_pdf(NoticeKind.DECISION, levy.pk, actor=clerk, today=ISSUED)

    again = notice_pdf(NoticeKind.DECISION, levy.pk, actor=clerk, today=ISSUED)
    slips = notice_pdf(NoticeKind.PAYMENT_SLIP, levy.pk, actor=clerk, today=ISSUED)

    assert "再発行" in text_of(again) and "再発行" not in text_of(slips)
    assert list(PremiumNotice.objects.order_by("id").values_list("kind", "reprint")) == [
        (NoticeKind.DECISION, False), (NoticeKind.DECISION, True), (NoticeKind.PAYMENT_SLIP, False)]
    assert len(logged()) == 3


@pytest.mark.django_db
def test_a_gain_at_65_shows_the_monthly_proration(clerk):
    levy = levied(make_elderly(birth_date=date(1961, 9, 15)), self_taxed=True, household_taxed=True,
                  total_income=1_000_000)

    text = text_of(notice_pdf(NoticeKind.DECISION, levy.pk, actor=clerk, today=ISSUED))

    for expected in ["本人課税で、合計所得金額が120万円未満のため第6段階", "年額保険料93,600円",
                     "月割:年額93,600円×賦課月数7/12=54,600円", "保険料額（7か月）54,600円", "7か月（令和8年9月から）",
                     "保険料額54,600円"]:
        assert expected in text, expected


@pytest.mark.django_db
def test_deduction_from_october_shows_both_methods_and_the_pension_start_notice_names_the_insurer(clerk):
    person = make_elderly()
    make_pension_fact(person, FY, listed_in=date(FY, 5, 1), insurer_code="020")
    levy = levied(person, self_taxed=True, household_taxed=True, total_income=2_500_000)  # stage 8, 117,000円
    deductions = list(levy.installments.filter(method="pension").order_by("month").values_list("amount", flat=True))
    bills = list(levy.installments.filter(method="billing").order_by("month").values_list("amount", flat=True))

    decision = text_of(notice_pdf(NoticeKind.DECISION, levy.pk, actor=clerk, today=ISSUED))
    start = notice_pdf(NoticeKind.PENSION_START, levy.pk, actor=clerk, today=ISSUED)

    assert "特別徴収と普通徴収（併徴）" in decision
    assert "2026年5月の特別徴収対象者情報により2026年10月から特別徴収、それまでは普通徴収" in decision
    assert "特別徴収（年金からの差引き）" in decision and "普通徴収（納付書・口座振替）" in decision
    assert f"合計{sum(deductions):,}円" in decision and f"合計{sum(bills):,}円" in decision
    text = text_of(start)
    assert "介護保険料特別徴収開始通知書" in text and "国家公務員共済組合連合会" in text and "老齢・退職年金" in text
    assert "特別徴収の開始月令和8年10月" in text and "保険料額117,000円" in text
    for month, amount in zip(("10月本徴収令和8年10月15日", "12月本徴収令和8年12月15日", "2月本徴収令和9年2月15日"),
                             deductions, strict=True):
        assert f"{month}{amount:,}円" in text
    assert f"{sum(bills):,}円（{len(bills)}回）は、納付書又は口座振替で納めてください" in text
    assert_no_my_number(start, person_of(levy))


@pytest.mark.django_db
def test_pension_start_notice_of_a_person_paying_by_bills_is_refused_and_nothing_is_recorded(clerk):
    levy = levied()
    with pytest.raises(NoticeInvalid):
        notice_pdf(NoticeKind.PENSION_START, levy.pk, actor=clerk, today=ISSUED)
    assert not PremiumNotice.objects.exists() and logged() == []


def die(person, on: date) -> None:
    Resident.objects.filter(pk=person.pk).update(status=ResidenceStatus.DECEASED, died_on=on)
    requalify([person.pk], until=on, context=Context(source="notification", event_key=f"death:{person.pk}"))
    relay()


@pytest.mark.django_db
def test_change_notice_shows_before_and_after_the_reason_and_the_overpayment(clerk):
    first = levied()
    person = person_of(first)
    with pytest.raises(NoticeInvalid):  # the first levy is decided, not changed
        notice_pdf(NoticeKind.CHANGE, first.pk, actor=clerk, today=ISSUED)
    die(person, date(2026, 9, 10))  # loss on 9/11: five months owed, July to November kept
    relevy_chunk(fiscal_year=FY, business_date=date(2026, 11, 26), **ALL)
    levy = Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)
    assert (levy.revision, levy.amount, levy.overpaid) == (2, 29_250, 5_950)

    pdf = notice_pdf(NoticeKind.CHANGE, levy.pk, actor=clerk, today=date(2026, 11, 30))

    text = text_of(pdf)
    for expected in [
        "介護保険料額変更通知書", "変更の理由資格の異動", "変更前", "変更後",
        "12か月（令和8年4月から）5か月（令和8年4月から）", "保険料額70,200円29,250円",
        "月割:年額70,200円×賦課月数5/12=29,250円",
        # each installment: before, after, difference
        "普通徴収第1期令和8年7月31日7,200円7,200円0円", "普通徴収第5期令和8年11月30日7,000円7,000円0円",
        "普通徴収第6期令和8年12月25日7,000円0円△7,000円", "普通徴収第10期令和9年4月30日7,000円0円△7,000円",
        "合計70,200円35,200円△35,000円",
        "過納額5,950円", "未納の保険料があるときはその保険料に充当し、残りがあるときは還付します",
        "審査請求",
    ]:
        assert expected in text, expected
    assert len(pages_of(pdf)) == 1
    assert_no_my_number(pdf, person)
    row = PremiumNotice.objects.get()
    assert (row.kind, row.levy_id, row.fiscal_year, row.reprint) == (NoticeKind.CHANGE, levy.pk, FY, False)
    assert logged() == [("premium.notice.print", "print", [person.pk])]


@pytest.mark.django_db
def test_payment_slips_one_per_bill_with_a_valid_payment_number_three_to_a_page(clerk):
    levy = levied()
    bills = list(levy.installments.filter(method="billing").order_by("month"))

    pdf = notice_pdf(NoticeKind.PAYMENT_SLIP, levy.pk, actor=clerk, today=ISSUED)

    pages = pages_of(pdf)
    assert len(pages) == 4
    text = "".join(pages)
    numbers = re.findall(r"納付番号(\d{16})", text)
    assert [payment_number_parts(n) for n in numbers] == [(FY, levy.notice_number, b.number) for b in bills]
    for bill in bills:
        assert f"期別第{bill.number}期" in text
    assert "納期限令和8年7月31日金額7,200円" in text and "納期限令和9年4月30日金額7,000円" in text
    assert "指定金融機関" in text and "領収日付印" in text
    assert_no_my_number(pdf, person_of(levy))
    assert PremiumNotice.objects.get().kind == NoticeKind.PAYMENT_SLIP


@pytest.mark.django_db
def test_reminder_names_the_oldest_unpaid_bill_the_law_and_the_new_date(clerk):
    levy = levied()
    person = person_of(levy)
    today = date(2026, 9, 10)  # 第1期 (7/31) and 第2期 (8/31) are past due
    Payment.objects.create(resident_id=person.pk, fiscal_year=FY, method="billing", month=date(FY, 7, 1),
                           channel=PaymentChannel.COUNTER, amount=7_200, paid_on=date(FY, 7, 30),
                           booked_on=date(FY, 7, 30))

    pdf = notice_pdf(NoticeKind.REMINDER, levy.pk, actor=clerk, today=today)

    text = text_of(pdf)
    for expected in ["介護保険料督促状", "地方自治法第231条の3第1項及び介護保険法の規定により督促します",
                     "令和8年度第2期令和8年8月31日7,000円7,000円", "指定期限令和8年9月24日まで",  # 9/20 is a Sunday,
                     "条例の定めるところにより延滞金", "審査請求"]:                      # 9/21-23 holidays
        assert expected in text, expected
    assert "第1期" not in text
    assert_no_my_number(pdf, person)
    row = PremiumNotice.objects.get()
    assert (row.kind, row.installment_month, row.reprint) == (NoticeKind.REMINDER, date(FY, 8, 1), False)


@pytest.mark.django_db
def test_reminders_are_reprints_only_for_the_same_installment(clerk):
    levy = levied()
    notice_pdf(NoticeKind.REMINDER, levy.pk, actor=clerk, today=date(2026, 9, 10))
    notice_pdf(NoticeKind.REMINDER, levy.pk, actor=clerk, today=date(2026, 9, 10), installment_month=date(FY, 8, 1))
    notice_pdf(NoticeKind.REMINDER, levy.pk, actor=clerk, today=date(2026, 9, 11))
    assert list(PremiumNotice.objects.order_by("id").values_list("installment_month", "reprint")) == [
        (date(FY, 7, 1), False), (date(FY, 8, 1), False), (date(FY, 7, 1), True)]


@pytest.mark.django_db
def test_demand_letter_lists_every_unpaid_bill_and_the_benefit_restrictions(clerk):
    levy = levied()

    text = text_of(notice_pdf(NoticeKind.DEMAND, levy.pk, actor=clerk, today=date(2026, 10, 5)))

    for expected in ["介護保険料催告書", "第1期令和8年7月31日7,200円", "第2期令和8年8月31日7,000円",
                     "第3期令和8年9月30日7,000円", "未納額の合計21,200円", "償還払い", "一時差し止め", "4割",
                     "介護保険法第66条から第69条まで"]:
        assert expected in text, expected
    assert "第4期" not in text


@pytest.mark.django_db
def test_nothing_unpaid_no_reminder(clerk):
    levy = levied()
    with pytest.raises(NoticeInvalid):
        notice_pdf(NoticeKind.REMINDER, levy.pk, actor=clerk, today=date(2026, 7, 31))  # due today: not yet late
    assert not PremiumNotice.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("organisation", "allowed"),
    [
        pytest.param(Organisation.NAKAHARA, True, id="own-ward-clerk"),
        pytest.param(Organisation.ASAO, False, id="another-wards-clerk"),
    ],
)
def test_a_protected_persons_notice_prints_only_for_staff_who_may_see_the_address(make_staff, organisation,
                                                                                   allowed):
    levy = levied()
    Resident.objects.filter(pk=levy.resident_id).update(sensitive=True)
    staff = make_staff(Role.WARD_CLERK, organisation=organisation)
    if allowed:
        notice_pdf(NoticeKind.DECISION, levy.pk, actor=staff, today=ISSUED)
        assert PremiumNotice.objects.count() == 1
        assert logged()[-1][:2] == ("premium.notice.print.sensitive", "print")
    else:
        with pytest.raises(NotPermitted):
            notice_pdf(NoticeKind.DECISION, levy.pk, actor=staff, today=ISSUED)
        assert not PremiumNotice.objects.exists()
        assert logged() == [("premium.notice.print.denied.sensitive", "print", [levy.resident_id])]


# --- batch -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_batch_prints_each_notice_on_its_own_pages_records_each_and_logs_once():
    persons = [make_elderly() for _ in range(4)]
    for person in persons:
        make_tax_fact(person, FY, household_taxed=True)
    main_levy_chunk(fiscal_year=FY, **ALL)
    levies = list(Levy.objects.filter(resident__in=persons).order_by("resident_id"))
    Resident.objects.filter(pk=persons[3].pk).update(sensitive=True)

    pdf = notices_batch_pdf(NoticeKind.DECISION, [lv.pk for lv in levies])
    slips = notices_batch(NoticeKind.PAYMENT_SLIP, [lv.pk for lv in levies[:2]])

    pages = pages_of(pdf)
    assert len(pages) == 3  # the protected person is left out
    assert [persons[i].insured_number.number in pages[i] for i in range(3)] == [True] * 3
    assert PdfReader(io.BytesIO(pdf)).metadata["/Title"] == "介護保険料額決定通知書"
    assert len(pages_of(slips.pdf)) == 8 and slips.printed == [levies[0].pk, levies[1].pk]
    assert list(PremiumNotice.objects.filter(kind=NoticeKind.DECISION).order_by("resident_id")
                .values_list("levy_id", "batch_run_id", "issued_by", "reprint")) == [
        (lv.pk, None, None, False) for lv in levies[:3]]
    assert logged() == [("premium.notice.print", "print", [p.pk for p in persons[:3]]),
                        ("premium.notice.print", "print", [p.pk for p in persons[:2]])]
    assert AccessLogEntry.objects.order_by("id").first().hits == 3
    for person in persons:
        assert_no_my_number(pdf, Resident.objects.select_related("insured_number").get(pk=person.pk))


@pytest.mark.django_db
def test_batch_change_notices_leave_out_first_levies_and_say_why():
    person, other = make_elderly(), make_elderly()
    for p in (person, other):
        make_tax_fact(p, FY, household_taxed=True)
    main_levy_chunk(fiscal_year=FY, **ALL)
    die(person, date(2026, 9, 10))
    relevy_chunk(fiscal_year=FY, business_date=date(2026, 11, 26), **ALL)
    changed = Levy.objects.get(resident=person, recorded_to__isnull=True)
    first = Levy.objects.get(resident=other)

    result = notices_batch(NoticeKind.CHANGE, [changed.pk, first.pk])

    assert result.printed == [changed.pk] and list(result.left_out) == [first.pk]
    assert "変更前の賦課がない" in result.left_out[first.pk]
    assert "過納額5,950円" in text_of(result.pdf)


@pytest.mark.django_db
def test_batch_queries_do_not_grow_with_the_number_of_notices():
    persons = [make_elderly() for _ in range(6)]
    for person in persons:
        make_tax_fact(person, FY, household_taxed=True)
    main_levy_chunk(fiscal_year=FY, **ALL)
    ids = list(Levy.objects.order_by("id").values_list("id", flat=True))

    counts = []
    for chunk in (ids[:2], ids[2:]):
        with CaptureQueriesContext(connection) as queries:
            notices_batch(NoticeKind.DECISION, chunk)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_reminders_a_run_issued_print_as_issued_without_a_new_row():
    from kaigo.batches.models import BatchRun
    from premiums.arrears.services import reminders_chunk
    from premiums.notices.services import run_notices_pdf

    persons = [make_elderly() for _ in range(3)]
    for person in persons:
        make_tax_fact(person, FY, household_taxed=True)
    main_levy_chunk(fiscal_year=FY, **ALL)
    paid_since = persons[2]
    run = BatchRun.objects.create(kind="premiums.reminders", params={"business_date": "2026-08-10"}, origin="console")
    assert reminders_chunk(**ALL, issued_on=date(2026, 8, 10), batch_run_id=run.pk).done == 3
    Payment.objects.create(resident_id=paid_since.pk, fiscal_year=FY, method="billing", month=date(FY, 7, 1),
                           channel=PaymentChannel.COUNTER, amount=7_200, paid_on=date(FY, 8, 12),
                           booked_on=date(FY, 8, 12))

    result = run_notices_pdf(run.pk)

    pages = pages_of(result.pdf)
    assert len(pages) == 2 and len(result.left_out) == 1
    assert all("発行日令和8年8月10日" in p and "第1期令和8年7月31日7,200円" in p and "再発行" not in p for p in pages)
    assert "指定期限令和8年8月20日まで" in pages[0]
    assert PremiumNotice.objects.count() == 3  # the run's own rows: printing adds none
    assert logged() == [("premium.notice.print", "print", [persons[0].pk, persons[1].pk])]


@pytest.mark.django_db
def test_a_reduction_shows_in_the_computation_of_the_change_notice(make_staff, clerk):
    from decimal import Decimal

    from premiums.reductions.services import ReductionApplication, reduction_apply, reduction_decide

    levy = levied(self_taxed=True, household_taxed=True, total_income=1_000_000)  # stage 6: 93,600円
    reduction = reduction_apply(actor=clerk, resident_id=levy.resident_id, application=ReductionApplication(
        fiscal_year=FY, kind="detention", applied_on=date(2026, 9, 1), first_month=date(2026, 10, 1),
        last_month=date(2026, 12, 1), evidence=("detention_certificate",)))
    reduction_decide(actor=make_staff(Role.SECTION_CHIEF), reduction_id=reduction.pk, approve=True, rate=Decimal(1))
    relevy_chunk(fiscal_year=FY, business_date=date(2026, 9, 15), **ALL)
    changed = Levy.objects.get(resident_id=levy.resident_id, fiscal_year=FY, recorded_to__isnull=True)

    text = text_of(notice_pdf(NoticeKind.CHANGE, changed.pk, actor=clerk, today=date(2026, 9, 20)))

    for expected in ["変更の理由減免の決定", "保険料額93,600円70,200円",
                     "刑事施設等への拘禁による免除:2026年10月から2026年12月のうち賦課月3か月に全額免除",
                     "減免額23,400円→保険料額70,200円"]:
        assert expected in text, expected


@pytest.mark.django_db
def test_a_demand_letter_leaves_out_a_bill_paid_at_a_store_awaiting_its_final(clerk):
    from premiums.models import InboundFile, PreliminaryPayment

    levy = levied()
    file = InboundFile.objects.create(kind="payment", sha256="1" * 64, file_name="d.csv")
    PreliminaryPayment.objects.create(resident_id=levy.resident_id, fiscal_year=FY, month=date(FY, 8, 1),
                                      amount=7_000, paid_on=date(2026, 10, 2), payment_number="2026000000012013",
                                      agent_code="90001", serial="1", file=file)

    text = text_of(notice_pdf(NoticeKind.DEMAND, levy.pk, actor=clerk, today=date(2026, 10, 5)))

    assert "第1期令和8年7月31日7,200円" in text and "第3期令和8年9月30日7,000円" in text
    assert "第2期" not in text and "未納額の合計14,200円" in text
