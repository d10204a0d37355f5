"""The 特別徴収中止通知書: a correction (更正) that stops the pension deductions the revision before
made (a deduction the 年金保険者 could not make, a loss of qualification), the month it stops from,
the deductions that remain and the bills; refused for a revision that stops nothing
(docs/subsystems/premium-notices.md)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.utils import timezone
from pypdf import PdfReader

from kaigo.staff.roles import Organisation, Role
from premiums.levy.services import levy_pending_add, main_levy_chunk, relevy_chunk
from premiums.models import Levy, NoticeKind, PremiumNotice, TaxFact
from premiums.notices import documents
from premiums.notices.services import NoticeInvalid, notice_pdf, notices_batch
from premiums.rules.codes import CollectionMethod
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_pension_fact, make_tax_fact
from tests.premiums.test_notices import (
    HOLDER,
    INSURER,
    META,
    assert_embedded_font,
    assert_printed_once_then_reprinted,
    die,
    logged,
    pages_of,
    person_of,
    text_of,
)

FY = 2026
ALL = {"lo": 0, "hi": 10**12}
TITLE = "介護保険料特別徴収中止通知書"
ISSUED = date(2026, 10, 26)
REFUSED = "特別徴収の中止がないため特別徴収中止通知書は作成できません。"


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)


def current(person) -> Levy:
    return Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)


def deducted(person=None) -> Levy:
    """A person deducted from a pension from April (main levy, stage 4: 70,200円)."""
    person = person or make_elderly()
    make_tax_fact(person, FY, household_taxed=True)
    make_pension_fact(person, FY, listed_in=date(2025, 11, 1))
    main_levy_chunk(fiscal_year=FY, **ALL)
    levy = current(person)
    assert levy.collection_method == CollectionMethod.PENSION_DEDUCTION
    return levy


def not_deducted_in_october(person=None) -> Levy:
    """The 年金保険者 reports October's deduction not made (DeductionStop, queued with cause pension);
    the correction keeps April to August and bills the rest from November."""
    from linkage.pension.simulator import PensionIdentity, simulate_results_file
    from premiums.intake.services import pension_results_receive

    first = deducted(person)
    person = person_of(first)
    october = first.installments.get(method=CollectionMethod.PENSION_DEDUCTION, month=date(FY, 10, 1))
    identity = PensionIdentity("010", f"{person.pk:010d}", "1150", "old_age", person.birth_date, person.sex,
                               person.name_kana)
    results = simulate_results_file({identity: october.amount}, month=(FY, 10), seed=1, not_deducted_share=1.0)
    pension_results_receive(results.data, file_name=f"kekka-{person.pk}.csv", month=(FY, 10))
    relevy_chunk(fiscal_year=FY, business_date=date(2026, 10, 20), **ALL)
    levy = current(person)
    assert (levy.revision, levy.cause) == (2, "pension")
    return levy


def rows(levy: Levy, method: str) -> list[tuple[date, date, int]]:
    return list(levy.installments.filter(method=method).order_by("month").values_list("month", "due_date", "amount"))


# --- pure: values in, PDF out ------------------------------------------------------------------


def test_the_renderer_prints_the_title_the_stop_month_what_remains_and_the_bills():
    deductions = tuple(documents.InstallmentLine("pension", date(FY, m, 1), f"{m}月 本徴収", date(FY, m, 15), 7_000)
                       for m in (4, 6, 8))
    bills = tuple(documents.InstallmentLine("billing", date(FY, m, 1), f"第{n}期", date(FY, m, 28), 5_000)
                  for n, m in ((5, 11), (6, 12)))
    notice = documents.PensionStopNotice(HOLDER, INSURER, META, "日本年金機構", "老齢・退職年金", date(FY, 10, 1),
                                         ("特別徴収の不能（普通徴収へ切替）",), "特別徴収と普通徴収（併徴）",
                                         deductions, bills, 31_000)
    pdf = documents.render_notice(notice)
    pages = pages_of(pdf)
    assert len(pages) == 1 and documents.TITLES[type(notice)] == TITLE
    assert f"{TITLE}令和8年度通知書番号000012345" in pages[0]
    assert PdfReader(io.BytesIO(pdf)).metadata["/Title"] == TITLE
    for expected in ("年金保険者日本年金機構", "年金の種類老齢・退職年金", "中止する月令和8年10月の年金から",
                     "中止の理由特別徴収の不能（普通徴収へ切替）", "今後の徴収方法特別徴収と普通徴収（併徴）",
                     "更正後の保険料額31,000円", "4月本徴収令和8年4月15日7,000円", "合計21,000円",
                     "第5期令和8年11月28日5,000円", "合計10,000円", "「介護保険料額変更通知書」", "審査請求"):
        assert expected in pages[0], expected
    assert "過納額" not in pages[0]
    assert_embedded_font(pdf)


# --- from real corrections ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_deduction_not_made_stops_from_october_and_the_notice_names_what_remains_and_the_bills(clerk):
    levy = not_deducted_in_october()
    person = person_of(levy)
    deductions, bills = rows(levy, CollectionMethod.PENSION_DEDUCTION), rows(levy, CollectionMethod.BILLING)
    assert [m.month for m, _, _ in deductions] == [4, 6, 8] and bills

    pdf = notice_pdf(NoticeKind.PENSION_STOP, levy.pk, actor=clerk, today=ISSUED)

    text = text_of(pdf)
    for expected in [
        TITLE, "令和8年度", "発行日令和8年10月26日", f"通知書番号{levy.notice_number:09d}", person.insured_number.number,
        "".join(person.name_kanji.split()) + "様", "".join(person.address.split()), "川崎市（保険者番号141309）",
        "年金保険者日本年金機構", "年金の種類老齢・退職年金", "中止する月令和8年10月の年金から",
        "中止の理由特別徴収の不能（普通徴収へ切替）", "今後の徴収方法特別徴収と普通徴収（併徴）",
        f"更正後の保険料額{levy.amount:,}円", f"合計{sum(a for _, _, a in deductions):,}円",
        f"合計{sum(a for _, _, a in bills):,}円", "「介護保険料額変更通知書」",
        "3か月以内に、神奈川県介護保険審査会に対して審査請求",
    ]:
        assert expected in text, expected
    for month, due, amount in deductions:
        assert f"{month.month}月" in text and f"令和8年{due.month}月{due.day}日{amount:,}円" in text
    for _, due, amount in bills:
        assert f"令和{due.year - 2018}年{due.month}月{due.day}日{amount:,}円" in text
    assert "10月本徴収" not in text
    assert_printed_once_then_reprinted(pdf, kind=NoticeKind.PENSION_STOP, levy=levy, person=person, clerk=clerk, today=ISSUED)


def died() -> Levy:
    """A person deducted from a pension who died on 2026-09-10, corrected on 2026-11-26: a stop decided
    then reaches February 2027 (premiums.relevy.pension_stop_from_for); the deductions before it stay."""
    person = person_of(deducted())
    die(person, date(2026, 9, 10))
    relevy_chunk(fiscal_year=FY, business_date=date(2026, 11, 26), **ALL)
    return current(person)


@pytest.mark.django_db
def test_a_death_stops_the_deduction_the_stop_still_reaches_and_nothing_is_billed(clerk):
    levy = died()
    assert [m.month for m, _, _ in rows(levy, CollectionMethod.PENSION_DEDUCTION)] == [4, 6, 8, 10, 12]
    assert not rows(levy, CollectionMethod.BILLING) and levy.overpaid > 0

    text = text_of(notice_pdf(NoticeKind.PENSION_STOP, levy.pk, actor=clerk, today=date(2026, 11, 30)))

    for expected in ("中止する月令和9年2月の年金から", "中止の理由資格の異動", "普通徴収で納めていただく保険料はありません",
                     f"過納額{levy.overpaid:,}円"):
        assert expected in text, expected
    assert PremiumNotice.objects.get().kind == NoticeKind.PENSION_STOP


@pytest.mark.django_db
def test_a_revision_that_stops_nothing_is_refused_in_japanese_and_nothing_is_recorded(clerk):
    first = deducted()
    person = person_of(first)
    with pytest.raises(NoticeInvalid) as refused:  # a first levy: nothing before it to stop
        notice_pdf(NoticeKind.PENSION_STOP, first.pk, actor=clerk, today=ISSUED)
    assert refused.value.message == REFUSED

    # a tax correction raising the stage keeps every deduction and bills the difference (併徴)
    TaxFact.objects.filter(resident=person, fiscal_year=FY).update(recorded_to=timezone.now())
    make_tax_fact(person, FY, correction=True, self_taxed=True, household_taxed=True, total_income=1_500_000)
    levy_pending_add([(person.pk, FY, date(FY, 4, 1), "tax")])
    relevy_chunk(fiscal_year=FY, business_date=date(2026, 11, 26), **ALL)
    raised = current(person)
    assert raised.revision == 2 and raised.collection_method == CollectionMethod.BOTH
    with pytest.raises(NoticeInvalid) as refused:
        notice_pdf(NoticeKind.PENSION_STOP, raised.pk, actor=clerk, today=ISSUED)
    assert refused.value.message == REFUSED
    assert not PremiumNotice.objects.exists() and logged() == []


@pytest.mark.django_db
def test_batch_prints_the_stop_notices_and_leaves_out_revisions_without_a_stop():
    stopped = [not_deducted_in_october(), died()]
    plain = deducted()

    result = notices_batch(NoticeKind.PENSION_STOP, [stopped[0].pk, plain.pk, stopped[1].pk], today=ISSUED)

    assert result.printed == [stopped[0].pk, stopped[1].pk]
    assert result.left_out == {plain.pk: REFUSED}
    assert len(pages_of(result.pdf)) == 2
    assert PdfReader(io.BytesIO(result.pdf)).metadata["/Title"] == TITLE
    assert PremiumNotice.objects.filter(kind=NoticeKind.PENSION_STOP).count() == 2
    assert logged() == [("premium.notice.print", "print", [lv.resident_id for lv in stopped])]


@pytest.mark.django_db
def test_the_tab_offers_the_stop_notice_only_for_a_revision_that_stops_a_deduction(client_as):
    levy = not_deducted_in_october()
    plain = deducted()
    client = client_as(Role.WARD_CLERK)
    link = f"/persons/{levy.resident_id}/premiums/{levy.pk}/pension_stop.pdf"
    assert link in client.get(f"/persons/{levy.resident_id}/premiums/").content.decode()
    assert "pension_stop.pdf" not in client.get(f"/persons/{plain.resident_id}/premiums/").content.decode()
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert not PremiumNotice.objects.exists()  # a preview (見本) records nothing
    assert client.post(link.replace(".pdf", "/issue/")).status_code == 302
    assert list(PremiumNotice.objects.values_list("kind", flat=True)) == [NoticeKind.PENSION_STOP]
