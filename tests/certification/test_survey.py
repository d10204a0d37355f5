"""The certification survey (認定調査): the items and their answers as the survey sheet has them, the
severity scale, the consistency warnings, who may survey which case (法 §27 第2項, §28 第5項), the
entry and its corrections, the survey files of contracted bodies, scope, and the screens."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from audit.models import AccessLogEntry
from certification.cases.models import Case
from certification.cases.services import Application, case_lock, case_move, case_open
from certification.rules.cases import CaseKind, CaseState, Move
from certification.rules.survey_items import (
    CODES,
    CONSISTENCY_RULES,
    ITEM_BY_CODE,
    answer_label,
    answer_problem,
    answer_severity,
    consistency_warnings,
)
from certification.survey.format import LAYOUT, line_encode
from certification.survey.models import Survey, SurveyBody, SurveyFile, SurveyRevision
from certification.survey.parser import parse_survey_file
from certification.survey.rules import BodyKind, body_allowed, body_refusal
from certification.survey.selectors import survey_answers, survey_facts
from certification.survey.services import (
    SurveyFileInvalid,
    SurveyInvalid,
    SurveyUnconfirmed,
    survey_appoint,
    survey_assign,
    survey_body_save,
    survey_enter,
    survey_file_receive,
)
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from tests.certification.factories import make_certification, make_insured
from tests.screens import page_problems

pytestmark = pytest.mark.django_db
TODAY = date.today()
CITY = "0000000000"  # seeded by the migration: the city's own surveyors


def city_body() -> SurveyBody:
    """The city's own surveyors (the migration's row; made again after a transactional test's flush)."""
    return SurveyBody.objects.get_or_create(code=CITY, defaults={"name": "市の認定調査員（直営）", "kind": "city"})[0]


@pytest.fixture(autouse=True)
def _city_body(db):
    city_body()


# --- the items (the national survey sheet, DOMAIN.md 3.4) -----------------------------------------


def test_the_item_codes_are_exactly_the_sheets():
    expected = ([f"1-1-{n}" for n in range(1, 6)] + [f"1-2-{n}" for n in range(1, 5)]
                + [f"1-{n}" for n in range(3, 14)] + [f"2-{n}" for n in range(1, 13)] + [f"3-{n}" for n in range(1, 10)]
                + [f"4-{n}" for n in range(1, 16)] + [f"5-{n}" for n in range(1, 7)] + [f"6-{n}" for n in range(1, 13)]
                + ["7-1", "7-2"])
    assert list(CODES) == expected
    assert len(CODES) == 62 + 12 + 2  # the "74 items" and the two independence ranks
    assert "1-1" not in CODES and "1-2" not in CODES  # headings of their sub-items, no answer of their own


# (item, its options in order, most independent first): from the survey sheet (認定調査票)
ANSWER_CASES = [
    ("1-1-1", ("ない", "ある")),
    ("1-2-4", ("ない", "ある")),
    ("1-3", ("つかまらないでできる", "何かにつかまればできる", "できない")),
    ("1-5", ("できる", "自分の手で支えればできる", "支えてもらえればできる", "できない")),
    ("1-6", ("支えなしでできる", "何か支えがあればできる", "できない")),
    ("1-10", ("介助されていない", "一部介助", "全介助", "行っていない")),
    ("2-1", ("介助されていない", "見守り等", "一部介助", "全介助")),
    ("2-3", ("できる", "見守り等", "できない")),
    ("2-7", ("介助されていない", "一部介助", "全介助")),
    ("2-12", ("週1回以上", "月1回以上", "月1回未満")),
    ("3-4", ("できる", "できない")),
    ("3-8", ("ない", "ときどきある", "ある")),
    ("4-1", ("ない", "ときどきある", "ある")),
    ("4-15", ("ない", "ときどきある", "ある")),
    ("5-3", ("できる（特別な場合でもできる）", "特別な場合を除いてできる", "日常的に困難", "できない")),
    ("6-1", ("ない", "ある")),
    ("6-12", ("ない", "ある")),
    ("7-1", ("自立", "J1", "J2", "A1", "A2", "B1", "B2", "C1", "C2")),
    ("7-2", ("自立", "Ⅰ", "Ⅱa", "Ⅱb", "Ⅲa", "Ⅲb", "Ⅳ", "M")),
]


@pytest.mark.parametrize(("code", "answers"), ANSWER_CASES)
def test_allowed_answers_in_order(code, answers):
    item = ITEM_BY_CODE[code]
    assert item.answers == answers
    assert item.values == tuple(str(n) for n in range(1, len(answers) + 1))
    assert answer_label(code, "1") == answers[0]
    for value in item.values:
        assert answer_problem(code, value) is None


@pytest.mark.parametrize(("code", "answer"), [("1-3", "0"), ("1-3", "4"), ("3-4", "3"), ("7-1", "J1"), ("6-1", "１"),
                                              ("4-1", " 1"), ("2-1", "")])
def test_an_answer_outside_the_options_names_the_item(code, answer):
    problem = answer_problem(code, answer)
    assert problem is not None and f"「{code} " in problem and ITEM_BY_CODE[code].label in problem
    assert "1: " in problem  # the options allowed, by number


# (item, answer, severity): 0 the most independent .. 1 the most dependent, evenly spaced unless the
# option is off the scale (洗身「行っていない」, 視力「判断不能」 count as the most dependent)
SEVERITY_CASES = [
    ("1-3", "1", 0.0), ("1-3", "2", 0.5), ("1-3", "3", 1.0),
    ("2-1", "2", 1 / 3), ("2-1", "4", 1.0),
    ("3-4", "1", 0.0), ("3-4", "2", 1.0),
    ("1-10", "3", 1.0), ("1-10", "4", 1.0), ("1-10", "2", 0.5),
    ("1-12", "5", 1.0), ("1-12", "2", 0.25),
    ("6-5", "2", 1.0),
    ("7-1", "1", 0.0), ("7-1", "9", 1.0), ("7-1", "5", 0.5),
    ("7-2", "5", 4 / 7), ("7-2", "8", 1.0),
]


@pytest.mark.parametrize(("code", "answer", "severity"), SEVERITY_CASES)
def test_answer_severity(code, answer, severity):
    assert answer_severity(code, answer) == pytest.approx(severity)


def test_answer_severity_refuses_what_is_not_an_answer():
    for code, answer in (("1-1", "1"), ("9-9", "1"), ("1-3", "4"), ("1-3", "つかまらないでできる")):
        with pytest.raises(ValueError):
            answer_severity(code, answer)
    for code in CODES:  # every item: from 0 to 1, never less dependent further down the sheet's scale
        values = [answer_severity(code, v) for v in ITEM_BY_CODE[code].values]
        assert values[0] == 0.0 and values[-1] == 1.0 and values == sorted(values)


def answers(**overrides) -> dict[str, str]:
    """Every item answered with its most independent option, ``overrides`` by code ("1_3" for 1-3)."""
    given = {code: "1" for code in CODES}
    given.update({code.replace("_", "-"): value for code, value in overrides.items()})
    return given


# (answers changed from the most independent, the warnings' fragments; none: no warning)
CONSISTENCY_CASES = [
    ({"1_3": "3"}, ["「寝返り」が「できない」なのに「洗身」が「介助されていない」"]),
    ({"1_3": "3", "1_10": "2"}, []),
    ({"1_7": "3", "2_2": "2", "7_1": "6"}, []),
    ({"1_7": "3", "7_1": "6"}, ["「歩行」が「できない」なのに「移動」が「介助されていない」"]),
    ({"3_1": "4"}, ["「意思の伝達」が「できない」なのに「短期記憶」が「できる」",
                    "「意思の伝達」が「できない」なのに「日常の意思決定」が「できる（特別な場合でもできる）」"]),
    ({"1_6": "3", "1_9": "3", "1_7": "2"}, []),
    ({"1_6": "3", "1_9": "3"}, ["「両足での立位保持」が「できない」なのに「歩行」が「つかまらないでできる」"]),
    ({"1_5": "4"}, ["「座位保持」が「できない」なのに「移乗」が「介助されていない」"]),
    ({"2_3": "3"}, ["「えん下」が「できない」なのに「食事摂取」が「介助されていない」"]),
    ({"3_5": "2"}, ["「自分の名前を言う」が「できない」なのに「生年月日や年齢を言う」が「できる」"]),
    ({"7_1": "9"}, ["「障害高齢者の日常生活自立度（寝たきり度）」が「C2」なのに「移動」が「介助されていない」"]),
    ({"7_1": "2", "1_7": "3", "2_2": "3"}, ["「障害高齢者の日常生活自立度（寝たきり度）」が「J1」なのに「歩行」が「できない」"]),
    ({"3_4": "2"}, ["「認知症高齢者の日常生活自立度」が「自立」なのに「短期記憶」が「できない」"]),
    ({"3_4": "2", "7_2": "3"}, []),
    ({"2_4": "4"}, ["「食事摂取」が「全介助」なのに「薬の内服」が「介助されていない」"]),
    ({}, []),
]


@pytest.mark.parametrize(("changed", "expected"), CONSISTENCY_CASES)
def test_consistency_warnings(changed, expected):
    warnings = consistency_warnings(answers(**changed))
    assert len(warnings) == len(expected), warnings
    for warning, fragment in zip(warnings, expected, strict=True):
        assert fragment in warning


def test_every_consistency_rule_can_fire_and_names_real_options():
    for rule in CONSISTENCY_RULES:
        for code, values in ((rule.first, rule.first_answers), (rule.second, rule.second_answers)):
            assert values <= set(ITEM_BY_CODE[code].values), rule.code
        given = {rule.first: min(rule.first_answers), rule.second: min(rule.second_answers)}
        assert consistency_warnings(given), rule.code
    assert len({r.code for r in CONSISTENCY_RULES}) == len(CONSISTENCY_RULES) >= 10


# --- who may survey (法 §27 第2項, §24の2, §28 第5項, §29 第2項, §36) ---------------------------------

B = BodyKind
BODY_CASES = [
    (CaseKind.NEW, B.CITY, True), (CaseKind.NEW, B.DESIGNATED, True), (CaseKind.NEW, B.OTHER_MUNICIPALITY, True),
    (CaseKind.NEW, B.CARE_MANAGER, False), (CaseKind.NEW, B.FACILITY, False), (CaseKind.NEW, B.SUPPORT_CENTRE, False),
    (CaseKind.INSURER_CHANGE, B.CITY, True), (CaseKind.INSURER_CHANGE, B.CARE_MANAGER, False),
    (CaseKind.RENEWAL, B.CARE_MANAGER, True), (CaseKind.RENEWAL, B.FACILITY, True),
    (CaseKind.RENEWAL, B.SUPPORT_CENTRE, True), (CaseKind.RENEWAL, B.CITY, True),
    (CaseKind.CHANGE, B.CARE_MANAGER, True), (CaseKind.CHANGE, B.DESIGNATED, True),
    (CaseKind.CARRY_OVER, B.CITY, False),
]


@pytest.mark.parametrize(("case_kind", "body_kind", "allowed"), BODY_CASES)
def test_which_body_may_survey_which_case(case_kind, body_kind, allowed):
    assert body_allowed(case_kind, body_kind) is allowed
    refusal = body_refusal(case_kind, body_kind)
    assert (refusal is None) is allowed
    if refusal and case_kind != CaseKind.CARRY_OVER:
        assert "法第27条第2項" in refusal


# --- the services ----------------------------------------------------------------------------------


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)


@pytest.fixture
def bodies():
    return {
        kind: SurveyBody.objects.create(code=code, name=name, kind=kind)
        for kind, code, name in ((B.DESIGNATED, "D000000001", "試験調査法人"),
                                 (B.CARE_MANAGER, "1470000001", "試験居宅介護支援事業所"))
    }


def new_case(clerk, *, applied_on=TODAY, kind=CaseKind.NEW) -> Case:
    person = make_insured()
    if kind == CaseKind.RENEWAL:
        make_certification(person, valid_from=applied_on - timedelta(days=300), valid_to=applied_on + timedelta(days=30),
                           actor=clerk)
    return case_open(actor=clerk, resident_id=person.pk, application=Application(kind=kind, applied_on=applied_on))


def assigned(clerk, body=CITY, **kw) -> Case:
    case = new_case(clerk, **kw)
    survey_assign(actor=clerk, case_id=case.pk, body_code=body, requested_on=case.applied_on)
    return case


def test_a_new_application_is_surveyed_only_by_the_city_or_a_designated_body(clerk, bodies):
    case = new_case(clerk)
    with pytest.raises(SurveyInvalid, match="法第27条第2項"):
        survey_assign(actor=clerk, case_id=case.pk, body_code="1470000001", requested_on=TODAY)
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED and case.survey_requested_on is None
    assert not Survey.objects.filter(case=case).exists()
    survey = survey_assign(actor=clerk, case_id=case.pk, body_code="D000000001", requested_on=TODAY)
    case.refresh_from_db()
    assert survey.body.kind == B.DESIGNATED
    assert case.state == CaseState.IN_PROGRESS and case.survey_requested_on == TODAY
    assert list(case.events.values_list("move", flat=True).order_by("pk")) == [Move.RECEIVE, Move.REQUEST]


def test_a_renewal_may_be_entrusted_to_a_care_management_office(clerk, bodies):
    case = new_case(clerk, kind=CaseKind.RENEWAL)
    survey = survey_assign(actor=clerk, case_id=case.pk, body_code="1470000001", requested_on=TODAY)
    assert survey.body.kind == B.CARE_MANAGER
    # moved to another body while nothing is entered; refused once answers are in
    survey_assign(actor=clerk, case_id=case.pk, body_code=CITY, requested_on=TODAY)
    assert Survey.objects.get(case=case).body.code == CITY
    survey_enter(actor=clerk, case_id=case.pk, surveyed_on=TODAY, answers={"1-3": "1"}, notes={})
    with pytest.raises(SurveyInvalid, match="入力済み"):
        survey_assign(actor=clerk, case_id=case.pk, body_code="1470000001", requested_on=TODAY)


def test_assignment_refusals(clerk, bodies):
    case = new_case(clerk, applied_on=TODAY - timedelta(days=3))
    with pytest.raises(SurveyInvalid, match="調査依頼日"):
        survey_assign(actor=clerk, case_id=case.pk, body_code=CITY, requested_on=TODAY - timedelta(days=4))
    with pytest.raises(SurveyInvalid, match="調査機関を選んでください"):
        survey_assign(actor=clerk, case_id=case.pk, body_code="NOSUCH", requested_on=TODAY)
    SurveyBody.objects.filter(code="D000000001").update(closed_on=TODAY - timedelta(days=1))
    with pytest.raises(SurveyInvalid, match="委託は終了"):
        survey_assign(actor=clerk, case_id=case.pk, body_code="D000000001", requested_on=TODAY)


def test_the_appointment(clerk):
    case = new_case(clerk)
    with pytest.raises(SurveyInvalid, match="先に調査機関"):
        survey_appoint(actor=clerk, case_id=case.pk, on=TODAY, at=None, place_kind="home")
    survey_assign(actor=clerk, case_id=case.pk, body_code=CITY, requested_on=TODAY)
    with pytest.raises(SurveyInvalid, match="名称を入力"):
        survey_appoint(actor=clerk, case_id=case.pk, on=TODAY + timedelta(days=5), at=None, place_kind="hospital")
    with pytest.raises(SurveyInvalid, match="実施場所を選んで"):
        survey_appoint(actor=clerk, case_id=case.pk, on=TODAY + timedelta(days=5), at=None, place_kind="car")
    survey = survey_appoint(actor=clerk, case_id=case.pk, on=TODAY + timedelta(days=5), at=time(10, 30),
                            place_kind="hospital", place_note="試験病院")
    assert (survey.appointment_on, survey.appointment_at, survey.place_kind) == (TODAY + timedelta(days=5),
                                                                                 time(10, 30), "hospital")


def test_entry_refuses_an_answer_outside_the_options_naming_the_item(clerk):
    case = assigned(clerk)
    with pytest.raises(SurveyInvalid) as refused:
        survey_enter(actor=clerk, case_id=case.pk, surveyed_on=TODAY, answers=answers(**{"1_3": "4", "7_1": "J1"}),
                     notes={})
    assert any("「1-3 寝返り」" in p for p in refused.value.problems)
    assert any("「7-1 障害高齢者の日常生活自立度（寝たきり度）」" in p for p in refused.value.problems)
    assert Survey.objects.get(case=case).revision == 0 and not SurveyRevision.objects.exists()


def test_entry_partial_then_complete_then_corrected_keeps_every_revision(clerk):
    case = assigned(clerk, applied_on=TODAY - timedelta(days=5))
    partial = {code: "1" for code in CODES[:20]}
    entered = survey_enter(actor=clerk, case_id=case.pk, surveyed_on=TODAY - timedelta(days=1), answers=partial,
                           notes={"1": "右膝に痛みの訴えあり。"})
    case.refresh_from_db()
    assert not entered.survey.complete and case.surveyed_on is None
    # warnings must be confirmed: nothing saved until then
    with pytest.raises(SurveyUnconfirmed) as unconfirmed:
        survey_enter(actor=clerk, case_id=case.pk, surveyed_on=TODAY - timedelta(days=1),
                     answers=answers(**{"1_3": "3"}), notes={})
    assert len(unconfirmed.value.warnings) == 1 and "寝返り" in unconfirmed.value.warnings[0]
    assert Survey.objects.get(case=case).revision == 1
    entered = survey_enter(actor=clerk, case_id=case.pk, surveyed_on=TODAY - timedelta(days=1),
                           answers=answers(**{"1_3": "3"}), notes={"1": "寝返りは全介助。", "2": " "},
                           warnings_confirmed=True)
    case.refresh_from_db()
    assert entered.survey.complete and case.surveyed_on == TODAY - timedelta(days=1)
    assert survey_answers(case.pk)["1-3"] == "3" and len(survey_answers(case.pk)) == len(CODES)
    facts = survey_facts(case.pk)
    assert facts.complete and facts.notes == {"1": "寝返りは全介助。"} and facts.revision == 2
    # a correction (before the primary assessment)
    survey_enter(actor=clerk, case_id=case.pk, surveyed_on=TODAY - timedelta(days=1), answers=answers(), notes={})
    revisions = list(SurveyRevision.objects.filter(survey__case=case).order_by("revision"))
    assert [(r.revision, r.complete, len(r.warnings)) for r in revisions] == [(1, False, 0), (2, True, 1), (3, True, 0)]
    assert revisions[1].answers["1-3"] == "3" and survey_answers(case.pk)["1-3"] == "1"


def test_no_correction_after_the_primary_assessment(clerk):
    case = assigned(clerk)
    survey_enter(actor=clerk, case_id=case.pk, surveyed_on=TODAY, answers=answers(), notes={})
    with transaction.atomic():
        case_move(case_lock(case.pk), Move.ASSESS, actor=clerk)
    with pytest.raises(SurveyInvalid, match="一次判定の後"):
        survey_enter(actor=clerk, case_id=case.pk, surveyed_on=TODAY, answers=answers(**{"2_1": "2"}), notes={})
    assert survey_answers(case.pk)["2-1"] == "1"


def test_entry_date_rules(clerk):
    case = assigned(clerk, applied_on=TODAY - timedelta(days=2))
    with pytest.raises(SurveyInvalid, match="未来"):
        survey_enter(actor=clerk, case_id=case.pk, surveyed_on=TODAY + timedelta(days=1), answers={}, notes={})
    with pytest.raises(SurveyInvalid, match="申請日より前"):
        survey_enter(actor=clerk, case_id=case.pk, surveyed_on=TODAY - timedelta(days=3), answers={}, notes={})


def test_carry_over_is_never_surveyed(clerk):
    case = new_case(clerk)
    Case.objects.filter(pk=case.pk).update(kind=CaseKind.CARRY_OVER)
    with pytest.raises(SurveyInvalid, match="法第36条"):
        survey_assign(actor=clerk, case_id=case.pk, body_code=CITY, requested_on=TODAY)


def test_scope_refusals(clerk, make_staff):
    case = assigned(clerk)
    for outsider in (make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.ASAO),
                     make_staff(Role.INQUIRY, organisation=Organisation.NAKAHARA)):
        with pytest.raises(NotPermitted):
            survey_assign(actor=outsider, case_id=case.pk, body_code=CITY, requested_on=TODAY)
        with pytest.raises(NotPermitted):
            survey_appoint(actor=outsider, case_id=case.pk, on=TODAY, at=None, place_kind="home")
        with pytest.raises(NotPermitted):
            survey_enter(actor=outsider, case_id=case.pk, surveyed_on=TODAY, answers=answers(), notes={})
    assert Survey.objects.get(case=case).revision == 0
    with pytest.raises(NotPermitted):
        survey_file_receive(b"x", file_name="x.csv", actor=make_staff(Role.INQUIRY))
    with pytest.raises(NotPermitted):  # the master serves every ward: the head office only
        survey_body_save(actor=clerk, code="X1", name="試験", kind=B.DESIGNATED)
    head = make_staff(Role.HEAD_OFFICE_CLERK)
    assert survey_body_save(actor=head, code="X1", name="試験", kind=B.DESIGNATED).kind == B.DESIGNATED


# --- the survey file ---------------------------------------------------------------------------------


def survey_line(case_number: str, *, body: str = CITY, surveyed_on: date = TODAY, surveyor: str = "試験 調査員",
                notes: tuple[str, ...] = ("",) * 7, **changed) -> str:
    given = answers(**changed)
    return line_encode([case_number, surveyed_on.isoformat(), body, surveyor, *(given[c] for c in CODES), *notes])


def test_the_parser_keeps_good_lines_and_lists_bad_ones():
    good = survey_line("2026-000001", notes=("膝に痛み、歩行は杖",) + ("",) * 6)
    parsed = parse_survey_file(LAYOUT.file([good, survey_line("2026-000002", **{"1_3": "9"}),
                                            survey_line("2026-000001"), "2026-000003,2026-01-01",
                                            survey_line("2026-000004", **{"2_1": ""})]), today=TODAY)
    assert not parsed.rejected and parsed.total_lines == 5
    assert [r.case_number for r in parsed.records] == ["2026-000001"]
    assert parsed.records[0].notes == {"1": "膝に痛み、歩行は杖"}
    messages = {e.line_no: e.message for e in parsed.errors}
    assert sorted(messages) == [3, 4, 5, 6]
    assert "「1-3 寝返り」" in messages[3] and messages[3].startswith("3行目: ")
    assert "2行目と重複" in messages[4]
    assert "項目数" in messages[5]
    assert "「2-1」の回答がありません" in messages[6]


def test_a_file_without_header_or_trailer_is_refused_whole():
    line = survey_line("2026-000001")
    assert parse_survey_file(f"{line}\n".encode(), today=TODAY).rejected
    assert parse_survey_file(f"{LAYOUT.header}\n{line}\n".encode(), today=TODAY).rejected


def test_import_keeps_good_records_lists_bad_lines_and_refuses_a_repeated_file(clerk, bodies, make_staff):
    good = assigned(clerk, body="D000000001")
    warned = assigned(clerk, body="D000000001")
    other_body = assigned(clerk)  # entrusted to the city, not to the body of the file
    entered = assigned(clerk, body="D000000001")
    survey_enter(actor=clerk, case_id=entered.pk, surveyed_on=TODAY, answers=answers(), notes={})
    data = LAYOUT.file([
        survey_line(good.number, body="D000000001", notes=("麻痺なし",) + ("",) * 6),
        survey_line("2099-999999", body="D000000001"),
        survey_line(other_body.number, body="D000000001"),
        survey_line(entered.number, body="D000000001"),
        survey_line(warned.number, body="D000000001", **{"1_7": "3", "7_1": "6"}),
        survey_line(good.number.replace("-", "-9")[:11], body="D000000001", **{"5_3": "7"}),
    ])
    result = survey_file_receive(data, file_name="chosa.csv", actor=clerk)
    assert (result.applied, result.rejected, result.warned) == (2, 4, 1)
    lines = {line.line_no: (line.rejected, line.message) for line in result.file.lines.all()}
    assert lines[3] == (True, "3行目: 案件番号に該当する案件がありません。")
    assert lines[4][0] and "この調査機関に依頼されていません" in lines[4][1]
    assert lines[5][0] and "入力済み" in lines[5][1]
    assert lines[6][0] is False and "歩行" in lines[6][1]
    assert lines[7][0] and "日常の意思決定" in lines[7][1]
    good.refresh_from_db()
    assert good.surveyed_on == TODAY and survey_facts(good.pk).notes == {"1": "麻痺なし"}
    assert SurveyRevision.objects.get(survey__case=good).source == "file"
    other_body.refresh_from_db()
    assert other_body.surveyed_on is None
    with pytest.raises(SurveyFileInvalid, match="受信済み"):
        survey_file_receive(data, file_name="chosa-again.csv", actor=clerk)
    assert SurveyFile.objects.count() == 1
    # a file refused whole is recorded with its reason, then refused again as received
    bad = b"\xef\xbb\xbf" + data
    with pytest.raises(SurveyFileInvalid, match="BOM"):
        survey_file_receive(bad, file_name="bom.csv", actor=clerk)
    assert SurveyFile.objects.get(file_name="bom.csv").refusal
    with pytest.raises(SurveyFileInvalid, match="受信済み"):
        survey_file_receive(bad, file_name="bom.csv", actor=clerk)


def test_import_refuses_cases_of_another_ward(clerk, make_staff):
    case = assigned(clerk)
    asao = make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.ASAO)
    result = survey_file_receive(LAYOUT.file([survey_line(case.number)]), file_name="a.csv", actor=asao)
    assert (result.applied, result.rejected) == (0, 1)
    assert "担当区外" in result.file.lines.get().message
    assert not Survey.objects.get(case=case).complete


# --- the screens -------------------------------------------------------------------------------------


def _entry_data(given: dict[str, str], **extra) -> dict:
    data = {"action": "enter", "entry-surveyed_on": TODAY.isoformat(), "entry-surveyor": "試験 調査員"}
    data.update({f"entry-a{code}": value for code, value in given.items()})
    data.update(extra)
    return data


def test_survey_screen_get_and_posts(client_as, make_staff, bodies):
    clerk = make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    case = new_case(clerk)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    url = f"/certification/cases/{case.pk}/survey/"
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200 and "まだ調査を依頼していません" in body and page_problems(body) == []
    log = AccessLogEntry.objects.filter(function="certification.survey.view").latest("pk")
    assert log.person_ids == [case.resident_id]
    # a new application to a care-management office: the form's error
    response = client.post(url, {"action": "assign", "assign-body": "1470000001",
                                 "assign-requested_on": TODAY.isoformat()})
    assert response.status_code == 400 and page_problems(response.content.decode()) == []
    assert "1470000001" not in response.content.decode()  # not even offered for a new application
    response = client.post(url, {"action": "assign", "assign-body": CITY, "assign-requested_on": TODAY.isoformat()})
    assert response.status_code == 302 and Survey.objects.filter(case=case).exists()
    response = client.post(url, {"action": "appoint", "appoint-on": TODAY.isoformat(), "appoint-at": "25:00",
                                 "appoint-place_kind": "home"})
    assert response.status_code == 400 and "23:59" in response.content.decode()
    response = client.post(url, {"action": "appoint", "appoint-on": TODAY.isoformat(), "appoint-at": "１０:３０",
                                 "appoint-place_kind": "home"})
    assert response.status_code == 302 and Survey.objects.get(case=case).appointment_at == time(10, 30)
    # an answer outside the options, then warnings to confirm, then saved
    response = client.post(url, _entry_data(answers(**{"1_3": "7"})))
    body = response.content.decode()
    assert response.status_code == 400 and "1-3 寝返り" in body and page_problems(body) == []
    response = client.post(url, _entry_data(answers(**{"1_7": "3", "7_1": "6"})))
    body = response.content.decode()
    assert response.status_code == 400 and "「歩行」が「できない」なのに" in body and page_problems(body) == []
    assert Survey.objects.get(case=case).revision == 0
    response = client.post(url, _entry_data(answers(**{"1_7": "3", "7_1": "6"}), **{"entry-warnings_confirmed": "on",
                                                                       "entry-note2": "移動は車いす自走"}))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.surveyed_on == TODAY and survey_facts(case.pk).notes == {"2": "移動は車いす自走"}
    body = client.get(url).content.decode()
    assert "全項目入力済" in body and "移動は車いす自走" in body and page_problems(body) == []


def test_survey_screen_refuses_another_ward_and_a_role_without_view(client_as, make_staff):
    clerk = make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    case = new_case(clerk)
    url = f"/certification/cases/{case.pk}/survey/"
    assert client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA).get(url).status_code == 403
    response = client_as(Role.CERTIFICATION_CLERK, organisation=Organisation.ASAO).post(
        url, {"action": "assign", "assign-body": CITY, "assign-requested_on": TODAY.isoformat()})
    assert response.status_code == 403 and not Survey.objects.filter(case=case).exists()


def test_import_screen_shows_the_rejected_lines(client_as, make_staff):
    clerk = make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    case = assigned(clerk)
    client = client_as(Role.HEAD_OFFICE_CLERK)
    response = client.get("/certification/survey-files/")
    assert response.status_code == 200 and page_problems(response.content.decode()) == []
    data = LAYOUT.file([survey_line(case.number), survey_line("2099-000001")])
    response = client.post("/certification/survey-files/", {"file": SimpleUploadedFile("chosa.csv", data)})
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "3行目: 案件番号に該当する案件がありません。" in body and page_problems(body) == []
    response = client.post("/certification/survey-files/", {"file": SimpleUploadedFile("again.csv", data)})
    body = response.content.decode()
    assert response.status_code == 400 and "受信済み" in body and page_problems(body) == []
    body = client.get("/certification/survey-files/").content.decode()
    assert "chosa.csv" in body and page_problems(body) == []
