"""The 仮算定通知書 (April): the 仮徴収 of a 仮算定 revision (法 §140), and the notices refused for the
wrong kind of revision (docs/subsystems/premium-notices.md)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from kaigo.staff.roles import Organisation, Role
from premiums.levy.services import main_levy_chunk, provisional_levy_chunk
from premiums.models import Levy, LevySource, NoticeKind, PremiumNotice
from premiums.notices import documents
from premiums.notices.services import NoticeInvalid, notice_pdf, notices_batch
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_pension_fact, make_tax_fact
from tests.premiums.test_notices import (
    HOLDER,
    INSURER,
    META,
    assert_embedded_font,
    assert_printed_once_then_reprinted,
    logged,
    pages_of,
    person_of,
    text_of,
)

FY = 2026
ALL = {"lo": 0, "hi": 10**12}
APRIL = date(2026, 4, 3)
TITLE = "介護保険料仮算定通知書（特別徴収仮徴収額のお知らせ）"


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)


def provisional_levy(person=None) -> Levy:
    """A person deducted from a pension last year, levied provisionally in April."""
    person = person or make_elderly()
    make_tax_fact(person, FY - 1, household_taxed=True)
    make_pension_fact(person, FY - 1, listed_in=date(2024, 11, 1))
    main_levy_chunk(fiscal_year=FY - 1, **ALL)
    provisional_levy_chunk(fiscal_year=FY, **ALL)
    levy = Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)
    assert levy.source == LevySource.PROVISIONAL
    return levy


def test_the_renderer_prints_the_title_the_months_the_total_and_the_basis():
    deductions = tuple(documents.InstallmentLine("pension", date(FY, m, 1), f"{m}月 仮徴収", date(FY, m, 15), 6_500)
                       for m in (4, 6, 8))
    notice = documents.ProvisionalNotice(HOLDER, INSURER, META, deductions, "日本年金機構", "老齢・退職年金")
    pdf = documents.render_notice(notice)
    pages = pages_of(pdf)
    assert len(pages) == 1 and documents.TITLES[type(notice)] == TITLE
    assert f"{TITLE}令和8年度通知書番号000012345" in pages[0]
    assert PdfReader(io.BytesIO(pdf)).metadata["/Title"] == TITLE
    for expected in ("4月仮徴収令和8年4月15日6,500円", "8月仮徴収令和8年8月15日6,500円", "合計19,500円",
                     "仮徴収額の合計19,500円", "年金保険者日本年金機構", "年金の種類老齢・退職年金", "介護保険法第140条",
                     "前年度2月の特別徴収額と同額を仮に徴収すること"):
        assert expected in pages[0], expected
    assert_embedded_font(pdf)


@pytest.mark.django_db
def test_provisional_notice_shows_the_three_months_their_amounts_the_total_and_why(clerk):
    levy = provisional_levy()
    person = person_of(levy)
    deductions = list(levy.installments.order_by("month").values_list("month", "due_date", "amount"))
    assert [m.month for m, _, _ in deductions] == [4, 6, 8]

    pdf = notice_pdf(NoticeKind.PROVISIONAL, levy.pk, actor=clerk, today=APRIL)

    text = text_of(pdf)
    for expected in [
        TITLE, "令和8年度", "発行日令和8年4月3日", f"通知書番号{levy.notice_number:09d}", person.insured_number.number,
        "".join(person.name_kanji.split()) + "様", "".join(person.address.split()), "川崎市（保険者番号141309）",
        "年金保険者日本年金機構", "年金の種類老齢・退職年金",
        "前年度2月の特別徴収額と同額を仮に徴収すること（仮徴収）", "介護保険法第140条",
        "7月の本算定で決定し、「介護保険料額決定通知書」", "10月からの年金からの差引き（本徴収",
        f"合計{sum(a for _, _, a in deductions):,}円",
        "3か月以内に、神奈川県介護保険審査会に対して審査請求",
    ]:
        assert expected in text, expected
    for month, due, amount in deductions:
        assert f"{month.month}月仮徴収令和8年{due.month}月{due.day}日{amount:,}円" in text
    assert "所得段階" not in text and "保険料額決定通知書（" not in text
    assert_printed_once_then_reprinted(pdf, kind=NoticeKind.PROVISIONAL, levy=levy, person=person, clerk=clerk, today=APRIL)


@pytest.mark.django_db
def test_a_decision_notice_of_a_provisional_levy_is_refused_and_nothing_is_recorded(clerk):
    levy = provisional_levy()
    with pytest.raises(NoticeInvalid) as refused:
        notice_pdf(NoticeKind.DECISION, levy.pk, actor=clerk, today=APRIL)
    assert "仮算定の賦課のため保険料額決定通知書は作成できません" in refused.value.message
    assert "仮算定通知書" in refused.value.message
    assert not PremiumNotice.objects.exists() and logged() == []


@pytest.mark.django_db
def test_a_provisional_notice_of_a_main_levy_is_refused_and_nothing_is_recorded(clerk):
    person = make_elderly()
    make_tax_fact(person, FY, household_taxed=True)
    main_levy_chunk(fiscal_year=FY, **ALL)
    levy = Levy.objects.get(resident=person, fiscal_year=FY)
    with pytest.raises(NoticeInvalid) as refused:
        notice_pdf(NoticeKind.PROVISIONAL, levy.pk, actor=clerk, today=APRIL)
    assert "仮算定の賦課ではないため仮算定通知書は作成できません" in refused.value.message
    assert not PremiumNotice.objects.exists() and logged() == []


@pytest.mark.django_db
def test_after_the_main_levy_the_decision_prints_and_the_provisional_notice_is_refused(clerk):
    levy = provisional_levy()
    make_tax_fact(person_of(levy), FY, household_taxed=True)
    main_levy_chunk(fiscal_year=FY, **ALL)
    main = Levy.objects.get(resident_id=levy.resident_id, fiscal_year=FY, recorded_to__isnull=True)
    assert main.source == LevySource.MAIN
    assert "介護保険料額決定通知書" in text_of(notice_pdf(NoticeKind.DECISION, main.pk, actor=clerk, today=APRIL))
    with pytest.raises(NoticeInvalid):
        notice_pdf(NoticeKind.PROVISIONAL, main.pk, actor=clerk, today=APRIL)
    assert list(PremiumNotice.objects.values_list("kind", flat=True)) == [NoticeKind.DECISION]


@pytest.mark.django_db
def test_batch_prints_provisional_notices_and_leaves_out_main_levies_with_the_reason():
    provisional = [provisional_levy(), provisional_levy()]
    other = make_elderly()
    make_tax_fact(other, FY, household_taxed=True)
    main_levy_chunk(fiscal_year=FY, **ALL)  # supersedes nobody's 仮算定 without a tax fact of the year
    main = Levy.objects.get(resident=other, fiscal_year=FY)

    result = notices_batch(NoticeKind.PROVISIONAL, [provisional[0].pk, main.pk, provisional[1].pk])

    assert result.printed == [provisional[0].pk, provisional[1].pk]
    assert "仮算定の賦課ではない" in result.left_out[main.pk]
    assert len(pages_of(result.pdf)) == 2
    assert PdfReader(io.BytesIO(result.pdf)).metadata["/Title"] == TITLE
    assert PremiumNotice.objects.filter(kind=NoticeKind.PROVISIONAL).count() == 2
    assert logged() == [("premium.notice.print", "print", [lv.resident_id for lv in provisional])]

    decisions = notices_batch(NoticeKind.DECISION, [provisional[0].pk, main.pk])
    assert decisions.printed == [main.pk] and "仮算定通知書" in decisions.left_out[provisional[0].pk]


@pytest.mark.django_db
def test_the_tab_offers_the_provisional_notice_for_a_provisional_levy(client_as):
    levy = provisional_levy()
    client = client_as(Role.WARD_CLERK)
    page = client.get(f"/persons/{levy.resident_id}/premiums/").content.decode()
    assert f"/persons/{levy.resident_id}/premiums/{levy.pk}/provisional.pdf" in page
    assert f"/persons/{levy.resident_id}/premiums/{levy.pk}/decision.pdf" not in page
    response = client.get(f"/persons/{levy.resident_id}/premiums/{levy.pk}/provisional.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert not PremiumNotice.objects.exists()  # a preview (見本) records nothing
    issued = client.post(f"/persons/{levy.resident_id}/premiums/{levy.pk}/provisional/issue/")
    assert issued.status_code == 302 and client.get(issued["Location"]).status_code == 200
    refused = client.post(f"/persons/{levy.resident_id}/premiums/{levy.pk}/decision/issue/", follow=True)
    assert "仮算定通知書を印刷してください" in refused.content.decode()
    refused = client.get(f"/persons/{levy.resident_id}/premiums/{levy.pk}/decision.pdf", follow=True)
    assert "仮算定通知書を印刷してください" in refused.content.decode()
    assert list(PremiumNotice.objects.values_list("kind", flat=True)) == [NoticeKind.PROVISIONAL]
