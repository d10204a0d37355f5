"""The review board (介護認定審査会): members' terms, panel sizes, the quorum of a session (tables worked
from 施行令 §6 and §9), cases assigned and unassigned through the state machine, and the anonymity
of the board materials (the PDF's text holds no name, address, birth date or My Number of a case's
person, and holds every case number)."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta

import pytest
from django.db import transaction
from pypdf import PdfReader

from audit.models import AccessLogEntry
from certification.board import selectors
from certification.board.models import SessionCase
from certification.board.rules import (
    Seat,
    age_band,
    panel_size_problems,
    quorum,
    session_problems,
    term_covers,
    term_end,
    term_problems,
    term_years,
)
from certification.board.services import (
    BoardInvalid,
    case_assign,
    case_unassign,
    member_appoint,
    member_end,
    panel_create,
    session_create,
    session_move,
)
from certification.cases.models import Case, CaseEvent
from certification.cases.services import Application, CaseInvalid, case_lock, case_move, case_open, case_withdraw
from certification.rules.cases import CaseKind, CaseState, Move
from kaigo.documents.wareki import wareki, wareki_western
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from tests.certification.factories import make_certification, make_insured
from tests.eligibility.factories import synthetic_my_number

TODAY = date.today()
D = date


# --- terms (施行令 §6 第1項) ------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "years", "end"), [
    (D(2025, 4, 1), 2, D(2027, 3, 31)),  # 民法 §143: the day before the same date two years on
    (D(2025, 10, 15), 2, D(2027, 10, 14)),
    (D(2024, 2, 29), 2, D(2026, 2, 28)),  # 民法 §143 ただし書: no 29 February in 2026, the month's last day
    (D(2025, 4, 1), 3, D(2028, 3, 31)),  # a 条例 of 3 years
])
def test_term_end(start, years, end):
    assert term_end(start, years=years) == end


@pytest.mark.parametrize(("table", "on", "expected"), [
    (((D(2000, 4, 1), 2),), D(2026, 4, 1), 2),
    (((D(2000, 4, 1), 2), (D(2024, 4, 1), 3)), D(2024, 3, 31), 2),  # before the new 条例
    (((D(2000, 4, 1), 2), (D(2024, 4, 1), 3)), D(2024, 4, 1), 3),
    (((D(2000, 4, 1), 4),), D(2026, 4, 1), ValueError),  # beyond 3 years: not allowed by the 政令
    (((D(2000, 4, 1), 1),), D(2026, 4, 1), ValueError),  # below 2: not allowed either
])
def test_term_years_from_the_ordinance_table(table, on, expected):
    if expected is ValueError:
        with pytest.raises(ValueError):
            term_years(on, table)
    else:
        assert term_years(on, table) == expected


@pytest.mark.parametrize(("start", "end", "predecessor_end", "problem"), [
    (D(2026, 4, 1), D(2028, 3, 31), None, None),  # the whole 2 years
    (D(2026, 4, 1), D(2027, 3, 31), None, None),  # shorter is allowed (appointed for the rest of a cycle)
    (D(2026, 4, 1), D(2028, 4, 1), None, "2年以内"),  # one day too long
    (D(2026, 4, 1), D(2026, 3, 31), None, "開始日以後"),
    (D(2026, 10, 1), D(2027, 3, 31), D(2027, 3, 31), None),  # a substitute to the predecessor's end
    (D(2026, 10, 1), D(2028, 9, 30), D(2027, 3, 31), "残任期間"),  # a substitute may not get a full term
])
def test_term_problems(start, end, predecessor_end, problem):
    found = " ".join(term_problems(start, end, predecessor_end=predecessor_end))
    assert (problem in found) if problem else found == ""


@pytest.mark.parametrize(("day", "ended_on", "covers"), [
    (D(2026, 4, 1), None, True),  # the first day of the term
    (D(2028, 3, 31), None, True),  # the last day
    (D(2028, 4, 1), None, False),
    (D(2026, 3, 31), None, False),
    (D(2027, 1, 10), D(2027, 1, 10), False),  # resigned that day
    (D(2027, 1, 9), D(2027, 1, 10), True),
])
def test_term_covers(day, ended_on, covers):
    assert term_covers(D(2026, 4, 1), D(2028, 3, 31), day, ended_on) is covers


# --- panels and quorum (施行令 §9) ---------------------------------------------------------------------

@pytest.mark.parametrize(("size", "reason", "problem"), [
    (5, "", None),  # the standard
    (6, "", None),
    (4, "更新申請を主に取り扱う", None),
    (4, "", "理由"),  # fewer than 5 only with the reason
    (3, "更新申請を主に取り扱う", None),
    (2, "更新申請を主に取り扱う", "3人以上"),  # never below 3
    (10, "", "9人以下"),
])
def test_panel_size(size, reason, problem):
    found = " ".join(panel_size_problems(size, reduced_reason=reason))
    assert (problem in found) if problem else found == ""


@pytest.mark.parametrize(("members", "needed"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (6, 4), (7, 4), (9, 5)])
def test_quorum_is_more_than_half(members, needed):
    assert quorum(members) == needed


TERM_START, TERM_END = D(2026, 4, 1), D(2028, 3, 31)


def _seat(n, panel=1, start=TERM_START, end=TERM_END, ended=None):
    return Seat(n, panel, start, end, ended)


FIVE = [_seat(n) for n in range(1, 6)]


@pytest.mark.parametrize(("attending", "members", "day", "problem"), [
    ([1, 2, 3], FIVE, D(2026, 5, 1), None),  # 3 of 5
    ([1, 2], FIVE, D(2026, 5, 1), "定足数"),  # 2 of 5: no quorum
    ([1, 2, 3, 4, 5], FIVE, D(2026, 5, 1), None),
    # two terms ended before the day: the panel has 3 members then, 2 is a majority
    ([1, 2], [*FIVE[:3], _seat(4, end=D(2026, 4, 30)), _seat(5, end=D(2026, 4, 30))], D(2026, 5, 1), None),
    # a member whose term ended cannot sit
    ([1, 2, 4], [*FIVE[:3], _seat(4, end=D(2026, 4, 30)), _seat(5)], D(2026, 5, 1), "任期中でない"),
    ([1, 2, 3], FIVE, D(2028, 4, 1), "任期中の委員がこの合議体にいません"),  # every term over
])
def test_session_problems(attending, members, day, problem):
    by_id = {s.member_id: s for s in members}
    found = " ".join(session_problems(panel_id=1, panel_members=members, attending=[by_id[a] for a in attending],
                                      held_on=day))
    assert (problem in found) if problem else found == ""


def test_a_member_of_another_panel_cannot_sit():
    other = _seat(9, panel=2)
    found = " ".join(session_problems(panel_id=1, panel_members=FIVE, attending=[*FIVE[:3], other],
                                      held_on=D(2026, 5, 1)))
    assert "この合議体に属さない委員" in found


@pytest.mark.parametrize(("born", "on", "band"), [
    (D(1945, 5, 10), D(2026, 5, 9), "80歳代"),  # 80 the day after
    (D(1946, 5, 10), D(2026, 5, 9), "70歳代"),  # 79 until the birthday
    (D(1946, 5, 10), D(2026, 5, 10), "80歳代"),
    (D(1980, 1, 1), D(2026, 5, 1), "40歳代"),  # a 第2号 applicant
    (D(1920, 1, 1), D(2026, 5, 1), "100歳以上"),
])
def test_age_band(born, on, band):
    assert age_band(born, on) == band


# --- services ------------------------------------------------------------------------------------------

_numbers = itertools.count(5_000)


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)


def _panel(actor, name="第1合議体", members=5, start=None):
    panel = panel_create(actor=actor, name=name)
    start = start or TODAY - timedelta(days=30)
    ids = [member_appoint(actor=actor, name=f"委員 {name}{i}", field="medical", profession="医師",
                          term_start=start, panel_id=panel.pk).pk for i in range(members)]
    return panel, ids


def _assessed(actor, *, level="22", **person):
    """A person with an application whose primary assessment is done (ASSESSED)."""
    resident = make_insured(**person)
    case = case_open(actor=actor, resident_id=resident.pk,
                     application=Application(kind=CaseKind.NEW, applied_on=TODAY - timedelta(days=20)))
    with transaction.atomic():
        case = case_lock(case.pk)
        case_move(case, Move.REQUEST, actor=actor)
        case_move(case, Move.ASSESS, actor=actor)
        case.primary_level = level
        case.save(update_fields=["primary_level"])
    return case


@pytest.mark.django_db
def test_session_needs_a_quorum_of_members_in_term(clerk):
    panel, ids = _panel(clerk)
    with pytest.raises(BoardInvalid, match="定足数"):
        session_create(actor=clerk, panel_id=panel.pk, held_on=TODAY + timedelta(days=7), place="第1会議室",
                       attending=ids[:2])
    with pytest.raises(BoardInvalid, match="過去の日付"):
        session_create(actor=clerk, panel_id=panel.pk, held_on=TODAY - timedelta(days=1), place="第1会議室",
                       attending=ids[:3])
    session = session_create(actor=clerk, panel_id=panel.pk, held_on=TODAY + timedelta(days=7), place="第1会議室",
                             attending=ids[:3])
    assert session.capacity == 35 and session.attendance.count() == 3
    # a member who leaves breaks the session's quorum: refused, nothing written
    with pytest.raises(BoardInvalid, match="定足数"):
        member_end(actor=clerk, member_id=ids[0], ended_on=TODAY)
    assert session.attendance.count() == 3
    # 法 §15 第2項: a member's field must be one of 保健・医療・福祉
    with pytest.raises(BoardInvalid, match="分野"):
        member_appoint(actor=clerk, name="委員 某", field="law", profession="弁護士", term_start=TODAY)


@pytest.mark.django_db
def test_member_term_defaults_to_the_ordinance_and_a_substitute_gets_the_rest(clerk):
    first = member_appoint(actor=clerk, name="委員 甲", field="welfare", profession="社会福祉士",
                           term_start=D(2026, 4, 1))
    assert first.term_end == D(2028, 3, 31)
    substitute = member_appoint(actor=clerk, name="委員 乙", field="welfare", profession="社会福祉士",
                                term_start=D(2026, 10, 1), predecessor_id=first.pk)
    assert substitute.term_end == D(2028, 3, 31)
    with pytest.raises(BoardInvalid, match="残任期間"):
        member_appoint(actor=clerk, name="委員 丙", field="welfare", profession="社会福祉士",
                       term_start=D(2026, 10, 1), term_end_on=D(2028, 9, 30), predecessor_id=first.pk)


@pytest.mark.django_db
def test_assign_and_unassign_move_the_case_through_the_state_machine(clerk):
    panel, ids = _panel(clerk)
    session = session_create(actor=clerk, panel_id=panel.pk, held_on=TODAY + timedelta(days=7), place="第1会議室",
                             attending=ids[:3], capacity=2)
    a, b, c = (_assessed(clerk) for _ in range(3))
    row = case_assign(actor=clerk, session_id=session.pk, case_id=a.pk)
    case_assign(actor=clerk, session_id=session.pk, case_id=b.pk)
    a.refresh_from_db()
    assert (a.state, a.board_on, row.sequence) == (CaseState.SCHEDULED, session.held_on, 1)
    assert CaseEvent.objects.filter(case=a, move=Move.SCHEDULE, actor=clerk).count() == 1
    with pytest.raises(BoardInvalid, match="上限"):  # capacity 2
        case_assign(actor=clerk, session_id=session.pk, case_id=c.pk)
    with pytest.raises(BoardInvalid, match="一次判定が済んだ案件"):  # already scheduled
        case_assign(actor=clerk, session_id=session.pk, case_id=a.pk)
    with pytest.raises(BoardInvalid, match="理由"):
        case_unassign(actor=clerk, session_id=session.pk, case_id=a.pk, reason=" ")
    case_unassign(actor=clerk, session_id=session.pk, case_id=a.pk, reason="主治医意見書の再確認")
    a.refresh_from_db()
    assert (a.state, a.board_on) == (CaseState.ASSESSED, None)
    assert CaseEvent.objects.filter(case=a, move=Move.UNSCHEDULE).count() == 1
    kept = SessionCase.objects.get(case=a)
    assert kept.removed_at is not None and kept.remove_reason == "主治医意見書の再確認"
    third = case_assign(actor=clerk, session_id=session.pk, case_id=c.pk)  # room again; last of the list
    assert third.sequence == 3


@pytest.mark.django_db
def test_a_withdrawn_case_leaves_the_materials_and_a_moved_session_unassigns_its_cases(clerk):
    panel, ids = _panel(clerk)
    session = session_create(actor=clerk, panel_id=panel.pk, held_on=TODAY + timedelta(days=7), place="第1会議室",
                             attending=ids[:3])
    a, b = _assessed(clerk), _assessed(clerk)
    case_assign(actor=clerk, session_id=session.pk, case_id=a.pk)
    case_assign(actor=clerk, session_id=session.pk, case_id=b.pk)
    case_withdraw(actor=clerk, case_id=a.pk, on=TODAY, reason="本人の申出")
    data, persons = selectors.materials_data(session.pk, "committee")
    assert [c.case_number for c in data.cases] == [b.number] and persons == [b.resident_id]
    case_unassign(actor=clerk, session_id=session.pk, case_id=a.pk, reason="申請の取下げ")  # leaves the list
    assert Case.objects.get(pk=a.pk).state == CaseState.WITHDRAWN
    session_move(actor=clerk, session_id=session.pk, held_on=TODAY + timedelta(days=14), reason="会場の都合")
    b.refresh_from_db()
    assert (b.state, b.board_on) == (CaseState.ASSESSED, None)
    assert not SessionCase.objects.filter(session=session, removed_at__isnull=True).exists()


@pytest.mark.django_db
def test_assignment_is_refused_outside_the_ward_and_without_the_permission(clerk, make_staff):
    panel, ids = _panel(clerk)
    session = session_create(actor=clerk, panel_id=panel.pk, held_on=TODAY + timedelta(days=7), place="第1会議室",
                             attending=ids[:3])
    case = _assessed(clerk)
    with pytest.raises(NotPermitted):
        case_assign(actor=make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.ASAO),
                    session_id=session.pk, case_id=case.pk)
    with pytest.raises(NotPermitted):
        panel_create(actor=make_staff(Role.WARD_CLERK), name="第9合議体")
    assert Case.objects.get(pk=case.pk).state == CaseState.ASSESSED
    with pytest.raises(CaseInvalid):  # the state machine refuses the move itself, whoever asks
        with transaction.atomic():
            case_move(case_lock(case.pk), Move.UNSCHEDULE, actor=clerk)


# --- the materials' anonymity (issue 18, "Done when") -----------------------------------------------

PEOPLE = [
    {"name_kanji": "桜井 花子", "name_kana": "サクライ ハナコ", "born": D(1938, 11, 23), "sex": "2",
     "address": "川崎市中原区木月住吉町9丁目8番7号"},
    {"name_kanji": "梅田 一郎", "name_kana": "ウメダ イチロウ", "born": D(1944, 2, 29), "sex": "1",
     "address": "川崎市中原区上小田中6丁目5番4号"},
    {"name_kanji": "松本 次郎", "name_kana": "マツモト ジロウ", "born": D(1950, 7, 7), "sex": "1",
     "address": "川崎市中原区新丸子東3丁目2番1号"},
]


def _estimated(actor, **person):
    """A person's case with its opinion received and the development estimator's primary result
    (through the opinion's and the assessment's services)."""
    from certification.assessment.services import primary_estimate
    from certification.opinion.services import opinion_receive, opinion_request
    from tests.certification.test_assessment import uniform
    from tests.certification.test_opinion import make_doctor, receipt

    resident = make_insured(**person)
    case = case_open(actor=actor, resident_id=resident.pk,
                     application=Application(kind=CaseKind.NEW, applied_on=TODAY - timedelta(days=20)))
    opinion = opinion_request(actor=actor, case_id=case.pk, doctor_id=make_doctor(actor, code=f"14{case.pk:08d}").pk,
                              requested_on=case.applied_on)
    opinion_receive(actor=actor, opinion_id=opinion.pk, receipt=receipt(TODAY, dementia_rank="2a"))
    Case.objects.filter(pk=case.pk).update(surveyed_on=case.applied_on + timedelta(days=3))
    primary_estimate(actor=actor, case_id=case.pk, severities=uniform(0.5))
    return Case.objects.get(pk=case.pk)


def _text(pdf: bytes) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def _compact(text: str) -> str:
    return "".join(text.split())


def _forbidden(person: dict, my_number: str) -> list[str]:
    born = person["born"]
    words = [person["name_kanji"], person["name_kana"], *person["name_kanji"].split(), *person["name_kana"].split(),
             person["address"], person["address"][len("川崎市中原区"):], my_number, my_number[:4] + my_number[4:8],
             born.isoformat(), f"{born.year}年{born.month}月{born.day}日", f"{born.year}/{born.month}/{born.day}",
             f"{born:%Y%m%d}", wareki(born), wareki_western(born)]
    return [_compact(w) for w in words]


@pytest.mark.django_db
def test_board_materials_never_show_the_persons_name_address_birth_date_or_my_number(clerk, client_as):
    panel, ids = _panel(clerk)
    session = session_create(actor=clerk, panel_id=panel.pk, held_on=TODAY + timedelta(days=7), place="第1会議室",
                             attending=ids[:3])
    cases, forbidden = [], []
    for i, p in enumerate(PEOPLE):
        my_number = synthetic_my_number(next(_numbers))
        person = {"born": p["born"], "name_kanji": p["name_kanji"], "name_kana": p["name_kana"],
                  "address": p["address"], "sex": p["sex"], "my_number": my_number}
        case = (_estimated(clerk, **person) if i == 0 else _assessed(clerk, level=["21", "23", "13"][i], **person))
        if i == 1:  # a renewal-like case with a previous certification, for the secretariat's references
            prev = make_certification(make_insured(), level="22", valid_from=D(2025, 1, 1), valid_to=D(2025, 12, 31),
                                      actor=clerk)
            Case.objects.filter(pk=case.pk).update(previous=prev)
        if i == 2:  # the survey's special notes, with the name and address a surveyor typed by mistake
            from certification.survey.models import Survey
            from tests.certification.test_survey import city_body

            Survey.objects.create(case=case, body=city_body(), requested_on=case.applied_on, requested_by=clerk,
                                  notes={"1": f"{p['name_kanji']}さん（{p['name_kana']}）は{p['address']}に独居。",
                                         "3": "短期記憶の低下あり。"})
        case_assign(actor=clerk, session_id=session.pk, case_id=case.pk)
        cases.append(case)
        forbidden += _forbidden(p, my_number)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    for version in ("committee", "secretariat"):
        before = AccessLogEntry.objects.count()
        response = client.get(f"/certification/board/sessions/{session.pk}/materials/{version}.pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = _text(response.content)
        leaked = [w for w in forbidden if w in text]
        assert not leaked, f"{version}: personal data in the materials: {len(leaked)} items"
        for case in cases:
            assert case.number in text
        assert "80歳代" in text and "要介護3" in text and "要支援2" in text
        # the first case's primary result (the estimator's, marked as not official) and opinion items
        assert "公式の一次判定ロジックではありません" in text and "間接生活介助" in text and "要介護認定等基準時間" in text
        assert "第1群：〇〇さん（〇〇）は〇〇に独居。" in text and "第3群：短期記憶の低下あり。" in text
        assert "認知症高齢者の日常生活自立度" in text and "試験病院" not in text and "試験医師" not in text
        assert ("事務局用" in text) is (version == "secretariat") and ("委員用" in text) is (version == "committee")
        assert ("中原区" in text) is (version == "secretariat")  # the ward is the secretariat's reference only
        log = AccessLogEntry.objects.order_by("-pk").first()
        assert AccessLogEntry.objects.count() == before + 1
        assert (log.function, log.channel) == ("certification.board.print", "print")
        assert sorted(log.person_ids) == sorted(c.resident_id for c in cases)
    metadata = PdfReader(io.BytesIO(response.content)).metadata
    assert all(_compact(p["name_kanji"]) not in _compact(str(v)) for p in PEOPLE for v in metadata.values())


@pytest.mark.django_db
def test_the_screens_show_cases_by_number_and_log_the_read(clerk, client_as):
    panel, ids = _panel(clerk)
    session = session_create(actor=clerk, panel_id=panel.pk, held_on=TODAY + timedelta(days=7), place="第1会議室",
                             attending=ids[:3])
    waiting = _assessed(clerk, name_kanji="柿沼 太郎")
    client = client_as(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    body = client.get("/certification/board/").content.decode()
    assert "第1合議体" in body and "第1会議室" in body
    response = client.get(f"/certification/board/sessions/{session.pk}/")
    body = response.content.decode()
    assert response.status_code == 200 and waiting.number in body and "柿沼" not in body
    log = AccessLogEntry.objects.order_by("-pk").first()
    assert log.function == "certification.board.view" and waiting.resident_id in log.person_ids
    response = client.post(f"/certification/board/sessions/{session.pk}/", {"action": "assign",
                                                                           "assign-case": str(waiting.pk)})
    assert response.status_code == 302
    assert Case.objects.get(pk=waiting.pk).state == CaseState.SCHEDULED
    # an inquiry account has no access to the board
    assert client_as(Role.INQUIRY).get("/certification/board/").status_code == 403
