"""The qualification screens: the person's qualification tab with history and as-of view,
notifications by hand, card issuance and printing, batch printing, intake results. Per role
allowed or denied, messages in Japanese, one access-log row per request with the right persons,
PDF text, and a walk of every one of these URLs as every role."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AccessLogEntry
from eligibility.codes import CardKind, FacilityKind, ResidenceStatus, Ward, municipality_code
from eligibility.intake import services as intake
from eligibility.intake.format import ATTRS, LAYOUT, line_encode
from eligibility.models import (
    CardIssue,
    Facility,
    FacilityStay,
    QualificationPeriod,
    ResidenceSpell,
    Resident,
    WorkItem,
)
from eligibility.qualification.services import Context, requalify
from eligibility.residents.models import SpellEnd
from kaigo.batches.models import BatchRun
from kaigo.staff.roles import Organisation, Role
from tests.eligibility.factories import make_resident, registry_file, registry_line

pytestmark = pytest.mark.django_db

TODAY = date.today()
CITY = municipality_code("14130")
CHIYODA = municipality_code("13101")
PERSON_VIEWERS = {Role.WARD_CLERK, Role.CERTIFICATION_CLERK, Role.HEAD_OFFICE_CLERK, Role.INQUIRY}
UPDATERS = {Role.WARD_CLERK, Role.HEAD_OFFICE_CLERK}
NUMBER_USERS = {Role.WARD_CLERK, Role.CERTIFICATION_CLERK, Role.HEAD_OFFICE_CLERK}


def elderly(ward=Ward.NAKAHARA, **kwargs) -> Resident:
    resident = make_resident(birth_date=date(1950, 6, 15), ward=ward, **kwargs)
    requalify([resident.pk], until=TODAY, context=Context(source="generated"))
    return resident


def logged() -> list[tuple[str, str, list[int]]]:
    return [(e.function, e.channel, e.person_ids) for e in AccessLogEntry.objects.order_by("id")]


def pdf_text(content: bytes) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


# --- the qualification tab ------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_qualification_tab_per_role(client_as, role):
    resident = elderly(name_kanji="資格 太郎")
    client = client_as(role)
    response = client.get(f"/persons/{resident.pk}/qualification/")
    if role in PERSON_VIEWERS:
        body = response.content.decode()
        assert response.status_code == 200
        number = resident.insured_number.number
        assert "資格 太郎" in body and number in body
        assert "第1号被保険者" in body and "02 年齢到達" in body and "平成27（2015）年6月14日" in body
        assert "第1版" in body and "合成データ" in body  # the revision and its source
        assert logged() == [("qualification.view", "screen", [resident.pk])]
        assert AccessLogEntry.objects.get().staff_id == client.staff.pk
    else:
        assert response.status_code == 403
        assert logged() == []


def test_history_and_as_of_answer_what_the_office_knew_and_what_was_true(client_as):
    resident = elderly()
    first = timezone.make_aware(datetime(2025, 1, 10, 9, 0))
    QualificationPeriod.objects.filter(resident=resident).update(recorded_from=first)
    died = date(2025, 3, 31)
    Resident.objects.filter(pk=resident.pk).update(status=ResidenceStatus.DECEASED, died_on=died)
    ResidenceSpell.objects.filter(resident=resident).update(end=died, end_kind=SpellEnd.DEATH)
    requalify([resident.pk], until=TODAY, context=Context(source="intake"),
              now=timezone.make_aware(datetime(2025, 4, 5, 10, 0)))
    client = client_as(Role.WARD_CLERK)

    body = client.get(f"/persons/{resident.pk}/qualification/").content.decode()
    assert "第2版" in body and "第1版" in body and "住基異動" in body
    assert "令和7（2025）年4月1日" in body and "52 死亡" in body

    def as_of(**params):
        page = client.get(f"/persons/{resident.pk}/qualification/", params).content.decode()
        return page.split('id="as-of"')[1].split("資格の履歴")[0]

    before = as_of(known_at="2025-03-01")
    assert "平成27（2015）年6月14日" in before and "52 死亡" not in before
    after = as_of(known_at="2025-04-30")
    assert "52 死亡" in after
    assert "資格の期間はありません" in as_of(known_at="2025-04-30", true_on="2025-05-01")
    assert "02 年齢到達" in as_of(known_at="2025-03-01", true_on="2025-05-01")  # then thought still insured
    assert "資格の期間はありません" in as_of(true_on="2015-06-13")  # the day before the gain
    assert "資格の期間はありません" in as_of(known_at="2025-01-09")  # nothing recorded yet
    assert {f for f, _, _ in logged()} == {"qualification.view"} and len(logged()) == 7


def test_the_tab_reads_a_fixed_number_of_queries_whatever_the_history(client_as, django_assert_max_num_queries):
    resident = elderly()
    for days in (300, 200, 100):  # three more revisions: moves out and back in
        moved = TODAY - timedelta(days=days)
        ResidenceSpell.objects.filter(resident=resident, end__isnull=True).update(end=moved, end_kind=SpellEnd.MOVE_OUT)
        ResidenceSpell.objects.create(resident=resident, start=moved + timedelta(days=10), start_is_move_in=True)
        requalify([resident.pk], until=TODAY, context=Context(source="intake"))
    client = client_as(Role.WARD_CLERK)
    client.get(f"/persons/{resident.pk}/qualification/")
    # session, staff and roles; resident with key; insured number; history; access log
    with django_assert_max_num_queries(8):
        body = client.get(f"/persons/{resident.pk}/qualification/").content.decode()
    assert "第4版" in body and body.count("01 転入") >= 3


def test_a_bad_as_of_date_is_refused_in_japanese(client_as):
    resident = elderly()
    body = client_as(Role.WARD_CLERK).get(f"/persons/{resident.pk}/qualification/",
                                          {"known_at": "2025-13-01"}).content.decode()
    assert "日付を正しく入力してください" in body
    assert logged() == [("qualification.view", "screen", [resident.pk])]


def test_an_unknown_person_is_not_found(client_as):
    assert client_as(Role.WARD_CLERK).get("/persons/999999999/qualification/").status_code == 404
    assert logged() == []


def test_with_ward_view_scope_another_wards_person_is_refused(client_as, settings):
    settings.KAIGO_WARD_VIEW_SCOPE = "ward"
    resident = elderly(ward=Ward.ASAO)
    client = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    card = CardIssue.objects.create(resident=resident, kind=CardKind.INSURANCE_CARD, issued_on=TODAY,
                                    reason="request")
    for path in ["", "notify/", "cards/", f"cards/{card.pk}.pdf"]:
        response = client.get(f"/persons/{resident.pk}/qualification/{path}")
        assert response.status_code == 403
        assert "所属する区の住民ではない" in response.content.decode()
    assert logged() == [("qualification.view.denied", "screen", [resident.pk]),
                        ("qualification.notify.denied", "screen", [resident.pk]),
                        ("card.view.denied", "screen", [resident.pk]),
                        ("card.print.denied", "print", [resident.pk])]


def test_a_person_outside_the_clerks_ward_is_flagged_in_the_log(client_as):
    resident = elderly(ward=Ward.ASAO)
    client = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    assert client.get(f"/persons/{resident.pk}/qualification/").status_code == 200
    assert logged() == [("qualification.view.outside_ward", "screen", [resident.pk])]


# --- notifications --------------------------------------------------------------------------------


@pytest.fixture
def exemption_facility(db):
    return Facility.objects.create(code="FX00000077", name="試験除外施設", kind=FacilityKind.EXEMPTION,
                                   municipality=CITY)


def notify(client, resident, **data):
    return client.post(f"/persons/{resident.pk}/qualification/notify/", data)


@pytest.mark.parametrize("role", list(Role))
def test_notification_per_role(client_as, role, exemption_facility):
    resident = elderly()
    client = client_as(role, organisation=Organisation.NAKAHARA)
    page = client.get(f"/persons/{resident.pk}/qualification/notify/")
    response = notify(client, resident, kind="exemption_in", on=TODAY.isoformat(), facility="FX00000077")
    if role in UPDATERS:
        assert page.status_code == 200 and "適用除外施設への入所" in page.content.decode()
        assert response.status_code == 302
        assert response.url == f"/persons/{resident.pk}/qualification/"
        assert FacilityStay.objects.filter(resident=resident).count() == 1
        # the form page was logged; the registration itself is in the change trail, not a read
        assert logged() == [("qualification.notify", "screen", [resident.pk])]
        tab = client.get(response.url).content.decode()
        assert "届出を登録しました。資格の履歴を更新しました。" in tab and "53 除外者" in tab and "届出" in tab
    else:
        assert (page.status_code, response.status_code) == (403, 403)
        assert not FacilityStay.objects.exists() and logged() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"kind": "exemption_in", "on": "1940-01-01", "facility": "FX00000077"},
                     "入所日が生年月日より前です。", id="before-birth"),
        pytest.param({"kind": "exemption_in", "on": (TODAY + timedelta(days=60)).isoformat(), "facility": "FX00000077"},
                     "入所日は本日から14日後までの日付を入力してください。", id="future"),
        pytest.param({"kind": "exemption_in", "on": TODAY.isoformat()}, "施設を選んでください。", id="no-facility"),
        pytest.param({"kind": "exemption_out", "on": TODAY.isoformat()}, "終了する適用除外施設入所の記録がありません。",
                     id="nothing-to-end"),
        pytest.param({"kind": "second_class", "on": TODAY.isoformat()},
                     "第2号被保険者は40歳以上65歳未満の方です。", id="second-class-at-75"),
        pytest.param({"kind": "exemption_in", "on": "2025-02-30", "facility": "FX00000077"},
                     "日付を正しく入力してください", id="impossible-date"),
        pytest.param({"on": TODAY.isoformat()}, "届出の種類を選んでください。", id="no-kind"),
        pytest.param({"kind": "exemption_in", "on": TODAY.isoformat(), "facility": "NOSUCH"},
                     "選択肢から選んでください。", id="unknown-facility"),
    ],
)
def test_a_bad_notification_says_why_in_japanese_and_writes_nothing(client_as, exemption_facility, data, message):
    resident = elderly()
    rows = QualificationPeriod.objects.count()
    response = notify(client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA), resident, **data)
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert "NOSUCH" not in body.split('role="alert"', 1)[-1].split("</div>")[0]  # no echo in the message
    assert not FacilityStay.objects.exists() and QualificationPeriod.objects.count() == rows
    assert logged() == [("qualification.notify", "screen", [resident.pk])]


def test_another_wards_clerk_cannot_register(client_as, exemption_facility):
    resident = elderly(ward=Ward.ASAO)
    response = notify(client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA), resident,
                      kind="exemption_in", on=TODAY.isoformat(), facility="FX00000077")
    assert response.status_code == 403
    assert not FacilityStay.objects.exists()


def test_registration_needs_the_csrf_token(make_staff, exemption_facility):
    from tests.staff.helpers import satisfy_second_factor

    resident = elderly()
    staff = make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    satisfy_second_factor(client, staff)
    response = client.post(f"/persons/{resident.pk}/qualification/notify/",
                           {"kind": "exemption_in", "on": TODAY.isoformat(), "facility": "FX00000077"})
    assert response.status_code == 403
    assert not FacilityStay.objects.exists()


# --- cards ----------------------------------------------------------------------------------------


def issue(client, resident, kind="card", reason="request"):
    return client.post(f"/persons/{resident.pk}/qualification/cards/", {"kind": kind, "reason": reason})


def test_issue_then_reissue_and_print_marks_the_reprint(client_as):
    resident = elderly(name_kanji="交付 花子", address="川崎市中原区試験町7-7-7")
    client = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)

    assert issue(client, resident).status_code == 302
    assert issue(client, resident, reason="lost").status_code == 302

    first, second = CardIssue.objects.filter(resident=resident).order_by("id")
    assert [(c.kind, c.reprint, c.reason, c.issued_on, c.issued_by_id) for c in (first, second)] == [
        (CardKind.INSURANCE_CARD, False, "request", TODAY, client.staff.pk),
        (CardKind.INSURANCE_CARD, True, "lost", TODAY, client.staff.pk)]
    AccessLogEntry.objects.all()  # nothing read yet: the POSTs redirect
    assert logged() == []

    reprint = client.get(f"/persons/{resident.pk}/qualification/cards/{second.pk}.pdf")
    original = client.get(f"/persons/{resident.pk}/qualification/cards/{first.pk}.pdf")
    assert reprint["Content-Type"] == "application/pdf" and "no-store" in reprint["Cache-Control"]
    text, text_first = pdf_text(reprint.content), pdf_text(original.content)
    assert "再交付" in text and "再交付" not in text_first
    number = resident.insured_number.number
    for t in (text, text_first):
        assert "介護保険被保険者証" in t and "交付花子" in t and number in t and "川崎市" in t and "141309" in t
    assert resident.my_number not in text
    assert logged() == [("card.print", "print", [resident.pk])] * 2

    listing = client.get(f"/persons/{resident.pk}/qualification/cards/").content.decode()
    assert "再交付" in listing and "紛失" in listing and "交付申請" in listing
    assert logged()[-1] == ("card.view", "screen", [resident.pk])


@pytest.mark.parametrize(
    ("setup", "kind", "reason", "message"),
    [
        pytest.param("insured", "card", "lost", "初めての交付です。交付理由は「交付申請」を選んでください。", id="first-with-reissue-reason"),
        pytest.param("issued", "card", "request", "この証は交付済みです。再交付の理由", id="reissue-without-reason"),
        pytest.param("young", "card", "request", "被保険者番号がないため交付できません。", id="not-insured"),
        pytest.param("insured", "eligibility", "request", "転出の記録がないため、受給資格証明書は交付できません。",
                     id="eligibility-without-move-out"),
        pytest.param("insured", "bogus", "request", "選択肢から選んでください。", id="unknown-kind"),
    ],
)
def test_a_refused_issue_says_why_in_japanese(client_as, setup, kind, reason, message):
    resident = make_resident(birth_date=date(1990, 1, 1), ward=Ward.NAKAHARA) if setup == "young" else elderly()
    client = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    if setup == "issued":
        issue(client, resident)
    count = CardIssue.objects.count()
    response = issue(client, resident, kind=kind, reason=reason)
    assert response.status_code == 400 and message in response.content.decode()
    assert CardIssue.objects.count() == count


def test_certificates_render_with_their_titles(client_as):
    resident = elderly()
    client = client_as(Role.HEAD_OFFICE_CLERK)
    assert issue(client, resident, kind="qualification").status_code == 302
    moved = TODAY - timedelta(days=3)
    Resident.objects.filter(pk=resident.pk).update(status=ResidenceStatus.MOVED_OUT, moved_out_on=moved)
    ResidenceSpell.objects.filter(resident=resident).update(end=moved, end_kind=SpellEnd.MOVE_OUT)
    requalify([resident.pk], until=TODAY, context=Context(source="intake"))
    assert issue(client, resident, kind="eligibility").status_code == 302
    texts = [pdf_text(client.get(f"/persons/{resident.pk}/qualification/cards/{c.pk}.pdf").content)
             for c in CardIssue.objects.filter(resident=resident).order_by("id")]
    assert "介護保険資格者証" in texts[0] and "受給資格証明書" in texts[1] and "転出年月日" in texts[1]


@pytest.mark.parametrize("role", list(Role))
def test_cards_per_role(client_as, role):
    resident = elderly()
    card = CardIssue.objects.create(resident=resident, kind=CardKind.INSURANCE_CARD, issued_on=TODAY,
                                    reason="request")
    client = client_as(role, organisation=Organisation.NAKAHARA)
    listing = client.get(f"/persons/{resident.pk}/qualification/cards/")
    posted = issue(client, resident, reason="damaged")
    pdf = client.get(f"/persons/{resident.pk}/qualification/cards/{card.pk}.pdf")
    assert listing.status_code == (200 if role in PERSON_VIEWERS else 403)
    assert posted.status_code == (302 if role in UPDATERS else 403)
    assert pdf.status_code == (200 if role in UPDATERS else 403)
    assert CardIssue.objects.count() == (2 if role in UPDATERS else 1)
    expected = ([("card.view", "screen", [resident.pk])] if role in PERSON_VIEWERS else []) + (
        [("card.print", "print", [resident.pk])] if role in UPDATERS else [])
    assert logged() == expected


def test_another_persons_issue_is_not_found(client_as):
    one, other = elderly(), elderly()
    card = CardIssue.objects.create(resident=other, kind=CardKind.INSURANCE_CARD, issued_on=TODAY, reason="request")
    client = client_as(Role.WARD_CLERK)
    assert client.get(f"/persons/{one.pk}/qualification/cards/{card.pk}.pdf").status_code == 404
    assert logged() == []


def age65_run_with_cards(n=2):
    run = BatchRun.objects.create(kind="eligibility.age65", params={"month": "2025-06"}, origin="console")
    residents = [elderly() for _ in range(n)]
    for r in residents:
        CardIssue.objects.create(resident=r, kind=CardKind.INSURANCE_CARD, issued_on=TODAY, reason="age65",
                                 batch_run=run)
    return run, residents


@pytest.mark.parametrize("role", list(Role))
def test_batch_print_of_a_run_per_role(client_as, role):
    run, residents = age65_run_with_cards()
    response = client_as(role).get(f"/eligibility/cards/run/{run.pk}.pdf")
    if role in {Role.HEAD_OFFICE_CLERK, Role.OPERATOR}:
        assert response.status_code == 200
        reader = PdfReader(io.BytesIO(response.content))
        assert len(reader.pages) == 2
        text = pdf_text(response.content)
        assert all(r.insured_number.number in text for r in residents)
        entry = AccessLogEntry.objects.get()
        assert (entry.function, entry.channel, entry.person_ids, entry.hits) == (
            "card.print", "print", sorted(r.pk for r in residents), 2)
    else:
        assert response.status_code == 403 and logged() == []


def test_batch_print_of_a_run_without_cards_is_not_found(client_as):
    run = BatchRun.objects.create(kind="eligibility.age65", params={"month": "2025-06"}, origin="console")
    assert client_as(Role.OPERATOR).get(f"/eligibility/cards/run/{run.pk}.pdf").status_code == 404


# --- intake results -------------------------------------------------------------------------------


def intake_file_with_problems():
    resident = elderly(name_kanji="取込 次郎")

    def line(**values):
        return registry_line(resident, **values)

    data = LAYOUT.file([
        line(kind="C2", effective_on=TODAY.isoformat(), name_kanji="取込 三郎", name_kana="トリコミ サブロウ"),
        line(kind="B1", effective_on=(TODAY - timedelta(days=90)).isoformat(), to_municipality=CHIYODA),
        line(kind="B2", effective_on="1900-01-01"),
        "this,is,not,a,line",
    ])
    received = intake.registry_file_receive(data, file_name="jyuki-screen.csv", business_date=TODAY)
    intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)
    return received.file, resident


@pytest.mark.parametrize("role", list(Role))
def test_intake_results_per_role_show_counts_and_reasons_without_personal_data(client_as, role):
    file, resident = intake_file_with_problems()
    client = client_as(role)
    listing = client.get("/eligibility/intake/")
    page = client.get(f"/eligibility/intake/{file.pk}/")
    if role in {Role.WARD_CLERK, Role.HEAD_OFFICE_CLERK, Role.OPERATOR}:
        assert listing.status_code == 200 and page.status_code == 200
        body, lines = listing.content.decode(), page.content.decode()
        assert "jyuki-screen.csv" in body
        counts = re.sub(r">\s+<", "><", body.split("jyuki-screen.csv")[1])
        # lines 4: applied 1, queued 1, rejected 2, duplicate 0, dismissed 0, pending 0
        assert "".join(f'<td class="num">{n}</td>' for n in (4, 1, 1, 2, 0, 0, 0)) in counts
        assert "要確認" in lines and "エラー" in lines and "5行目" in lines and "異動日が14日以上前です" in lines
        for text in (body, lines):
            # the menu's other imports (the certification survey files, the assessment software's results)
            for allowed in ("取込結果", "住基異動の取込", "認定調査の取込", "結果ファイルの取込", "認定調査結果ファイルの取込"):
                text = text.replace(allowed, "")
            assert "取込" not in text
            assert str(resident.pk) not in text and resident.address not in text
        assert logged() == []
    else:
        assert (listing.status_code, page.status_code) == (403, 403)


def test_intake_file_lines_filter_and_page(client_as, monkeypatch):
    from eligibility.intake import selectors as intake_selectors

    monkeypatch.setattr(intake_selectors, "LINE_PAGE_SIZE", 1)
    file, _ = intake_file_with_problems()
    client = client_as(Role.WARD_CLERK)
    first = client.get(f"/eligibility/intake/{file.pk}/").content.decode()
    assert "?after=3" in first
    queued = client.get(f"/eligibility/intake/{file.pk}/", {"status": "queued"}).content.decode()
    assert "過去" not in queued and "異動日が14日以上前です" in queued
    rejected = client.get(f"/eligibility/intake/{file.pk}/", {"status": "rejected", "after": 4}).content.decode()
    assert "5行目" in rejected


def test_intake_list_reads_a_fixed_number_of_queries(client_as, django_assert_max_num_queries):
    for _ in range(3):
        intake_file_with_problems()
    client = client_as(Role.HEAD_OFFICE_CLERK)
    client.get("/eligibility/intake/")
    with django_assert_max_num_queries(6):
        assert client.get("/eligibility/intake/").status_code == 200


# --- every URL of these screens, as every role ----------------------------------------------------


def sample_paths(resident: Resident) -> list[str]:
    """Every URL of the qualification screens with real ids (the project-wide walk in
    test_person_screens.py fills in the person and run ids only)."""
    from django.urls import reverse

    card = CardIssue.objects.create(resident=resident, kind=CardKind.INSURANCE_CARD, issued_on=TODAY,
                                    reason="request")
    run = BatchRun.objects.create(kind="eligibility.age65", params={"month": "2025-06"}, origin="console")
    CardIssue.objects.create(resident=resident, kind=CardKind.QUALIFICATION_CERTIFICATE, issued_on=TODAY,
                             reason="age65", batch_run=run)
    line = registry_line(resident, kind="B1", effective_on=(TODAY - timedelta(days=30)).isoformat(),
                         to_municipality=CHIYODA)
    received = intake.registry_file_receive(registry_file(line), file_name="walk.csv", business_date=TODAY)
    intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)
    item = WorkItem.objects.get(change__file=received.file)
    return [
        reverse("eligibility:qualification", args=[resident.pk]),
        reverse("eligibility:qualification", args=[resident.pk]) + "?known_at=2025-01-01&true_on=2025-01-01",
        reverse("eligibility:notify", args=[resident.pk]),
        reverse("eligibility:cards", args=[resident.pk]),
        reverse("eligibility:card-pdf", args=[resident.pk, card.pk]),
        reverse("eligibility_office:queue"),
        reverse("eligibility_office:queue-item", args=[item.pk]),
        reverse("eligibility_office:run-cards-pdf", args=[run.pk]),
        reverse("eligibility_office:intake"),
        reverse("eligibility_office:intake-file", args=[received.file.pk]),
    ]


@pytest.mark.parametrize("role", list(Role))
def test_walk_every_qualification_screen_as_every_role(client_as, role):
    resident = elderly(name_kanji="走査 資格", address="川崎市中原区走査町1-2-3")
    paths = sample_paths(resident)
    client = client_as(role)
    for path in paths:
        before = AccessLogEntry.objects.count()
        response = client.get(path)
        assert response.status_code in (200, 403), path
        content = pdf_text(response.content) if response.get("Content-Type") == "application/pdf" \
            else response.content.decode()
        if role not in NUMBER_USERS:
            assert resident.my_number not in content, f"{path} shows My Number to {role}"
        shows_person = any(s in content for s in ("走査 資格", "走査資格", resident.address, "川崎市中原区走査町"))
        if shows_person or f">{resident.pk}<" in content:
            assert AccessLogEntry.objects.count() == before + 1, f"{path} showed person data without one log row"
        if response.status_code == 403:
            assert AccessLogEntry.objects.count() == before


# --- protected persons (支援措置) --------------------------------------------------------------------


def protected(**kwargs) -> Resident:
    resident = elderly(**kwargs)
    Resident.objects.filter(pk=resident.pk).update(sensitive=True)
    return Resident.objects.get(pk=resident.pk)


def test_a_protected_persons_tab_is_flagged_and_warns_those_who_may_see_the_address(client_as):
    resident = protected(ward=Ward.NAKAHARA)
    own = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA).get(
        f"/persons/{resident.pk}/qualification/").content.decode()
    assert "支援措置対象者です。" in own and "この宛名の閲覧はすべて記録されています" in own
    assert resident.address not in own
    assert logged() == [("qualification.view.sensitive", "screen", [resident.pk])]


@pytest.mark.parametrize(
    ("role", "organisation", "allowed"),
    [
        pytest.param(Role.WARD_CLERK, Organisation.NAKAHARA, True, id="own-ward-clerk"),
        pytest.param(Role.WARD_CLERK, Organisation.ASAO, False, id="another-wards-clerk"),
        pytest.param(Role.HEAD_OFFICE_CLERK, Organisation.HEAD_OFFICE, False, id="head-office-clerk"),
    ],
)
def test_a_protected_persons_card_prints_only_for_staff_who_may_see_the_address(client_as, role, organisation,
                                                                                  allowed):
    resident = protected(ward=Ward.NAKAHARA)
    card = CardIssue.objects.create(resident=resident, kind=CardKind.INSURANCE_CARD, issued_on=TODAY,
                                    reason="request")
    response = client_as(role, organisation=organisation).get(
        f"/persons/{resident.pk}/qualification/cards/{card.pk}.pdf")
    flag = "" if organisation in (Organisation.NAKAHARA, Organisation.HEAD_OFFICE) else ".outside_ward"
    if allowed:
        assert response.status_code == 200 and resident.address.replace(" ", "") in pdf_text(response.content)
        assert logged() == [("card.print.sensitive" + flag, "print", [resident.pk])]
    else:
        assert response.status_code == 403 and "支援措置の閲覧権限がある職員のみ" in response.content.decode()
        assert logged() == [("card.print.denied.sensitive", "print", [resident.pk])]


def test_the_batch_print_leaves_protected_persons_out(client_as):
    run, residents = age65_run_with_cards(2)
    Resident.objects.filter(pk=residents[1].pk).update(sensitive=True)
    response = client_as(Role.OPERATOR).get(f"/eligibility/cards/run/{run.pk}.pdf")
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    assert residents[1].insured_number.number not in pdf_text(response.content)
    assert logged() == [("card.print", "print", [residents[0].pk])]


def test_a_queue_item_of_a_protected_person_hides_the_address_from_staff_who_may_not_see_it(client_as):
    resident = protected(ward=Ward.NAKAHARA)
    line = line_encode([str({
        "serial": "860000000001", "kind": "C1", "effective_on": (TODAY - timedelta(days=30)).isoformat(),
        "notified_on": TODAY.isoformat(), "person_id": resident.pk, "birth_date": resident.birth_date.isoformat(),
        "ward": "nakahara", "address": "神奈川県川崎市中原区転居先9-9"}.get(a, "")) for a in ATTRS])
    received = intake.registry_file_receive(LAYOUT.file([line]), file_name="p.csv", business_date=TODAY)
    intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)
    item = WorkItem.objects.get(change__file=received.file)
    head = client_as(Role.HEAD_OFFICE_CLERK).get(f"/eligibility/queue/{item.pk}/").content.decode()
    assert "転居先" not in head and "支援措置対象のため表示できません" in head
    own = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA).get(
        f"/eligibility/queue/{item.pk}/").content.decode()
    assert "神奈川県川崎市中原区転居先9-9" in own
    assert [f for f, _, _ in logged()] == ["workqueue.view.sensitive"] * 2
