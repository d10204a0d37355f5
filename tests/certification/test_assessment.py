"""The primary assessment (一次判定, DOMAIN.md 3.6): the level bands through level_for_minutes (省令
第58号, the 要支援2 / 要介護1 split), the development estimator (monotonic; worked examples computed by
hand from its documented weights), the national software's result file (good and bad lines, the
version stored), the export file, the refusals without survey or opinion, and the ward scope."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from certification.assessment.estimator import estimate
from certification.assessment.exchange import (
    EXPORT_HEADER,
    RESULT_HEADER,
    ExportCase,
    export_file,
    result_file_read,
)
from certification.assessment.models import PrimaryResult, ResultImport
from certification.assessment.port import (
    AREAS,
    ESTIMATOR_NOTICE,
    SURVEY_ITEMS,
    AdapterKind,
    AssessmentInput,
    item_group,
)
from certification.assessment.services import NO_OPINION, NO_SURVEY, assessment_import, primary_estimate
from certification.cases.models import Case
from certification.cases.services import CaseInvalid
from certification.opinion.rules import OpinionFacts
from certification.rules.cases import CaseState
from certification.rules.levels import Level, level_for_minutes
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from tests.certification.test_opinion import TODAY, open_case, received_case

L = Level

# 省令第58号 第1条・第2条 (DOMAIN.md 3.1): (minutes, unstable or cognitive decline, level)
BANDS = [
    (Decimal(0), False, L.NOT_APPLICABLE),
    (Decimal("24.9"), True, L.NOT_APPLICABLE),
    (Decimal(25), False, L.SUPPORT_1),
    (Decimal("31.9"), True, L.SUPPORT_1),  # the split is only in the band 32-50
    (Decimal(32), False, L.SUPPORT_2),
    (Decimal(32), True, L.CARE_1),
    (Decimal("49.9"), False, L.SUPPORT_2),
    (Decimal("49.9"), True, L.CARE_1),
    (Decimal(50), False, L.CARE_2),
    (Decimal(50), True, L.CARE_2),
    (Decimal("69.9"), False, L.CARE_2),
    (Decimal(70), False, L.CARE_3),
    (Decimal("89.9"), True, L.CARE_3),
    (Decimal(90), False, L.CARE_4),
    (Decimal("109.9"), False, L.CARE_4),
    (Decimal(110), False, L.CARE_5),
    (Decimal(250), True, L.CARE_5),
]


@pytest.mark.parametrize(("minutes", "split", "level"), BANDS)
def test_level_bands(minutes, split, level):
    assert level_for_minutes(minutes, unstable_or_cognitive=split) == level


def facts(rank="1", stability="stable") -> OpinionFacts:
    return OpinionFacts(rank, "ok", "independent", "able", "self", stability)


def uniform(s: float) -> dict[str, float]:
    """Every item of groups 1-6 answered with severity ``s``."""
    return {code: s for code in SURVEY_ITEMS if item_group(code) <= 6}


# Worked by hand from the estimator's weights (certification/assessment/estimator.py): with every
# answer at severity s, the base minutes sum to 9, groups 1-5 add 102·s, 医療関連 adds 6·min(12·s, 4);
# the 認知症加算 is 7 at Ⅲa-Ⅲb and 13 at Ⅳ-Ｍ.
ESTIMATES = [
    (0.0, facts(), Decimal("9.0"), L.NOT_APPLICABLE),
    (0.05, facts(), Decimal("17.7"), L.NOT_APPLICABLE),  # 9 + 5.1 + 3.6
    (0.1, facts(), Decimal("26.4"), L.SUPPORT_1),  # 9 + 10.2 + 7.2
    (0.15, facts(), Decimal("35.1"), L.SUPPORT_2),  # 9 + 15.3 + 10.8, stable, rank Ⅰ
    (0.15, facts(stability="unstable"), Decimal("35.1"), L.CARE_1),  # 状態の不安定
    (0.15, facts(rank="2a"), Decimal("35.1"), L.CARE_1),  # 認知機能の低下 (Ⅱ or above)
    (0.15, facts(stability="unknown"), Decimal("35.1"), L.SUPPORT_2),  # 不明 is not 不安定
    (0.15, facts(rank="3a"), Decimal("42.1"), L.CARE_1),  # + 7 認知症加算
    (0.2, facts(), Decimal("43.8"), L.SUPPORT_2),  # 9 + 20.4 + 14.4
    (0.25, facts(), Decimal("52.5"), L.CARE_2),  # 9 + 25.5 + 18
    (0.25, facts(rank="3b"), Decimal("59.5"), L.CARE_2),
    (0.5, facts(), Decimal("84.0"), L.CARE_3),  # 9 + 51 + 24 (医療関連 capped)
    (0.5, facts(rank="4"), Decimal("97.0"), L.CARE_4),  # + 13
    (0.6, facts(), Decimal("94.2"), L.CARE_4),
    (1.0, facts(), Decimal("135.0"), L.CARE_5),
]


@pytest.mark.parametrize(("s", "opinion", "total", "level"), ESTIMATES)
def test_estimator_worked_examples(s, opinion, total, level):
    result = estimate(AssessmentInput("2026-000001", uniform(s), opinion))
    assert (result.total, result.level) == (total, level)
    assert result.kind == AdapterKind.ESTIMATOR and result.warnings == ()
    assert result.total == sum(result.minutes.values()) + result.dementia_addition
    assert all(score == Decimal(100) * (1 - Decimal(str(s))) for score in result.group_scores.values())


def test_estimator_is_monotonic_in_every_answer():
    """A more dependent answer to any one item never gives fewer minutes in any 行為区分."""
    for base_level in (0.0, 0.3, 0.7):
        base = estimate(AssessmentInput("2026-000001", uniform(base_level), facts()))
        for code in (c for c in SURVEY_ITEMS if item_group(c) <= 6):
            more = estimate(AssessmentInput("2026-000001", {**uniform(base_level), code: 1.0}, facts()))
            assert all(more.minutes[a] >= base.minutes[a] for a in AREAS), code
            assert more.total >= base.total, code
    totals = [estimate(AssessmentInput("x", uniform(i / 20), facts())).total for i in range(21)]
    assert totals == sorted(totals) and totals[0] < totals[-1]
    ranks = [estimate(AssessmentInput("x", uniform(0.2), facts(rank=r))).total
             for r in ("0", "1", "2a", "2b", "3a", "3b", "4", "m")]
    assert ranks == sorted(ranks)


def test_estimator_refuses_unknown_items_and_severities_and_warns_of_missing_answers():
    with pytest.raises(ValueError):
        estimate(AssessmentInput("x", {"9-9": 0.5}, facts()))
    with pytest.raises(ValueError):
        estimate(AssessmentInput("x", {"1-3": 1.5}, facts()))
    partial = estimate(AssessmentInput("x", {"1-3": 1.0}, facts()))
    assert partial.warnings and "未入力" in partial.warnings[0]


# --- the national software's files ----------------------------------------------------------------


def result_line(number: str, *, level="22", total="55.0", version="V09.02", warnings="", **overrides) -> list[str]:
    """A result line: minutes 10+10+10+5+10+5+2+3 = 55.0, no 認知症加算, group scores 60."""
    values = {"minutes": ["10.0", "10.0", "10.0", "5.0", "10.0", "5.0", "2.0", "3.0"], "addition": "0.0",
              "groups": ["60.0"] * 5, **overrides}
    return [number, *values["minutes"], values["addition"], total, *values["groups"], level, version, warnings]


def result_file(*lines: list[str], header=RESULT_HEADER) -> bytes:
    return ("\r\n".join(",".join(line) for line in [list(header), *lines]) + "\r\n").encode("utf-8")


def test_result_file_good_and_bad_lines():
    data = result_file(
        result_line("2026-000001", warnings="A01;B2"),
        result_line("2026-000002", level="25"),  # 55 minutes is 要介護2
        result_line("2026-000003", total="60.0"),  # not the sum
        result_line("20260004"),
        result_line("2026-000001"),  # twice
        result_line("2026-000005", minutes=["x"] + ["1.0"] * 7),
        result_line("2026-000006", version=""),
        result_line("2026-000007", level="99"),
        ["2026-000008", "1.0"],
        result_line("2026-000009", level="13", total="40.0", minutes=["5.0"] * 8),  # 40: 要支援2 or 要介護1
        result_line("2026-000010", groups=["101.0"] * 5),
        result_line("2026-000011", minutes=["1.25"] + ["1.0"] * 7, total="8.25"),
    )
    read = result_file_read(data)
    assert sorted(read.results) == ["2026-000001", "2026-000009"]
    line, good = read.results["2026-000001"]
    assert line == 2 and good.software_version == "V09.02" and good.warnings == ("A01", "B2")
    assert good.total == Decimal("55.0") and good.level == "22" and good.minutes["meal"] == Decimal("10.0")
    reasons = {b.line: " ".join(b.reasons) for b in read.bad}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    assert "範囲と合いません" in reasons[3] and "合計と合いません" in reasons[4]
    assert "案件番号の形式" in reasons[5] and "2行目にも" in reasons[6] and "数値ではありません" in reasons[7]
    assert "ソフト版" in reasons[8] and "区分コード" in reasons[9] and "項目の数" in reasons[10]
    assert "0から100" in reasons[12] and "小数第1位" in reasons[13]


def test_result_file_refused_as_a_whole():
    from certification.assessment.exchange import FileRefused

    with pytest.raises(FileRefused, match="見出し"):
        result_file_read(result_file(result_line("2026-000001"), header=("案件番号", "食事")))
    with pytest.raises(FileRefused, match="UTF-8"):
        result_file_read("案件番号".encode("cp932"))


def test_export_file_names_a_case_by_its_number_only():
    data = export_file([ExportCase("2026-000123", date(2026, 4, 1), "new", False, {"1-1-1": "1", "7-2": "2a"},
                                   facts(rank="2b", stability="unstable"))])
    lines = data.decode("utf-8").split("\r\n")
    assert lines[0].split(",") == list(EXPORT_HEADER) and len(EXPORT_HEADER) == 4 + 76 + 6
    row = lines[1].split(",")
    assert row[:5] == ["2026-000123", "2026-04-01", "new", "0", "1"] and row[-6:] == [
        "2b", "ok", "independent", "able", "self", "unstable"]
    assert row[EXPORT_HEADER.index("7-2")] == "2a" and row[EXPORT_HEADER.index("1-3")] == ""


# --- the services (real PostgreSQL) ---------------------------------------------------------------


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)


@pytest.mark.django_db
def test_estimate_records_the_result_and_moves_the_case(clerk):
    case = received_case(clerk, stability="unstable")
    row = primary_estimate(actor=clerk, case_id=case.pk, severities=uniform(0.15))
    case.refresh_from_db()
    assert (row.kind, row.level, row.total, row.software_version) == ("estimator", L.CARE_1, Decimal("35.1"), "推計1.0")
    assert case.state == CaseState.ASSESSED and case.primary_level == L.CARE_1 and case.assessed_on is not None
    assert case.events.filter(move="assess").count() == 1
    again = primary_estimate(actor=clerk, case_id=case.pk, severities=uniform(0.6))  # a new result replaces it
    case.refresh_from_db()
    assert again.level == case.primary_level == L.CARE_4 and PrimaryResult.objects.filter(case=case).count() == 2
    from certification.assessment.selectors import latest_result

    shown = latest_result(case.pk)
    assert shown.pk == again.pk and shown.notice == ESTIMATOR_NOTICE and shown.level == "要介護4"


@pytest.mark.django_db
def test_no_result_without_the_survey_or_the_opinion(clerk):
    unsurveyed = received_case(clerk, surveyed=False)
    with pytest.raises(CaseInvalid) as refused:
        primary_estimate(actor=clerk, case_id=unsurveyed.pk, severities=uniform(0.2))
    assert refused.value.problems == [NO_SURVEY]
    bare = open_case(clerk, applied_on=TODAY - timedelta(days=3))
    Case.objects.filter(pk=bare.pk).update(state=CaseState.IN_PROGRESS, surveyed_on=TODAY)
    with pytest.raises(CaseInvalid) as refused:
        primary_estimate(actor=clerk, case_id=bare.pk, severities=uniform(0.2))
    assert refused.value.problems == [NO_OPINION]
    assert "主治医意見書を受領していない" in NO_OPINION and "認定調査が終わっていない" in NO_SURVEY
    assert not PrimaryResult.objects.exists()
    for case in (unsurveyed, bare):
        case.refresh_from_db()
        assert case.assessed_on is None and case.primary_level == ""


@pytest.mark.django_db
def test_estimate_refused_outside_role_and_ward(clerk, make_staff):
    case = received_case(clerk)
    for actor in (make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.ASAO), make_staff(Role.INQUIRY)):
        with pytest.raises(NotPermitted):
            primary_estimate(actor=actor, case_id=case.pk, severities=uniform(0.2))
    assert not PrimaryResult.objects.exists()


@pytest.mark.django_db
def test_estimate_reads_the_survey_when_no_severities_are_given(clerk, monkeypatch):
    from certification.assessment import services

    case = received_case(clerk)
    if not _survey_landed():
        with pytest.raises(CaseInvalid, match="認定調査の回答を読み込めません"):
            primary_estimate(actor=clerk, case_id=case.pk)
    monkeypatch.setattr(services, "survey_severities", lambda case_id: uniform(0.25))
    assert primary_estimate(actor=clerk, case_id=case.pk).total == Decimal("52.5")


def _survey_landed() -> bool:
    try:
        from certification.survey.selectors import survey_answers  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.django_db
def test_import_keeps_the_good_lines_lists_the_bad_and_stores_the_version(clerk, make_staff):
    ready = received_case(clerk)
    unsurveyed = received_case(clerk, surveyed=False)
    asao = make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.ASAO)
    data = result_file(result_line(ready.number, version="V09.02", warnings="W1"),
                       result_line(unsurveyed.number),
                       result_line("2026-999998"),
                       result_line(ready.number[:-1] + "x"))
    outcome = assessment_import(actor=clerk, data=data, file_name="kekka.csv")
    assert outcome.recorded == [ready.number]
    assert [(b.line, b.reasons) for b in outcome.bad] == [
        (3, (NO_SURVEY,)), (4, ("この案件番号の案件はありません。",)), (5, ("案件番号の形式が正しくありません。",))]
    row = PrimaryResult.objects.get(case=ready)
    assert (row.kind, row.software_version, row.level, row.warnings) == ("national", "V09.02", "22", ["W1"])
    assert row.imported_id == outcome.file.pk
    stored = ResultImport.objects.get(pk=outcome.file.pk)
    assert (stored.lines, stored.recorded, len(stored.bad_lines)) == (4, 1, 3)
    ready.refresh_from_db()
    assert ready.primary_level == "22" and ready.state == CaseState.ASSESSED
    # another ward's clerk: the lines of 中原区's cases are bad, nothing recorded
    again = assessment_import(actor=asao, data=result_file(result_line(unsurveyed.number)), file_name="k2.csv")
    assert again.recorded == [] and again.bad[0].reasons == ("担当区の外の案件です。",)
    with pytest.raises(NotPermitted):
        assessment_import(actor=make_staff(Role.INQUIRY), data=data, file_name="k3.csv")
    with pytest.raises(CaseInvalid, match="結果ファイルを読めません"):
        assessment_import(actor=clerk, data=b"\xff\xfe", file_name="k4.csv")


@pytest.mark.django_db
def test_exchange_screens_export_and_import(clerk, client_as, monkeypatch):
    from certification.assessment import selectors
    from audit.models import AccessLogEntry

    case = received_case(clerk)
    client = client_as(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    page = client.get("/certification/assessment/exchange/").content.decode()
    assert case.number in page
    monkeypatch.setattr(selectors, "survey_answers_of", lambda case_id: {"1-3": "2"})
    response = client.get("/certification/assessment/exchange/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert case.number in body and body.count("\r\n") == 2
    entry = AccessLogEntry.objects.filter(function="certification.assessment.export").latest("id")
    assert list(entry.person_ids) == [case.resident_id]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("kekka.csv", result_file(result_line(case.number), result_line("bad")))
    assert client.post("/certification/assessment/exchange/", {"file": upload}).status_code == 302
    page = client.get("/certification/assessment/exchange/").content.decode()
    assert "取り込めなかった行 1件" in page and "案件番号の形式" in page


@pytest.mark.django_db
def test_assessment_screen_labels_the_estimate_as_not_official(clerk, client_as, monkeypatch):
    from certification.assessment import services

    case = received_case(clerk)
    monkeypatch.setattr(services, "survey_severities", lambda case_id: uniform(0.25))
    client = client_as(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    url = f"/certification/cases/{case.pk}/assessment/"
    assert client.post(url, {"action": "estimate"}).status_code == 302
    body = client.get(url).content.decode()
    assert ESTIMATOR_NOTICE in body and "要介護2" in body and "52.5分" in body
    unsurveyed = received_case(clerk, surveyed=False)
    refused = client.post(f"/certification/cases/{unsurveyed.pk}/assessment/", {"action": "estimate"})
    assert refused.status_code == 400 and NO_SURVEY in refused.content.decode()
