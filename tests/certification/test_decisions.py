"""Decisions (real PostgreSQL): the board's result entered for a scheduled case, the decision that
makes the certification with the validity of its kind and ends the previous one, carry-over
(法 §36), cancellation (法 §31); the refusals (out-of-range months, no doctor's opinion, a level
changed without a reason, a second clerk deciding the same case at once); the notices as PDF."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection, transaction

from certification.cases.models import Case
from certification.cases.services import (
    Application,
    case_lock,
    case_move,
    case_open,
    case_postpone,
    paper_receive,
)
from certification.decisions.models import BoardResult, Certification, NoticeIssue
from certification.decisions.services import (
    BoardEntry,
    CarryOverEntry,
    DecisionInvalid,
    board_result_enter,
    carry_over_decide,
    certification_revoke,
    decision_decide,
    notice_issue,
)
from certification.rules.cases import CaseKind, CaseState, Move, PaperKind
from certification.rules.validity import validity_end
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from tests.certification.factories import make_certification, make_insured

pytestmark = pytest.mark.django_db  # the services' durable transactions run inside the test's (Django)
TODAY = date.today()
S = CaseState


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)


def scheduled(clerk, person=None, *, kind=CaseKind.NEW, applied_on=None, primary="22", opinion=True) -> Case:
    """A case that went through survey, opinion and primary assessment to its board (SCHEDULED)."""
    person = person or make_insured()
    case = case_open(actor=clerk, resident_id=person.pk,
                     application=Application(kind=kind, applied_on=applied_on or TODAY - timedelta(days=20)))
    with transaction.atomic():
        c = case_lock(case.pk)
        for move in (Move.REQUEST, Move.ASSESS, Move.SCHEDULE):
            case_move(c, move, actor=clerk)
    Case.objects.filter(pk=case.pk).update(primary_level=primary, board_on=TODAY - timedelta(days=1),
                                           opinion_received_on=TODAY - timedelta(days=5) if opinion else None)
    return Case.objects.get(pk=case.pk)


def entry(level="22", months=6, **kw) -> BoardEntry:
    return BoardEntry(level=level, months=months, reviewed_on=kw.pop("reviewed_on", TODAY - timedelta(days=1)), **kw)


def test_board_result_then_decision_makes_the_certification_from_the_application_date(clerk):
    case = scheduled(clerk)
    result = board_result_enter(actor=clerk, case_id=case.pk, entry=entry(
        board_opinion="リハビリテーションの継続が望ましい。", designated_services=("home_rehab", "day_rehab")))
    case.refresh_from_db()
    assert case.state == S.REVIEWED and result.months == 6
    cert = decision_decide(actor=clerk, case_id=case.pk)
    case.refresh_from_db()
    assert case.state == S.DECIDED and case.decided_on == TODAY
    # 法 §27 第8項: from the application; 施行規則 第38条: the rest of its month + 6 months
    assert (cert.valid_from, cert.valid_to) == (case.applied_on, validity_end(case.applied_on, 6))
    assert cert.designated_services == ["home_rehab", "day_rehab"] and cert.decided_on == TODAY
    assert list(case.events.order_by("id").values_list("move", flat=True))[-2:] == [Move.REVIEW, Move.DECIDE]


@pytest.mark.parametrize(("kind", "months"), [(CaseKind.NEW, 2), (CaseKind.NEW, 13), (CaseKind.NEW, None)])
def test_months_outside_the_range_are_refused_naming_it(clerk, kind, months):
    case = scheduled(clerk, kind=kind)
    with pytest.raises(DecisionInvalid, match="3か月から12か月まで"):
        board_result_enter(actor=clerk, case_id=case.pk, entry=entry(months=months))
    case.refresh_from_db()
    assert case.state == S.SCHEDULED and not BoardResult.objects.filter(case=case).exists()


def _renewal(clerk, previous_level="22"):
    person = make_insured()
    previous = make_certification(person, level=previous_level, valid_from=TODAY - timedelta(days=330),
                                  valid_to=TODAY + timedelta(days=30), actor=clerk)
    return scheduled(clerk, person, kind=CaseKind.RENEWAL, applied_on=TODAY - timedelta(days=10)), previous


@pytest.mark.parametrize(("level", "months", "ok"), [
    ("22", 48, True), ("22", 49, False),  # the same level as before: 3-48 (施行規則 第41条)
    ("23", 36, True), ("23", 37, False),  # a different level: 3-36
])
def test_renewal_range_depends_on_the_previous_level(clerk, level, months, ok):
    case, previous = _renewal(clerk)
    reason = "特記事項による" if level != case.primary_level else ""
    if not ok:
        with pytest.raises(DecisionInvalid, match=f"3か月から{48 if level == '22' else 36}か月まで"):
            board_result_enter(actor=clerk, case_id=case.pk, entry=entry(level, months, level_reason=reason))
        return
    board_result_enter(actor=clerk, case_id=case.pk, entry=entry(level, months, level_reason=reason))
    cert = decision_decide(actor=clerk, case_id=case.pk)
    # 法 §28 第10項: from the day after the previous end
    assert cert.valid_from == previous.valid_to + timedelta(days=1)
    assert cert.valid_to == validity_end(cert.valid_from, months)
    previous.refresh_from_db()
    assert (previous.ended_on, previous.end_reason) == (cert.valid_from, "superseded")


def test_no_doctors_opinion_refused(clerk):
    case = scheduled(clerk, opinion=False)
    with pytest.raises(DecisionInvalid, match="主治医意見書"):
        board_result_enter(actor=clerk, case_id=case.pk, entry=entry())
    case.refresh_from_db()
    assert case.state == S.SCHEDULED


def test_a_level_changed_from_the_primary_result_needs_a_reason(clerk):
    case = scheduled(clerk, primary="22")
    with pytest.raises(DecisionInvalid, match="変更の理由"):
        board_result_enter(actor=clerk, case_id=case.pk, entry=entry("23"))
    board_result_enter(actor=clerk, case_id=case.pk, entry=entry("23", level_reason="認知症の周辺症状が著しい（特記事項）"))
    assert BoardResult.objects.get(case=case).level == "23"


def test_non_applicable_is_recorded_without_validity(clerk):
    case = scheduled(clerk, primary="01")
    board_result_enter(actor=clerk, case_id=case.pk, entry=entry("01", None))
    cert = decision_decide(actor=clerk, case_id=case.pk)
    assert (cert.level, cert.valid_from, cert.valid_to) == ("01", None, None)


def test_a_change_supersedes_the_certification_in_force_from_its_application(clerk):
    person = make_insured()
    previous = make_certification(person, level="21", valid_from=TODAY - timedelta(days=100),
                                  valid_to=TODAY + timedelta(days=200), actor=clerk)
    case = scheduled(clerk, person, kind=CaseKind.CHANGE, applied_on=TODAY - timedelta(days=15), primary="23")
    board_result_enter(actor=clerk, case_id=case.pk, entry=entry("23", 12))
    cert = decision_decide(actor=clerk, case_id=case.pk)
    previous.refresh_from_db()
    assert cert.valid_from == case.applied_on == previous.ended_on


def test_wrong_state_and_other_ward_refused(clerk, make_staff):
    case = scheduled(clerk)
    with pytest.raises(DecisionInvalid, match="審査会待ち"):
        decision_decide(actor=clerk, case_id=case.pk)
    other = make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.ASAO)
    with pytest.raises(NotPermitted):
        board_result_enter(actor=other, case_id=case.pk, entry=entry())


@pytest.mark.django_db(transaction=True)
def test_two_clerks_deciding_at_once_the_second_is_refused(clerk, make_staff):
    case = scheduled(clerk)
    board_result_enter(actor=clerk, case_id=case.pk, entry=entry())
    second = make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    barrier = threading.Barrier(2)
    outcomes: list = []

    def decide(actor):
        try:
            barrier.wait(timeout=10)
            outcomes.append(decision_decide(actor=actor, case_id=case.pk))
        except Exception as exc:  # noqa: BLE001 - the refusal is the outcome under test
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(a,)) for a in (clerk, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(outcomes) == 2 and len(refused) == 1, outcomes
    assert isinstance(refused[0], DecisionInvalid) and "すでに認定" in refused[0].message
    assert Certification.objects.filter(case=case).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_lock_makes_the_second_wait_for_the_first(clerk):
    """One connection holds the case's lock (a decision in progress); the decision of another waits,
    and once the first commits its decision, the second sees the decided case and is refused."""
    case = scheduled(clerk)
    board_result_enter(actor=clerk, case_id=case.pk, entry=entry())
    locked, release, outcome = threading.Event(), threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                c = case_lock(case.pk)
                locked.set()
                release.wait(timeout=10)
                Case.objects.filter(pk=c.pk).update(state=S.DECIDED, decided_on=TODAY)
        finally:
            connection.close()

    def second():
        try:
            outcome.append(decision_decide(actor=clerk, case_id=case.pk))
        except DecisionInvalid as exc:
            outcome.append(exc)
        finally:
            connection.close()

    a = threading.Thread(target=first)
    a.start()
    assert locked.wait(timeout=10)
    b = threading.Thread(target=second)
    b.start()
    b.join(timeout=1)
    assert b.is_alive()  # waiting on the row lock
    release.set()
    a.join(timeout=10)
    b.join(timeout=10)
    assert isinstance(outcome[0], DecisionInvalid) and "すでに認定" in outcome[0].message
    assert not Certification.objects.filter(case=case).exists()


def _carry_over_case(clerk, *, paper=True):
    person = make_insured(moved_in_on=TODAY - timedelta(days=5))
    case = case_open(actor=clerk, resident_id=person.pk,
                     application=Application(kind=CaseKind.CARRY_OVER, applied_on=TODAY - timedelta(days=3)))
    if paper:
        paper_receive(actor=clerk, case_id=case.pk, kind=PaperKind.ELIGIBILITY_CERTIFICATE,
                      received_on=TODAY - timedelta(days=3))
    return case


def test_carry_over_decided_from_received_with_the_certificate(clerk):
    case = _carry_over_case(clerk, paper=False)
    end = TODAY + timedelta(days=120)
    with pytest.raises(DecisionInvalid, match="受給資格証明書の受領"):
        carry_over_decide(actor=clerk, case_id=case.pk, entry=CarryOverEntry("23", end))
    paper_receive(actor=clerk, case_id=case.pk, kind=PaperKind.ELIGIBILITY_CERTIFICATE, received_on=TODAY)
    cert = carry_over_decide(actor=clerk, case_id=case.pk, entry=CarryOverEntry("23", end))
    case.refresh_from_db()
    assert case.state == S.DECIDED and case.opinion_received_on is None  # no opinion needed (法 §36)
    assert (cert.level, cert.valid_from, cert.valid_to) == ("23", case.applied_on, end)
    assert case.events.order_by("-id").values_list("move", flat=True)[0] == Move.CARRY_OVER


def test_carry_over_refused_with_a_certificate_already_ended(clerk):
    case = _carry_over_case(clerk)
    with pytest.raises(DecisionInvalid, match="新規申請"):
        carry_over_decide(actor=clerk, case_id=case.pk, entry=CarryOverEntry("23", TODAY - timedelta(days=10)))


def test_revoke_needs_a_reason_and_ends_the_certification(clerk):
    person = make_insured()
    cert = make_certification(person, valid_from=TODAY - timedelta(days=100), valid_to=TODAY + timedelta(days=100),
                              actor=clerk)
    with pytest.raises(DecisionInvalid, match="理由"):
        certification_revoke(actor=clerk, certification_id=cert.pk, on=TODAY, reason=" ")
    done = certification_revoke(actor=clerk, certification_id=cert.pk, on=TODAY, reason="調査に応じないため")
    assert (done.ended_on, done.end_reason, done.end_note) == (TODAY, "revoked", "調査に応じないため")
    with pytest.raises(DecisionInvalid, match="すでに終了"):
        certification_revoke(actor=clerk, certification_id=cert.pk, on=TODAY, reason="再度")


# --- notices --------------------------------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("\n", "")


def test_result_notice_carries_the_decision_and_the_appeal_instruction(clerk):
    case = scheduled(clerk, primary="22")
    board_result_enter(actor=clerk, case_id=case.pk, entry=entry(
        "23", 6, level_reason="特記事項により", board_opinion="通所リハビリの利用が望ましい", designated_services=("day_rehab",)))
    decision_decide(actor=clerk, case_id=case.pk)
    with pytest.raises(DecisionInvalid, match="延期"):
        notice_issue(actor=clerk, case_id=case.pk, kind="postponement")
    issue, pdf = notice_issue(actor=clerk, case_id=case.pk, kind="result")
    text = _pdf_text(pdf)
    assert "要介護3" in text and "通所リハビリテーション" in text and "通所リハビリの利用が望ましい" in text
    assert "教示" in text and "神奈川県介護保険審査会" in text and "3か月以内" in text and "6か月以内" in text
    assert "行政不服審査法第18条" in text and "行政事件訴訟法第14条" in text
    case.refresh_from_db()
    assert case.notified_on == TODAY and not issue.reprint
    again, _ = notice_issue(actor=clerk, case_id=case.pk, kind="result")
    assert again.reprint and NoticeIssue.objects.filter(case=case).count() == 2
    from audit.models import AccessLogEntry

    assert AccessLogEntry.objects.filter(function="certification.notice.print", channel="print").count() == 2


def test_non_applicable_notice_gives_the_reason(clerk):
    case = scheduled(clerk, primary="01")
    board_result_enter(actor=clerk, case_id=case.pk, entry=entry("01", None))
    decision_decide(actor=clerk, case_id=case.pk)
    _, pdf = notice_issue(actor=clerk, case_id=case.pk, kind="result")
    text = _pdf_text(pdf)
    assert "非該当の理由" in text and "いずれにも該当しない" in text and "教示" in text


def test_postponement_notice_from_the_recorded_postponement(clerk):
    case = scheduled(clerk, applied_on=TODAY - timedelta(days=25))
    with pytest.raises(DecisionInvalid, match="延期が記録されていない"):
        notice_issue(actor=clerk, case_id=case.pk, kind="postponement")
    case_postpone(actor=clerk, case_id=case.pk, on=TODAY, reason="主治医意見書の到着遅延",
                  expected_by=TODAY + timedelta(days=20))
    _, pdf = notice_issue(actor=clerk, case_id=case.pk, kind="postponement")
    text = _pdf_text(pdf)
    assert "主治医意見書の到着遅延" in text and "延期通知書" in text
    case.refresh_from_db()
    assert case.notified_on is None  # the result is still to be notified


# --- reads: history with its as-of view, the renewal due list, the screen ---------------------------------


def test_history_and_the_certification_in_force_on_a_day(clerk):
    from certification.decisions.selectors import certification_history

    person = make_insured()
    old = make_certification(person, level="21", valid_from=date(2024, 4, 1), valid_to=date(2025, 3, 31), actor=clerk)
    new = make_certification(person, level="23", valid_from=date(2025, 4, 1), valid_to=TODAY + timedelta(days=90),
                             actor=clerk)
    page = certification_history(actor=clerk, request=None, resident_id=person.pk, as_of=date(2024, 10, 1))
    assert [r.pk for r in page.rows] == [new.pk, old.pk] and page.in_force.pk == old.pk
    assert certification_history(actor=clerk, request=None, resident_id=person.pk,
                                 as_of=TODAY).in_force.pk == new.pk
    assert certification_history(actor=clerk, request=None, resident_id=person.pk,
                                 as_of=date(2024, 3, 31)).in_force is None
    certification_revoke(actor=clerk, certification_id=new.pk, on=TODAY, reason="取消の試験")
    assert certification_history(actor=clerk, request=None, resident_id=person.pk, as_of=TODAY).in_force is None
    from audit.models import AccessLogEntry

    assert AccessLogEntry.objects.filter(function="certification.history").count() == 4


def test_renewal_due_list_of_a_ward(clerk):
    from certification.decisions.selectors import renewal_due_rows
    from eligibility.codes import Ward

    def certified(ward, ends_in):
        person = make_insured(ward=ward)
        make_certification(person, valid_from=TODAY - timedelta(days=300), valid_to=TODAY + timedelta(days=ends_in),
                           actor=clerk)
        return person

    soon, later, edge = certified(Ward.NAKAHARA, 10), certified(Ward.NAKAHARA, 70), certified(Ward.NAKAHARA, 60)
    certified(Ward.ASAO, 10)
    applied = certified(Ward.NAKAHARA, 30)
    case_open(actor=clerk, resident_id=applied.pk, application=Application(kind=CaseKind.RENEWAL, applied_on=TODAY))
    rows = renewal_due_rows(ward=Ward.NAKAHARA, today=TODAY)
    assert [(r.resident_id, r.days_left, r.applied) for r in rows] == [
        (soon.pk, 10, False), (applied.pk, 30, True), (edge.pk, 60, False)]
    assert later.pk not in {r.resident_id for r in rows}


def test_decision_screen_refuses_months_out_of_range_with_the_summary(client_as, clerk):
    case = scheduled(clerk)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    url = f"/certification/cases/{case.pk}/decision/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "review", "level": "22", "months": "13",
                                 "reviewed_on": TODAY.isoformat()})
    body = response.content.decode()
    assert response.status_code == 400 and 'class="error-summary"' in body and "3か月から12か月まで" in body
    response = client.post(url, {"action": "review", "level": "22", "months": "12", "reviewed_on": TODAY.isoformat()})
    assert response.status_code == 302
    response = client.post(url, {"action": "decide", "decided_on": TODAY.isoformat()})
    assert response.status_code == 200 and "認定の決定" in response.content.decode()  # the confirmation page
    assert not Certification.objects.filter(case=case).exists()
    response = client.post(url, {"action": "decide", "decided_on": TODAY.isoformat(), "confirm": "1"})
    assert response.status_code == 302 and Certification.objects.filter(case=case).exists()
    response = client.post(f"/certification/cases/{case.pk}/notices/result/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_card_and_the_eligibility_certificate_print_the_certification(clerk, make_staff):
    from eligibility.cards.models import CardIssue
    from eligibility.cards.selectors import card_render
    from eligibility.cards.services import card_issue
    from eligibility.residents.models import InsuredNumber, Resident

    case = scheduled(clerk, primary="22")
    board_result_enter(actor=clerk, case_id=case.pk, entry=entry(
        "22", 12, board_opinion="機能訓練の継続が望ましい", designated_services=("day_care",)))
    cert = decision_decide(actor=clerk, case_id=case.pk)
    ward_clerk = make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    issue = card_issue(actor=ward_clerk, resident_id=case.resident_id, kind="card", reason="request")
    resident = Resident.objects.get(pk=case.resident_id)
    number = InsuredNumber.objects.get(resident=resident).number
    text = _pdf_text(card_render(issue, resident, number))
    assert "要介護2" in text and "機能訓練の継続が望ましい" in text and "サービスの種類の指定：通所介護" in text
    # a 受給資格証明書 at a move out: the certification in force that day, and a pending application
    resident.moved_out_on = TODAY
    case_open(actor=clerk, resident_id=resident.pk,
              application=Application(kind=CaseKind.CHANGE, applied_on=TODAY))
    certificate = CardIssue(pk=999, resident=resident, kind="eligibility", issued_on=TODAY, reason="x")
    text = _pdf_text(card_render(certificate, resident, number))
    assert "受給資格証明書" in text and "要介護2" in text and "要介護認定等の申請中" in text
    assert cert.valid_to is not None
