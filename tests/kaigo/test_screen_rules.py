"""Screens that speak the office's language (issue 16 item 7) and carry no inline code (issue 17
item 2): every page of the project, as every role, over a synthetic city with a year of business,
shows no internal code or English in its visible text, has the title 「画面名 | 介護保険システム」,
no reference to a missing id, no id twice and no inline script or style (tests/screens.py holds
the rules; docs/subsystems/shell.md, "Screen rules")."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from kaigo.staff.roles import Role
from tests.screens import ALLOWED_WORDS, all_url_patterns, filled_paths, page_problems

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 8)
FY = 2026


def city_paths() -> list[str]:
    """Every GET path of the project: the resident of the counter receipt, every other id parameter
    a record of the model it names (tests.screens.filled_paths: that resident's own where the model
    names residents, else the newest), the slugs given here."""
    from eligibility.qualification.models import Facility
    from premiums.collection.models import CounterReceipt, Payment

    receipt = CounterReceipt.objects.order_by("pk").first()
    resident = receipt.resident_id if receipt else Payment.objects.values_list("resident_id", flat=True).first()
    return filled_paths({
        "resident_id": resident,
        "code": Facility.objects.order_by("code").values_list("code", flat=True).first(),
        "kind": "decision",  # the issue of a notice: a POST only, its GET refused (405)
    })


@pytest.fixture
def city(make_staff):
    """A synthetic city with a year of business (levy, payments, arrears, reductions, batch runs),
    and what the year does not leave behind: a counter receipt, a registry file with a work item,
    an audit alert; and what the screens merged with them show: a move entered by hand, a
    facility of the master, an account request, a draft rate table, a held payment."""
    from audit.models import AuditAlert
    from premiums.arrears.selectors import overdue_persons
    from premiums.collection.selectors import balance_of
    from premiums.collection.services import counter_payment_record
    from tests.eligibility.factories import make_elderly
    from tests.eligibility.test_work_queue import queued_past_move_out

    clerk, _ = make_staff(Role.HEAD_OFFICE_CLERK), make_staff(Role.SECTION_CHIEF)
    call_command("generate_city", "--residents", "300", "--seed", "5", "--business-to", DAY.isoformat(),
                 stdout=StringIO())
    # a person with an open bill: overdue on DAY, else (a city whose payments left none overdue yet) by
    # the year's end, when every open bill is past its 納期限
    debtor = (overdue_persons(DAY) or overdue_persons(date(FY + 1, 3, 31)))[0]
    bill = next(r for r in balance_of(debtor, FY).rows if r.method == "billing" and r.open)
    counter_payment_record(actor=clerk, resident_id=debtor, keys=[(FY, bill.method, bill.month)], amount=1_000,
                           paid_on=min(DAY, date.today()))
    queued_past_move_out(make_elderly())
    AuditAlert.objects.create(kind="chain_broken", fingerprint="access:altered:3:3", detail="アクセス記録: 行の変更。")
    _merged_screens_records(clerk, make_staff)


def _merged_screens_records(clerk, make_staff):
    from datetime import timedelta

    from eligibility.intake.rules import MoveInput
    from eligibility.intake.services import manual_move_record
    from eligibility.qualification.rules import FacilityInput
    from eligibility.qualification.services import facility_create
    from kaigo.staff.roles import Organisation
    from kaigo.staff.services import account_request_create
    from premiums.intake.payment_feed.format import LAYOUT, payment_number
    from premiums.intake.services import payment_file_receive
    from premiums.models import Levy, PremiumRateTable
    from premiums.rates.services import rate_table_draft
    from tests.eligibility.factories import make_elderly
    from tests.premiums.test_bad_files import payment_line

    manual_move_record(actor=clerk, resident_id=make_elderly().pk,
                       move=MoveInput("abroad", date.today() - timedelta(days=7)))
    facility_create(actor=clerk, facility=FacilityInput("FS00000001", "試験施設", "other", "141305"))
    account_request_create(actor=clerk, kind="create", reason="採用", username="newcomer01", display_name="新人",
                           organisation=Organisation.NAKAHARA, role=Role.INQUIRY)
    source = PremiumRateTable.objects.filter(created_by__isnull=True).order_by("valid_from").first()
    rate_table_draft(actor=clerk, valid_from=2030, valid_to=2032, name="第11期 保険料率表（案）", from_table_id=source.pk)
    levy = Levy.objects.filter(fiscal_year=FY, recorded_to__isnull=True, installments__method="billing",
                               installments__number=1).order_by("pk").first()
    payment_file_receive(LAYOUT.file([payment_line("S1", payment_number(FY, levy.notice_number, 1), 999_999_999)]),
                         file_name="s.csv", today=min(DAY, date.today()))
    from tests.certification.board_world import board_session, scheduled_case

    session = board_session(clerk)  # a session of the review board with a case on its list
    scheduled_case(clerk, make_elderly().pk, session)
    _certification_records(clerk)
    _regional_records(clerk)
    _restriction_records(clerk)
    _benefit_records(clerk)
    _limit_records(clerk)


def _limit_records(clerk):
    """A facility cost limit certified (第2段階) for a certified person with their tax facts, and an
    application not decided yet (the person page, the certificate, the decision's URL)."""
    from datetime import timedelta

    from benefits.limits.services import LimitEntry, limit_apply, limit_decide
    from benefits.rules.limits import tax_year_of, validity
    from tests.certification.factories import make_certification
    from tests.eligibility.factories import make_elderly
    from tests.premiums.factories import make_tax_fact

    day = min(DAY, date.today())
    person = make_elderly()
    make_certification(person, valid_from=day - timedelta(days=30), valid_to=day + timedelta(days=300), actor=clerk)
    make_tax_fact(person, tax_year_of(validity(day)[0]))
    entry = LimitEntry(received_on=day, service="welfare", assets=1_000_000)
    limit_decide(actor=clerk, today=day, application_id=limit_apply(actor=clerk, resident_id=person.pk, entry=entry,
                                                                    today=day).pk)
    limit_apply(actor=clerk, resident_id=person.pk, entry=entry, today=day)


def _restriction_records(clerk):
    """A benefit restriction (給付制限) in force, for the crawl."""
    from eligibility.codes import Ward
    from tests.benefits.world import noticed_restriction

    noticed_restriction(Ward.NAKAHARA, clerk, decided=True)  # a benefit restriction (給付制限) in force


def _regional_records(clerk):
    """Regional support's records of the crawl: a checklist and a 事業対象者 decided from it (the
    person page with its answers, the decision and end forms' URLs)."""
    from benefits.regional.services import ChecklistEntry, checklist_enter, participant_decide
    from benefits.rules.checklist import ASKED
    from tests.eligibility.factories import make_elderly

    day = min(DAY, date.today())
    checklist = checklist_enter(actor=clerk, resident_id=make_elderly().pk, today=day, entry=ChecklistEntry(
        day, "center", {n: 1 for n in ASKED}, height_cm=155, weight_kg=50))
    participant_decide(actor=clerk, checklist_id=checklist.pk, today=day)


def _benefit_records(clerk):
    """A benefit-record file from the federation with records of a certified person and a refused line."""
    from benefits.records.format import LAYOUT
    from benefits.records.services import records_file_receive
    from kaigo.errors import ApplicationError
    from linkage.kokuhoren.simulator import certified_people, simulate_records

    month = date(2026, 10, 1)
    made = simulate_records(certified_people(month)[:5], service_month=month, seed=1, unknown=1, bad_lines=1)
    records_file_receive(made.data, file_name="kyufu.csv", month=made.month, actor=clerk)
    try:  # a file refused whole (its trailer lost): listed with its reason
        records_file_receive(LAYOUT.file([])[:-len("トレーラ,0,0\n".encode())], file_name="cut.csv",
                             month=made.month, actor=clerk)
    except ApplicationError:
        pass


def _certification_records(clerk):
    """Certification's records of the crawl: a case with its opinion received and the development
    estimator's result (its notice on the page), a late opinion on the reminder list, a result file
    imported with a bad line, a survey partly entered with a warning to confirm and a survey file with
    a rejected line, a decided case with its board's result; and an open case of the counter receipt's
    resident with a paper received (unless that resident has one already)."""
    from datetime import timedelta

    from certification.assessment.services import assessment_import, primary_estimate
    from certification.opinion.services import opinion_request, opinions_mark_late
    from tests.certification.test_assessment import result_file, result_line, uniform
    from tests.certification.test_opinion import make_doctor, open_case, received_case

    case = received_case(clerk)
    primary_estimate(actor=clerk, case_id=case.pk, severities=uniform(0.2))
    late = open_case(clerk, applied_on=date.today() - timedelta(days=20))
    opinion_request(actor=clerk, case_id=late.pk, doctor_id=make_doctor(clerk, code="1419999999").pk,
                    requested_on=late.applied_on)
    opinions_mark_late()
    assessment_import(actor=clerk, data=result_file(result_line(case.number), result_line("x")), file_name="kekka.csv")
    # and a new application with its survey asked for and partly entered with a warning to confirm, and a
    # survey file with a rejected line
    from certification.cases.services import Application, case_open
    from certification.survey.format import LAYOUT as SURVEY_LAYOUT
    from certification.survey.services import survey_assign, survey_enter, survey_file_receive
    from tests.certification.factories import make_insured
    from tests.certification.test_survey import city_body, survey_line

    city_body()
    case = case_open(actor=clerk, resident_id=make_insured().pk,
                     application=Application(kind="new", applied_on=date.today()))
    survey_assign(actor=clerk, case_id=case.pk, body_code="0000000000", requested_on=date.today())
    survey_enter(actor=clerk, case_id=case.pk, surveyed_on=date.today(), answers={"1-3": "3", "1-10": "1"},
                 notes={"1": "寝返りは介助"}, warnings_confirmed=True)
    survey_file_receive(SURVEY_LAYOUT.file([survey_line("2099-000001")]), file_name="s.csv", actor=clerk)
    # certification's decision page: a case decided with its board's result and designated services
    from certification.decisions.services import board_result_enter, decision_decide
    from tests.certification.factories import make_insured
    from tests.certification.test_decisions import entry, scheduled

    case = scheduled(clerk, make_insured())
    board_result_enter(actor=clerk, case_id=case.pk, entry=entry(board_opinion="試験の意見",
                                                                 designated_services=("day_care",)))
    decision_decide(actor=clerk, case_id=case.pk)

    from certification.cases.models import Case
    from certification.cases.services import Application, case_open, current_certification
    from premiums.collection.models import CounterReceipt

    resident, day = CounterReceipt.objects.order_by("pk").first().resident_id, min(DAY, date.today())
    if Case.objects.filter(resident_id=resident).exists():
        return
    kind = "change" if current_certification(resident, day) else "new"
    case_open(actor=clerk, resident_id=resident, application=Application(kind, day, papers=("application",)))


def test_the_rules_find_what_they_look_for():
    """Each rule of page_problems catches its case (so that a clean crawl means something)."""
    page = ('<!doctype html><html><head><title>{title}</title></head><body>'
            '<main id="main"><input id="a" aria-describedby="a_error"><p>{text}</p><p id="a"></p>'
            '<span translate="no">staff0001</span></main></body></html>')
    clean = page.format(title="宛名検索 | 介護保険システム", text="令和8（2026）年4月1日 PDF")
    assert page_problems(clean.replace(' aria-describedby="a_error"', "").replace('<p id="a"></p>', "")) == []
    text = "person.view</p><p>kana_surname,birth_date</p><p>head</p><p>{'fiscal_year': 2026}</p><p>12:00 UTC"
    found = "\n".join(page_problems(page.format(title="宛名検索", text=text)))
    for expected in ("title '宛名検索'", "'a_error'", "id 'a' used twice", "'person.view'", "'kana_surname'",
                     "'head'", "a Python dict", "UTC"):
        assert expected in found, found
    assert "inline <script>" in "\n".join(page_problems('<script>alert(1)</script>'))
    assert "style= attribute" in "\n".join(page_problems('<p style="color:red">'))
    assert "on*= attribute" in "\n".join(page_problems('<button onclick="x()">'))
    assert "staff0001" not in found and "PDF" not in found and set(ALLOWED_WORDS) >= {"PDF"}


def test_every_page_as_every_role_speaks_the_offices_language(city, client_as):
    paths = [p for p in city_paths() if not p.endswith(".pdf") and not p.startswith(("/api/", "/logout"))]
    screens = {pattern for pattern, _ in all_url_patterns()
               if not pattern.endswith(".pdf") and not pattern.startswith(("api/", "logout"))}
    assert len(paths) == len(screens), sorted(screens)  # every screen's pattern, filled from the city
    problems, pages = [], 0
    for role in Role:
        client = client_as(role)
        for path in paths:
            response = client.get(path)
            assert response.status_code != 500, f"{path} as {role}: 500"
            if "text/html" not in response.get("Content-Type", "") or response.status_code in (301, 302):
                continue
            pages += 1
            problems += [f"{path} as {role.value}: {p}" for p in page_problems(response.content.decode())]
    pages += 1
    problems += [f"/no-such-page/: {p}" for p in page_problems(client.get("/no-such-page/").content.decode())]
    client.logout()
    pages += 1
    problems += [f"/login/ signed out: {p}" for p in page_problems(client.get("/login/").content.decode())]
    assert pages > 100
    assert not problems, f"{len(problems)} problems on {pages} pages:\n" + "\n".join(sorted(set(problems)))


# --- the crawl's records, found by the parameter's name (issue 18 item 10) ------------------------


@pytest.mark.parametrize(("name", "view", "model"), [
    ("case_id", "certification.cases.views", "certification.cases.models.Case"),
    ("resident_id", "premiums.tab.views", "eligibility.residents.models.Resident"),
    ("issue_id", "eligibility.cards.views", "eligibility.cards.models.CardIssue"),  # the name ends with the stem
    ("run_id", "eligibility.cards.views", "kaigo.batches.models.BatchRun"),  # another app's model
    ("file_id", "eligibility.qualification.views", "eligibility.intake.models.RegistryFile"),  # the app's own first
    ("table_id", "premiums.rates.views", "premiums.rates.models.PremiumRateTable"),
    ("nothing_id", "premiums.rates.views", None),
])
def test_a_url_parameter_names_its_model(name, view, model):
    from tests.screens import parameter_model

    found = parameter_model(name, view)
    assert (f"{found.__module__}.{found.__name__}" if found else None) == model


def test_a_parameter_two_models_of_one_app_match_is_an_error():
    from tests.screens import parameter_model

    with pytest.raises(LookupError, match="several models match"):
        parameter_model("file_id", "premiums.views")  # InboundFile, BankTransferFile


def test_the_row_is_the_residents_own_where_the_model_names_residents(make_staff):
    from certification.cases.models import Case
    from eligibility.residents.models import Resident
    from tests.certification.factories import make_certification
    from tests.eligibility.factories import make_resident
    from tests.screens import parameter_row

    staff = make_staff(Role.CERTIFICATION_CLERK)
    mine, other = make_resident(), make_resident()
    own = make_certification(mine, valid_from=date(2026, 4, 1), valid_to=date(2027, 3, 31), actor=staff).case
    newest = make_certification(other, valid_from=date(2026, 4, 1), valid_to=date(2027, 3, 31), actor=staff).case
    assert parameter_row(Case, mine.pk, resident_model=Resident) == own.pk
    assert parameter_row(Case, None, resident_model=Resident) == newest.pk
    assert parameter_row(Resident, mine.pk, resident_model=Resident) == mine.pk


# --- dates in every search form (issue 17 item 2) ------------------------------------------------

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
BAD_DATES = [
    pytest.param("9999-12-31", "1873年1月1日から2100年12月31日までの範囲", id="year-9999"),
    pytest.param("2026-02-30", "日付を正しく入力してください", id="february-30"),
    pytest.param("0000-01-01", "日付を正しく入力してください", id="year-0"),
    pytest.param("1800-01-01", "1873年1月1日から2100年12月31日までの範囲", id="before-1873"),
    pytest.param("2101-01-01", "1873年1月1日から2100年12月31日までの範囲", id="after-2100"),
    pytest.param("２０２６-０２-３０", "日付を正しく入力してください", id="february-30-full-width"),
    pytest.param("2026-04-01".translate(ARABIC_INDIC), "他の文字体系の数字は使えません", id="arabic-indic"),
]
# (form, role, method, path ({resident}: a resident), data with the bad date as {date})
SEARCH_FORMS = [
    pytest.param(Role.AUDITOR, "get", "/audit/", {"date_from": "{date}"}, id="access-log-from"),
    pytest.param(Role.AUDITOR, "get", "/audit/", {"date_to": "{date}"}, id="access-log-to"),
    pytest.param(Role.WARD_CLERK, "post", "/persons/", {"kana_surname": "ヤマダ", "birth_date": "{date}"},
                 id="person-search"),
    pytest.param(Role.WARD_CLERK, "get", "/persons/{resident}/qualification/", {"known_at": "{date}"},
                 id="qualification-known-at"),
    pytest.param(Role.WARD_CLERK, "get", "/persons/{resident}/qualification/", {"true_on": "{date}"},
                 id="qualification-true-on"),
    pytest.param(Role.OPERATOR, "post", "/batches/start/",
                 {"kind": "premiums.main_levy", "fiscal_year": "2026", "business_date": "{date}"}, id="batch-start"),
]


@pytest.mark.parametrize(("role", "method", "path", "data"), SEARCH_FORMS)
@pytest.mark.parametrize(("bad", "message"), BAD_DATES)
def test_a_bad_date_in_a_search_form_is_the_forms_error_never_a_500(client_as, role, method, path, data, bad,
                                                                     message):
    from tests.eligibility.factories import make_elderly

    resident = make_elderly()
    client = client_as(role)
    url = path.format(resident=resident.pk)
    sent = {k: v.format(date=bad) for k, v in data.items()}
    response = getattr(client, method)(url, sent)
    body = response.content.decode()
    assert response.status_code in (200, 400), response.status_code
    assert message in body
    assert 'class="error-summary" role="alert"' in body  # at the top of the form, with the focus (kaigo.js)
    assert bad not in body.split('class="error-summary"', 1)[1].split("</div>", 1)[0]  # never echoed
    # with errors shown, every aria-describedby still names an element of the page, and the rest holds
    assert page_problems(body) == []


@pytest.mark.parametrize(("role", "path"), [
    pytest.param(Role.HEAD_OFFICE_CLERK, "/premiums/arrears/?page=99999999999999999999", id="arrears-page"),
    pytest.param(Role.WARD_CLERK, "/persons/{resident}/premiums/?year=²", id="premium-tab-superscript-year"),
    pytest.param(Role.WARD_CLERK, "/persons/{resident}/premiums/?year=99999999999999999999", id="premium-tab-year"),
    pytest.param(Role.AUDITOR, "/audit/?person=99999999999999999999", id="access-log-person"),
    pytest.param(Role.SECTION_CHIEF, "/certification/dashboard/?ward=%E2%91%A0", id="dashboard-ward"),
])
def test_out_of_range_numbers_in_a_query_are_not_a_500(client_as, role, path):
    from tests.eligibility.factories import make_elderly

    response = client_as(role).get(path.format(resident=make_elderly().pk))
    assert response.status_code in (200, 400)


# --- every form's error summary (issue 16 item 7) -------------------------------------------------

# (path ({resident}: a levied resident, {staff}: another staff member), data sent) of every form a
# clerk fills in; an empty or wrong form must answer with the summary at the top, its links
# pointing at fields of the page.
FORMS = [
    pytest.param("/persons/", {}, id="person-search"),
    pytest.param("/persons/{resident}/qualification/notify/", {"on": "2026-02-30"}, id="notification"),
    pytest.param("/persons/{resident}/premiums/payment/", {"amount": "abc", "action": "record"}, id="counter-payment"),
    pytest.param("/persons/{resident}/premiums/reduction/", {"fiscal_year": "２０２６", "applied_on": "9999-12-31"},
                 id="reduction-apply"),
    pytest.param("/premiums/simulator/", {"fiscal_year": "1999"}, id="simulator"),
    pytest.param("/batches/start/", {"kind": "premiums.main_levy", "business_date": "2026-02-30"}, id="batch-start"),
    pytest.param("/staff/password/", {"old_password": "x"}, id="password-change"),
    pytest.param("/staff/{staff}/grant/", {"role": "nothing"}, id="role-grant"),
    pytest.param("/eligibility/facilities/new/", {"municipality": "１４１"}, id="facility-new"),
    pytest.param("/persons/{resident}/qualification/moves/", {"moved_on": "2026-02-30"}, id="manual-move"),
    pytest.param("/staff/requests/new/", {"role": "nothing"}, id="account-request"),
    pytest.param("/staff/requests/disable/", {}, id="account-disable-request"),
    pytest.param("/premiums/rates/new/", {"valid_from": "abc"}, id="rate-table-new"),
    pytest.param("/certification/board/", {"action": "session", "session-held_on": "2026-02-30"}, id="board-session"),
    pytest.param("/certification/board/", {"action": "member", "member-term_start": "abc"}, id="board-member"),
    pytest.param("/certification/board/", {"action": "panel", "panel-size": "２"}, id="board-panel"),
    pytest.param("/certification/opinions/doctors/", {"institution_code": "１２３"}, id="doctor-new"),
    pytest.param("/certification/assessment/exchange/", {}, id="assessment-result-import"),
    pytest.param("/certification/persons/{resident}/new/", {"applied_on": "2026-02-30"}, id="certification-intake"),
]


@pytest.mark.parametrize(("path", "data"), FORMS)
def test_every_form_answers_a_mistake_with_the_summary_at_the_top(client_as, make_staff, path, data):
    from tests.premiums.test_premium_tab import levied_person

    resident = levied_person()
    client = client_as(Role.HEAD_OFFICE_CLERK, Role.SECTION_CHIEF, Role.OPERATOR)
    response = client.post(path.format(resident=resident.pk, staff=make_staff(Role.INQUIRY).pk), data)
    body = response.content.decode()
    assert response.status_code in (200, 400), response.status_code
    assert '<div class="error-summary" role="alert" tabindex="-1"' in body
    summary = body.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "入力内容を確認してください" in summary and "<li>" in summary
    at = body.index('class="error-summary"')
    assert "<label" not in body[body.rfind("<form", 0, at):at]  # before the form's first field
    assert page_problems(body) == []


# --- the fields of typed numbers and dates (kaigo.forms) -----------------------------------------

@pytest.mark.parametrize(("raw", "value"), [
    pytest.param("1873-01-01", date(1873, 1, 1), id="first-day"),
    pytest.param("2100-12-31", date(2100, 12, 31), id="last-day"),
    pytest.param("１８７２-１２-３１", None, id="day-before-full-width"),
    pytest.param("2101-01-01", None, id="day-after"),
    pytest.param(" 2026-04-01 ", date(2026, 4, 1), id="spaces"),
])
def test_the_date_field_takes_1873_to_2100(raw, value):
    from django import forms

    from kaigo.forms import DATE_RANGE_MESSAGE, DigitsDateField

    field = DigitsDateField(required=False)
    if value is not None:
        assert field.clean(raw) == value
        return
    with pytest.raises(forms.ValidationError) as refused:
        field.clean(raw)
    assert refused.value.messages == [DATE_RANGE_MESSAGE]


@pytest.mark.parametrize(("field", "raw", "value"), [
    pytest.param("decimal", "０.５", "0.5", id="decimal-full-width"),
    pytest.param("integer", "１２，０００", None, id="full-width-comma-refused"),
    pytest.param("integer", "１２０００", 12_000, id="integer-full-width"),
])
def test_numbers_take_full_width_digits(field, raw, value):
    from decimal import Decimal

    from django import forms

    from kaigo.forms import DigitsDecimalField, DigitsIntegerField

    f = DigitsDecimalField() if field == "decimal" else DigitsIntegerField()
    assert 'inputmode="' in str(f.widget.render("x", "")) and 'type="text"' in str(f.widget.render("x", ""))
    if value is None:
        with pytest.raises(forms.ValidationError):
            f.clean(raw)
    else:
        assert f.clean(raw) == (Decimal(value) if field == "decimal" else value)


@pytest.mark.parametrize(("kind", "params", "shown"), [
    pytest.param("premiums.main_levy", {"fiscal_year": 2026, "business_date": "2026-07-01", "persons_per_chunk": None},
                 [("年度", "2026"), ("処理基準日（空欄は本日）", "令和8（2026）年7月1日"), ("チャンクの人数", "指定なし")],
                 id="labelled-dates-in-wareki"),
    pytest.param("premiums.main_levy", {"fiscal_year": 2026, "retired": True},
                 [("年度", "2026"), ("処理基準日（空欄は本日）", "指定なし"), ("チャンクの人数", "指定なし"),
                  ("その他の指定", "はい")], id="an-undeclared-parameter"),
    pytest.param("premiums.main_levy", {"fiscal_year": 2026, "at": "2026-12-08T00:21:31.060656+00:00"},
                 [("年度", "2026"), ("処理基準日（空欄は本日）", "指定なし"), ("チャンクの人数", "指定なし"),
                  ("その他の指定", "2026-12-08 09:21")], id="a-time-in-the-offices-zone"),
])
def test_batch_parameters_are_shown_by_their_labels(kind, params, shown):
    from kaigo.batches.registry import params_shown

    assert sorted(params_shown(kind, params)) == sorted(shown)
