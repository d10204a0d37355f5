"""The notices of a reduction's decision as PDF (減免決定通知書, 徴収猶予決定通知書, 徴収猶予取消通知書,
減免（徴収猶予）申請却下通知書): what each says (from real reductions and levies on real PostgreSQL), no
My Number, one PremiumNotice row naming the reduction per print with the reprint flag, the access log
(channel print), the refusals, a clear NoticeInvalid for an undecided application or a notice the
decision does not give, and the print links on the screens."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from pypdf import PdfReader

from eligibility.models import Resident
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from premiums.levy.services import main_levy_chunk
from premiums.models import Levy, LevyInstallment, NoticeKind, PremiumNotice, Reduction
from premiums.notices import documents
from premiums.notices.services import NoticeInvalid, notice_pdf, reduction_notice_kinds, reduction_notice_pdf
from premiums.reductions.services import ReductionApplication, deferral_end, reduction_apply, reduction_decide
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_tax_fact
from tests.premiums.test_notices import (
    HOLDER,
    INSURER,
    assert_embedded_font,
    assert_no_my_number,
    compact,
    logged,
    pages_of,
    text_of,
)

FY = 2026
ALL = {"lo": 0, "hi": 10**12}
TOKYO = ZoneInfo("Asia/Tokyo")
ISSUED = date(2026, 11, 24)
DECIDED_AT = datetime(2026, 9, 10, 15, 0, tzinfo=TOKYO)
APPEAL = ("3か月以内に、神奈川県介護保険審査会に対して審査請求", "6か月以内", "介護保険法第196条")


# --- pure: values in, PDF out ------------------------------------------------------------------

FACTS = documents.ReductionFacts("災害による減免", date(2026, 9, 1), date(2026, 9, 10), date(2026, 10, 1),
                                 date(2026, 12, 1))
META = documents.NoticeMeta(ISSUED, FY, 12345)
BILLS = (documents.DeferredBill("第4期", date(2026, 11, 2), date(2027, 1, 4), 7_000),)
SAMPLES = {
    "reduction": documents.ReductionNotice(HOLDER, INSURER, META, FACTS, rate=Decimal("0.5")),
    "borderline": documents.ReductionNotice(HOLDER, INSURER, META, FACTS, stage=1, own_stage=6),
    "deferral": documents.DeferralNotice(HOLDER, INSURER, META, FACTS, date(2027, 1, 4), BILLS),
    "deferral-end": documents.DeferralEndNotice(HOLDER, INSURER, META, FACTS, date(2027, 1, 4), date(2026, 11, 20),
                                                date(2026, 11, 30), "収入が回復したため", BILLS),
    "rejection": documents.RejectionNotice(HOLDER, INSURER, META, FACTS, "罹災証明書の被害の程度が基準に満たないため"),
}


@pytest.mark.parametrize("kind", SAMPLES)
def test_every_reduction_notice_has_its_title_the_header_the_appeal_and_a_footer(kind):
    notice = SAMPLES[kind]
    pdf = documents.render_notice(notice)
    pages = pages_of(pdf)
    title = documents.TITLES[type(notice)]
    assert len(pages) == 1
    assert f"{title}令和8年度通知書番号000012345" in pages[0]  # the running footer
    for expected in [title, "見本市（保険者番号999999）", "発行日令和8年11月24日", "通知書番号000012345",
                     "被保険者番号0000012344", "試験花子様", compact(HOLDER.address), "申請日令和8年9月1日",
                     "決定日令和8年9月10日", *APPEAL]:
        assert expected in pages[0], expected
    assert PdfReader(io.BytesIO(pdf)).metadata["/Title"] == title
    assert_embedded_font(pdf)


def test_without_a_levy_of_the_year_the_notice_number_is_left_out():
    meta = documents.NoticeMeta(ISSUED, FY, None)
    text = text_of(documents.render_notice(documents.RejectionNotice(HOLDER, INSURER, meta, FACTS, "理由")))
    assert "通知書番号" not in text and "被保険者番号0000012344" in text
    assert "介護保険料減免（徴収猶予）申請却下通知書令和8年度" in text


@pytest.mark.parametrize(("kind", "status", "ended", "expected"), [
    pytest.param("disaster", "applied", False, (), id="undecided"),
    pytest.param("disaster", "approved", False, (NoticeKind.REDUCTION,), id="reduction"),
    pytest.param("borderline", "approved", False, (NoticeKind.REDUCTION,), id="borderline"),
    pytest.param("deferral", "approved", False, (NoticeKind.DEFERRAL,), id="deferral"),
    pytest.param("deferral", "approved", True, (NoticeKind.DEFERRAL, NoticeKind.DEFERRAL_END), id="deferral-ended"),
    pytest.param("deferral", "rejected", False, (NoticeKind.REDUCTION_REJECTION,), id="deferral-rejected"),
    pytest.param("detention", "rejected", False, (NoticeKind.REDUCTION_REJECTION,), id="rejected"),
])
def test_the_notices_a_decision_gives(kind, status, ended, expected):
    assert reduction_notice_kinds(kind, status, ended) == expected


# --- from the reduction, through the service -----------------------------------------------------


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)


@pytest.fixture
def chief(make_staff):
    return make_staff(Role.SECTION_CHIEF)


def levied(**tax) -> Levy:
    """Stage 6 (93,600円) with ``self_taxed``; stage 4 (70,200円: 第1期 7,200円 due 7/31, then 7,000円
    a month) by default."""
    person = make_elderly()
    make_tax_fact(person, FY, **(tax or {"household_taxed": True}))
    main_levy_chunk(fiscal_year=FY, **ALL)
    return Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)


def person_of(levy: Levy) -> Resident:
    return Resident.objects.select_related("insured_number").get(pk=levy.resident_id)


EVIDENCE = {"disaster": ("disaster_certificate",), "detention": ("detention_certificate",),
            "borderline": ("borderline_certificate",), "deferral": ("income_proof",)}


def applied(levy: Levy, clerk, kind: str = "disaster", first=date(2026, 10, 1), last=date(2026, 12, 1)) -> Reduction:
    return reduction_apply(actor=clerk, resident_id=levy.resident_id, application=ReductionApplication(
        fiscal_year=FY, kind=kind, applied_on=date(2026, 9, 1), first_month=first, last_month=last,
        evidence=EVIDENCE[kind]))


def decided(reduction: Reduction, chief, **decision) -> Reduction:
    reduction_decide(actor=chief, reduction_id=reduction.pk, **({"approve": True} | decision))
    Reduction.objects.filter(pk=reduction.pk).update(decided_at=DECIDED_AT)
    return Reduction.objects.get(pk=reduction.pk)


@pytest.mark.django_db
def test_a_reductions_approval_names_the_kind_the_months_the_share_and_the_change_notice_to_follow(clerk, chief):
    levy = levied()
    person = person_of(levy)
    reduction = decided(applied(levy, clerk), chief, rate=Decimal("0.5"))

    pdf = reduction_notice_pdf(reduction.pk, actor=clerk, today=ISSUED)

    text = text_of(pdf)
    for expected in [
        "介護保険料減免決定通知書", "令和8年度", "発行日令和8年11月24日", f"通知書番号{levy.notice_number:09d}",
        f"被保険者番号{person.insured_number.number}", compact(person.name_kanji) + "様", compact(person.address),
        "川崎市（保険者番号141309）",
        "令和8年9月1日付けで申請のあった令和8年度の介護保険料の減免について、次のとおり決定しましたので通知します。",
        "申請日令和8年9月1日", "決定日令和8年9月10日", "事由災害による減免",
        "対象の月令和8年10月から令和8年12月まで（3か月）", "減免の割合保険料の50%を減額",
        "別にお送りする「介護保険料額変更通知書」でお知らせします", *APPEAL,
    ]:
        assert expected in text, expected
    assert len(pages_of(pdf)) == 1
    assert_embedded_font(pdf)
    assert_no_my_number(pdf, person)
    assert "再発行" not in text
    assert list(PremiumNotice.objects.values_list("kind", "reduction_id", "levy_id", "fiscal_year", "issued_on",
                                                  "reprint", "issued_by")) == [
        (NoticeKind.REDUCTION, reduction.pk, levy.pk, FY, ISSUED, False, clerk.pk)]
    assert logged() == [("premium.notice.print", "print", [person.pk])]


@pytest.mark.django_db
def test_a_full_exemption_and_the_borderline_measure(clerk, chief):
    levy = levied(self_taxed=True, household_taxed=True, total_income=1_000_000)  # stage 6
    exemption = decided(applied(levy, clerk, "detention"), chief, rate=Decimal(1))
    borderline = decided(applied(levy, clerk, "borderline", date(2026, 4, 1), date(2027, 3, 1)), chief, stage=1)

    exempt = text_of(reduction_notice_pdf(exemption.pk, actor=clerk, today=ISSUED))
    lowered = text_of(reduction_notice_pdf(borderline.pk, actor=clerk, today=ISSUED))

    assert "事由刑事施設等への拘禁による免除" in exempt and "減免の割合全額免除（保険料の100%）" in exempt
    for expected in ["介護保険料減免決定通知書", "境界層措置の適用について", "事由境界層措置",
                     "対象の月令和8年4月から令和9年3月まで（12か月）", "本来の所得段階第6段階", "適用する所得段階第1段階",
                     "介護保険料額変更通知書", *APPEAL]:
        assert expected in lowered, expected
    assert "減免の割合" not in lowered


@pytest.mark.django_db
def test_a_deferrals_approval_names_the_months_the_deadline_and_the_bills_deferred(clerk, chief):
    levy = levied()  # 第4期 due 11/2 (10/31 a Saturday), 第5期 11/30, 第6期 12/25
    person = person_of(levy)
    deferral = decided(applied(levy, clerk, "deferral"), chief)
    assert deferral.deferred_until == date(2027, 1, 4)  # 12/31 closed until 1/3, 1/4 a Monday

    pdf = reduction_notice_pdf(deferral.pk, actor=clerk, today=ISSUED)

    text = text_of(pdf)
    for expected in [
        "介護保険料徴収猶予決定通知書", f"通知書番号{levy.notice_number:09d}", compact(person.name_kanji) + "様",
        "介護保険料の徴収猶予について、次のとおり徴収を猶予することに決定しました", "事由徴収猶予",
        "猶予の期間令和8年10月から令和8年12月まで（3か月）", "猶予期限令和9年1月4日まで",
        "期別本来の納期限猶予後の納期限金額",
        "第4期令和8年11月2日令和9年1月4日7,000円", "第5期令和8年11月30日令和9年1月4日7,000円",
        "第6期令和8年12月25日令和9年1月4日7,000円", "猶予する保険料額21,000円",
        "猶予期限までは督促状をお送りしません", "特別徴収）は、徴収猶予の対象になりません", *APPEAL,
    ]:
        assert expected in text, expected
    assert "第3期" not in text and "第7期" not in text
    assert_no_my_number(pdf, person)
    row = PremiumNotice.objects.get()
    assert (row.kind, row.reduction_id, row.levy_id, row.reprint) == (NoticeKind.DEFERRAL, deferral.pk, levy.pk, False)
    assert logged() == [("premium.notice.print", "print", [person.pk])]


@pytest.mark.django_db
def test_a_deferral_ended_early_gives_the_cancellation_notice_and_still_its_decision(clerk, chief):
    levy = levied()
    person = person_of(levy)
    deferral = decided(applied(levy, clerk, "deferral"), chief)
    deferral_end(actor=chief, reduction_id=deferral.pk, until=date(2026, 11, 30), reason="収入が回復したため",
                 today=date(2026, 11, 20))
    Reduction.objects.filter(pk=deferral.pk).update(ended_at=datetime(2026, 11, 20, 10, 0, tzinfo=TOKYO))

    ended = reduction_notice_pdf(deferral.pk, actor=clerk, today=ISSUED)  # the latest notice: the 取消
    decision = text_of(reduction_notice_pdf(deferral.pk, kind=NoticeKind.DEFERRAL, actor=clerk, today=ISSUED))

    text = text_of(ended)
    for expected in [
        "介護保険料徴収猶予取消通知書", f"通知書番号{levy.notice_number:09d}",
        ("令和8年9月10日付けで決定した令和8年度の介護保険料の徴収猶予について、次の理由により猶予を取り消し、"
         "猶予期限を令和8年11月30日に繰り上げました"),
        "猶予の期間令和8年10月から令和8年12月まで（3か月）", "当初の猶予期限令和9年1月4日", "取消日令和8年11月20日",
        "取消後の猶予期限令和8年11月30日まで", "取消の理由収入が回復したため",
        "第4期令和8年11月2日令和8年11月30日7,000円", "第5期令和8年11月30日令和8年11月30日7,000円",
        "第6期令和8年12月25日令和8年12月25日7,000円", "合計21,000円", *APPEAL,
    ]:
        assert expected in text, expected
    assert_no_my_number(ended, person)
    # the decision as approved: the 猶予期限 the approval recorded, every bill moved to it
    assert "介護保険料徴収猶予決定通知書" in decision and "猶予期限令和9年1月4日まで" in decision
    assert "第6期令和8年12月25日令和9年1月4日7,000円" in decision and "取消" not in decision.split("（教示）")[0]
    assert list(PremiumNotice.objects.order_by("id").values_list("kind", "reprint")) == [
        (NoticeKind.DEFERRAL_END, False), (NoticeKind.DEFERRAL, False)]
    assert len(logged()) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "subject"), [
    pytest.param("detention", "介護保険料の減免について", id="reduction"),
    pytest.param("deferral", "介護保険料の徴収猶予について", id="deferral"),
])
def test_a_rejection_says_what_was_applied_for_and_why(clerk, chief, kind, subject):
    levy = levied()
    person = person_of(levy)
    rejected = decided(applied(levy, clerk, kind), chief, approve=False, rejection_reason="拘禁の事実が確認できない")

    pdf = reduction_notice_pdf(rejected.pk, actor=clerk, today=ISSUED)

    text = text_of(pdf)
    for expected in ["介護保険料減免（徴収猶予）申請却下通知書", f"通知書番号{levy.notice_number:09d}", subject,
                     "次の理由により申請を却下しましたので通知します", "申請のあった月令和8年10月から令和8年12月まで（3か月）",
                     "却下の理由拘禁の事実が確認できない", "決定日令和8年9月10日", *APPEAL]:
        assert expected in text, expected
    assert_no_my_number(pdf, person)
    assert PremiumNotice.objects.get().kind == NoticeKind.REDUCTION_REJECTION


@pytest.mark.django_db
def test_an_undecided_application_gives_no_notice_and_nothing_is_recorded(clerk):
    levy = levied()
    reduction = applied(levy, clerk)
    with pytest.raises(NoticeInvalid, match="まだ決定されていない"):
        reduction_notice_pdf(reduction.pk, actor=clerk, today=ISSUED)
    assert not PremiumNotice.objects.exists() and logged() == []


@pytest.mark.django_db
@pytest.mark.parametrize(("decision", "kind", "message"), [
    pytest.param({"rate": Decimal(1)}, NoticeKind.DEFERRAL, "承認された徴収猶予の申請ではない", id="deferral-of-a-reduction"),
    pytest.param({"rate": Decimal(1)}, NoticeKind.REDUCTION_REJECTION, "却下された申請ではない", id="rejection-of-approval"),
    pytest.param({"approve": False, "rejection_reason": "理由"}, NoticeKind.REDUCTION, "承認された減免・境界層措置",
                 id="approval-of-rejection"),
    pytest.param({"rate": Decimal(1)}, NoticeKind.DEFERRAL_END, "取り消された徴収猶予ではない", id="end-of-a-reduction"),
    pytest.param({"rate": Decimal(1)}, NoticeKind.DECISION, "通知書の種類", id="a-levy-notice"),
])
def test_a_notice_the_decision_does_not_give_is_refused_in_japanese(clerk, chief, decision, kind, message):
    levy = levied()
    reduction = decided(applied(levy, clerk), chief, **decision)
    with pytest.raises(NoticeInvalid, match=message):
        reduction_notice_pdf(reduction.pk, kind=kind, actor=clerk, today=ISSUED)
    assert not PremiumNotice.objects.exists() and logged() == []


@pytest.mark.django_db
def test_the_levy_notices_refuse_a_reductions_kind(clerk):
    levy = levied()
    with pytest.raises(NoticeInvalid, match="通知書の種類"):
        notice_pdf(NoticeKind.REDUCTION, levy.pk, actor=clerk, today=ISSUED)


@pytest.mark.django_db
def test_printing_the_same_notice_of_the_same_reduction_again_is_a_reprint(clerk, chief):
    levy = levied()
    first = decided(applied(levy, clerk), chief, rate=Decimal(1))
    second = decided(applied(levy, clerk, "detention", date(2027, 1, 1), date(2027, 2, 1)), chief, rate=Decimal(1))

    reduction_notice_pdf(first.pk, actor=clerk, today=ISSUED)
    again = reduction_notice_pdf(first.pk, actor=clerk, today=ISSUED)
    other = reduction_notice_pdf(second.pk, actor=clerk, today=ISSUED)
    forced = reduction_notice_pdf(second.pk, actor=clerk, today=ISSUED, reprint=True)

    assert "再発行" in text_of(again) and "再発行" not in text_of(other) and "再発行" in text_of(forced)
    assert list(PremiumNotice.objects.order_by("id").values_list("reduction_id", "reprint")) == [
        (first.pk, False), (first.pk, True), (second.pk, False), (second.pk, True)]
    assert len(logged()) == 4


@pytest.mark.django_db
def test_without_a_levy_of_the_year_the_notice_prints_without_a_notice_number(clerk, chief):
    levy = levied()
    rejected = decided(applied(levy, clerk), chief, approve=False, rejection_reason="理由")
    LevyInstallment.objects.filter(levy__resident_id=levy.resident_id).delete()  # the retention clean-up
    Levy.objects.filter(resident_id=levy.resident_id).delete()

    text = text_of(reduction_notice_pdf(rejected.pk, actor=clerk, today=ISSUED))

    assert "通知書番号" not in text and "却下の理由理由" in text
    assert PremiumNotice.objects.get().levy_id is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("organisation", "allowed"),
    [
        pytest.param(Organisation.NAKAHARA, True, id="own-ward-clerk"),
        pytest.param(Organisation.ASAO, False, id="another-wards-clerk"),
    ],
)
def test_a_protected_persons_notice_prints_only_for_staff_who_may_see_the_address(make_staff, chief, organisation,
                                                                                   allowed):
    levy = levied()
    reduction = decided(applied(levy, make_staff(Role.WARD_CLERK)), chief, rate=Decimal(1))
    Resident.objects.filter(pk=levy.resident_id).update(sensitive=True)
    staff = make_staff(Role.WARD_CLERK, organisation=organisation)
    if allowed:
        reduction_notice_pdf(reduction.pk, actor=staff, today=ISSUED)
        assert PremiumNotice.objects.count() == 1
        assert logged()[-1][:2] == ("premium.notice.print.sensitive", "print")
    else:
        with pytest.raises(NotPermitted):
            reduction_notice_pdf(reduction.pk, actor=staff, today=ISSUED)
        assert not PremiumNotice.objects.exists()
        assert logged() == [("premium.notice.print.denied.sensitive", "print", [levy.resident_id])]


@pytest.mark.django_db
def test_a_clerk_of_another_ward_is_refused_when_views_are_limited_to_the_ward(settings, make_staff, clerk, chief):
    settings.KAIGO_WARD_VIEW_SCOPE = "ward"
    levy = levied()
    reduction = decided(applied(levy, clerk), chief, rate=Decimal(1))
    with pytest.raises(NotPermitted):
        reduction_notice_pdf(reduction.pk, actor=make_staff(Role.WARD_CLERK, organisation=Organisation.ASAO),
                             today=ISSUED)
    assert not PremiumNotice.objects.exists()
    assert logged() == [("premium.notice.print.denied", "print", [levy.resident_id])]


# --- the screens -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_print_link_gives_the_pdf_for_staff_who_print_notices(client_as, make_staff, clerk, chief):
    levy = levied()
    reduction = decided(applied(levy, clerk), chief, rate=Decimal(1))
    pending = applied(levy, clerk, "detention", date(2027, 1, 1), date(2027, 2, 1))
    url = f"/persons/{levy.resident_id}/premiums/reductions/{reduction.pk}/reduction.pdf"

    client = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    tab = client.get(f"/persons/{levy.resident_id}/premiums/").content.decode()
    assert f'href="{url}"' in tab and "決定後に印刷できます" in tab
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "介護保険料減免決定通知書" in text_of(response.content) and "見本" in text_of(response.content)
    assert not PremiumNotice.objects.exists()  # a preview records nothing
    issue = url.replace(".pdf", "/issue/")
    assert f'action="{issue}"' in tab
    issued = client.post(issue)
    row = PremiumNotice.objects.get()
    assert (row.reduction_id, row.issued_by, row.reprint) == (reduction.pk, client.staff, False)
    assert issued["Location"] == f"/persons/{levy.resident_id}/premiums/notices/{row.pk}.pdf"
    pdf = text_of(client.get(issued["Location"]).content)
    assert "介護保険料減免決定通知書" in pdf and "見本" not in pdf

    undecided = client.post(f"/persons/{levy.resident_id}/premiums/reductions/{pending.pk}/reduction/issue/")
    assert undecided.status_code == 302 and undecided["Location"].endswith(f"/premiums/?year={FY}")
    assert "まだ決定されていない" in client.get(undecided["Location"]).content.decode()
    undecided = client.get(f"/persons/{levy.resident_id}/premiums/reductions/{pending.pk}/reduction.pdf")
    assert undecided.status_code == 302 and undecided["Location"].endswith(f"/premiums/?year={FY}")
    assert client.get(f"/persons/{levy.resident_id + 1}/premiums/reductions/{reduction.pk}/reduction.pdf"
                      ).status_code == 404
    assert client.post(f"/persons/{levy.resident_id + 1}/premiums/reductions/{reduction.pk}/reduction/issue/"
                       ).status_code == 404
    assert client.get(f"/persons/{levy.resident_id}/premiums/reductions/{reduction.pk}/decision.pdf"
                      ).status_code == 404
    assert PremiumNotice.objects.count() == 1

    inquiry = client_as(Role.INQUIRY)  # sees the tab, prints nothing
    assert inquiry.get(url).status_code == 403
    assert inquiry.post(issue).status_code == 403
    assert f'href="{url}"' not in inquiry.get(f"/persons/{levy.resident_id}/premiums/").content.decode()
    assert PremiumNotice.objects.count() == 1


@pytest.mark.django_db
def test_the_reductions_screen_lists_the_decisions_with_their_notices(client_as, clerk, chief):
    levy = levied()
    reduction = applied(levy, clerk)  # decided now: within the days the screen lists
    reduction_decide(actor=chief, reduction_id=reduction.pk, approve=True, rate=Decimal(1))
    rejected = applied(levy, clerk, "detention", date(2027, 1, 1), date(2027, 2, 1))
    reduction_decide(actor=chief, reduction_id=rejected.pk, approve=False, rejection_reason="理由")
    old = applied(levy, clerk, "detention", date(2027, 3, 1), date(2027, 3, 1))
    reduction_decide(actor=chief, reduction_id=old.pk, approve=True, rate=Decimal(1))
    Reduction.objects.filter(pk=old.pk).update(decided_at=timezone.now() - timedelta(days=31))
    base = f"/persons/{levy.resident_id}/premiums/reductions"

    page = client_as(Role.SECTION_CHIEF).get("/premiums/reductions/").content.decode()
    assert "決定済みの申請と通知書" in page and "減免決定通知書" in page and "減免（徴収猶予）申請却下通知書" in page
    assert f"{base}/{reduction.pk}/reduction.pdf" not in page  # the chief alone does not print notices
    assert "通知書の印刷には保険料の通知を印刷する権限" in page

    both = client_as(Role.SECTION_CHIEF, Role.HEAD_OFFICE_CLERK, organisation=Organisation.HEAD_OFFICE)
    page = both.get("/premiums/reductions/").content.decode()
    assert f'href="{base}/{reduction.pk}/reduction.pdf"' in page
    assert f'href="{base}/{rejected.pk}/reduction_reject.pdf"' in page
    assert f'aria-label="申請{rejected.pk}の減免（徴収猶予）申請却下通知書を印刷（PDF）"' in page
    assert f"{base}/{old.pk}/" not in page  # decided more than DECIDED_DAYS ago
    assert both.get(f"{base}/{rejected.pk}/reduction_reject.pdf").status_code == 200
