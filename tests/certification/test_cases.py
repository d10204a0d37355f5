"""Certification cases: the state machine's table, taking each kind of application against the law's
windows (real PostgreSQL), papers registered on arrival, postponement, closing a case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction

from certification.cases.models import Case, CaseEvent, ReceivedPaper
from certification.cases.services import (
    Application,
    CaseInvalid,
    case_lock,
    case_move,
    case_open,
    case_postpone,
    case_withdraw,
    paper_cancel,
    paper_receive,
)
from certification.rules.cases import (
    TRANSITIONS,
    CaseKind,
    CaseState,
    Move,
    PaperKind,
    carry_over_last_day,
    decision_due,
    moves_from,
    next_state,
    papers_needed,
    renewal_window,
)
from eligibility.codes import InsuredClass, Ward
from eligibility.qualification.selectors import history_rows
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from tests.certification.factories import make_certification, make_insured

S, M = CaseState, Move

# Every transition of a case, from the process of DOMAIN.md 3.3 and 法 §27-§36 (worked by hand, not
# read from the table): (state, move, next state or None when refused).
TRANSITION_CASES = [
    (S.RECEIVED, M.REQUEST, S.IN_PROGRESS),
    (S.RECEIVED, M.CARRY_OVER, S.DECIDED),  # 法 §36: no survey, no board
    (S.RECEIVED, M.ASSESS, None),  # no primary assessment before the survey and the opinion
    (S.RECEIVED, M.SCHEDULE, None),
    (S.RECEIVED, M.DECIDE, None),
    (S.IN_PROGRESS, M.ASSESS, S.ASSESSED),
    (S.IN_PROGRESS, M.SCHEDULE, None),  # the board needs the primary result
    (S.IN_PROGRESS, M.DECIDE, None),
    (S.IN_PROGRESS, M.CARRY_OVER, None),
    (S.ASSESSED, M.ASSESS, S.ASSESSED),
    (S.ASSESSED, M.RESURVEY, S.IN_PROGRESS),
    (S.ASSESSED, M.SCHEDULE, S.SCHEDULED),
    (S.ASSESSED, M.REVIEW, None),  # no second assessment without a board session
    (S.ASSESSED, M.DECIDE, None),
    (S.SCHEDULED, M.UNSCHEDULE, S.ASSESSED),
    (S.SCHEDULED, M.REVIEW, S.REVIEWED),
    (S.SCHEDULED, M.DECIDE, None),
    (S.REVIEWED, M.REVIEW_UNDO, S.SCHEDULED),
    (S.REVIEWED, M.DECIDE, S.DECIDED),
    (S.REVIEWED, M.REQUEST, None),
    *[(state, M.WITHDRAW, S.WITHDRAWN) for state in (S.RECEIVED, S.IN_PROGRESS, S.ASSESSED, S.SCHEDULED, S.REVIEWED)],
    *[(state, M.END, S.ENDED) for state in (S.RECEIVED, S.IN_PROGRESS, S.ASSESSED, S.SCHEDULED, S.REVIEWED)],
    *[(state, M.DISMISS, S.DISMISSED) for state in (S.RECEIVED, S.IN_PROGRESS, S.ASSESSED, S.SCHEDULED, S.REVIEWED)],
    # a closed case never moves again
    *[(state, move, None) for state in (S.DECIDED, S.WITHDRAWN, S.ENDED, S.DISMISSED) for move in M.values],
]


@pytest.mark.parametrize(("state", "move", "expected"), TRANSITION_CASES)
def test_transition_table(state, move, expected):
    assert next_state(state, move) == expected


def test_the_table_has_no_transition_the_cases_do_not_name():
    named = {(s, m) for s, m, e in TRANSITION_CASES if e is not None}
    assert set(TRANSITIONS) == named
    assert moves_from(S.DECIDED) == []
    assert moves_from(S.SCHEDULED) == [M.UNSCHEDULE, M.REVIEW, M.WITHDRAW, M.END, M.DISMISS]


# 法 §27 第11項 (30 days, 民法 §140: the day of application not counted), 施行規則 第39条 (renewal
# from 60 days before the end), 法 §36 (14 days from the gain).
@pytest.mark.parametrize(("applied", "due"), [
    (date(2026, 4, 1), date(2026, 5, 1)),
    (date(2026, 1, 31), date(2026, 3, 2)),
    (date(2024, 2, 1), date(2024, 3, 2)),  # leap year: 29 days in February
    (date(2026, 12, 15), date(2027, 1, 14)),
])
def test_decision_due(applied, due):
    assert decision_due(applied) == due


@pytest.mark.parametrize(("valid_to", "first"), [
    (date(2026, 8, 31), date(2026, 7, 2)),
    (date(2027, 3, 31), date(2027, 1, 30)),
    (date(2028, 2, 29), date(2027, 12, 31)),
])
def test_renewal_window(valid_to, first):
    assert renewal_window(valid_to) == (first, valid_to)


@pytest.mark.parametrize(("gained", "last"), [
    (date(2026, 4, 1), date(2026, 4, 15)),
    (date(2026, 12, 20), date(2027, 1, 3)),
])
def test_carry_over_last_day(gained, last):
    assert carry_over_last_day(gained) == last


def test_papers_needed_by_kind():
    kinds = lambda kind, second=False: [p.kind for p in papers_needed(kind, second_class=second)]  # noqa: E731
    assert kinds(CaseKind.NEW) == [PaperKind.APPLICATION, PaperKind.INSURANCE_CARD, PaperKind.SURVEY, PaperKind.OPINION]
    assert kinds(CaseKind.NEW, True)[1] == PaperKind.MEDICAL_INSURANCE
    assert kinds(CaseKind.CARRY_OVER) == [PaperKind.APPLICATION, PaperKind.INSURANCE_CARD,
                                          PaperKind.ELIGIBILITY_CERTIFICATE]
    assert kinds(CaseKind.INSURER_CHANGE) == [PaperKind.SURVEY, PaperKind.OPINION]


# --- the services (real PostgreSQL) ---------------------------------------------------------------

TODAY = date.today()


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)


def _new(applied_on=TODAY, **kw):
    return Application(kind=kw.pop("kind", CaseKind.NEW), applied_on=applied_on, **kw)


@pytest.mark.django_db(transaction=True)
def test_new_application_opens_a_case_with_its_papers(clerk):
    person = make_insured()
    case = case_open(actor=clerk, resident_id=person.pk,
                     application=_new(papers=(PaperKind.APPLICATION, PaperKind.INSURANCE_CARD)))
    assert case.state == S.RECEIVED and case.ward == Ward.NAKAHARA and not case.second_class
    assert case.number.startswith(f"{TODAY.year}-")
    assert list(CaseEvent.objects.filter(case=case).values_list("move", "actor")) == [(M.RECEIVE, clerk.pk)]
    assert sorted(ReceivedPaper.objects.filter(case=case).values_list("kind", flat=True)) == [
        PaperKind.APPLICATION, PaperKind.INSURANCE_CARD]
    with pytest.raises(CaseInvalid, match="処理中の申請"):
        case_open(actor=clerk, resident_id=person.pk, application=_new())


@pytest.mark.django_db(transaction=True)
def test_refusals_name_the_rule(clerk):
    person = make_insured()
    with pytest.raises(CaseInvalid, match="未来"):
        case_open(actor=clerk, resident_id=person.pk, application=_new(TODAY + timedelta(days=1)))
    with pytest.raises(CaseInvalid, match="更新する認定がありません"):
        case_open(actor=clerk, resident_id=person.pk, application=_new(kind=CaseKind.RENEWAL))
    with pytest.raises(CaseInvalid, match="区分変更はできません"):
        case_open(actor=clerk, resident_id=person.pk, application=_new(kind=CaseKind.CHANGE))
    with pytest.raises(CaseInvalid, match="事業所・施設等の名称"):
        case_open(actor=clerk, resident_id=person.pk, application=_new(applicant_kind="care_manager"))
    assert not Case.objects.filter(resident=person).exists()


@pytest.mark.django_db(transaction=True)
def test_renewal_only_within_sixty_days_of_the_end(clerk):
    person = make_insured()
    end = TODAY + timedelta(days=61)
    make_certification(person, valid_from=TODAY - timedelta(days=300), valid_to=end, actor=clerk)
    with pytest.raises(CaseInvalid, match="60日前"):
        case_open(actor=clerk, resident_id=person.pk, application=_new(kind=CaseKind.RENEWAL))
    with pytest.raises(CaseInvalid, match="有効な認定があります"):
        case_open(actor=clerk, resident_id=person.pk, application=_new())
    other = make_insured()
    previous = make_certification(other, valid_from=TODAY - timedelta(days=300), valid_to=TODAY + timedelta(days=60),
                                  actor=clerk)
    case = case_open(actor=clerk, resident_id=other.pk, application=_new(kind=CaseKind.RENEWAL))
    assert case.previous_id == previous.pk


@pytest.mark.django_db(transaction=True)
def test_renewal_refused_after_qualification_ended(clerk):
    person = make_insured()
    make_certification(person, valid_from=TODAY - timedelta(days=300), valid_to=TODAY + timedelta(days=30),
                       actor=clerk)
    from eligibility.qualification.services import Context, requalify
    from eligibility.residents.models import Resident

    Resident.objects.filter(pk=person.pk).update(died_on=TODAY - timedelta(days=2), status="deceased")
    with transaction.atomic():
        requalify([person.pk], until=TODAY, context=Context(source="notification"))
    with pytest.raises(CaseInvalid, match="被保険者の資格がありません"):
        case_open(actor=clerk, resident_id=person.pk, application=_new(kind=CaseKind.RENEWAL))


@pytest.mark.django_db(transaction=True)
def test_second_class_applicant_needs_a_specified_disease_and_is_recorded(clerk):
    person = make_insured(born=date(TODAY.year - 55, 1, 10))
    assert not [r for r in history_rows(person.pk) if r.recorded_to is None]
    with pytest.raises(CaseInvalid, match="特定疾病"):
        case_open(actor=clerk, resident_id=person.pk, application=_new())
    assert not [r for r in history_rows(person.pk) if r.recorded_to is None]  # nothing half-written
    case = case_open(actor=clerk, resident_id=person.pk, application=_new(specified_disease="13"))
    assert case.second_class
    current = [r for r in history_rows(person.pk) if r.recorded_to is None]
    assert [(r.insured_class, r.start, r.gain_reason) for r in current] == [(InsuredClass.SECOND, TODAY, "04")]


@pytest.mark.django_db(transaction=True)
def test_carry_over_within_fourteen_days_of_moving_in(clerk):
    late = make_insured(moved_in_on=TODAY - timedelta(days=15))
    with pytest.raises(CaseInvalid, match="14日以内"):
        case_open(actor=clerk, resident_id=late.pk, application=_new(kind=CaseKind.CARRY_OVER))
    on_time = make_insured(moved_in_on=TODAY - timedelta(days=14))
    case = case_open(actor=clerk, resident_id=on_time.pk, application=_new(kind=CaseKind.CARRY_OVER))
    assert case.kind == CaseKind.CARRY_OVER
    never_moved = make_insured()
    with pytest.raises(CaseInvalid, match="転入により"):
        case_open(actor=clerk, resident_id=never_moved.pk, application=_new(kind=CaseKind.CARRY_OVER))


@pytest.mark.django_db(transaction=True)
def test_scope_other_ward_and_role(clerk, make_staff):
    person = make_insured(ward=Ward.ASAO)
    with pytest.raises(NotPermitted):
        case_open(actor=clerk, resident_id=person.pk, application=_new())
    ward_clerk = make_staff(Role.WARD_CLERK, organisation=Organisation.ASAO)
    with pytest.raises(NotPermitted):
        case_open(actor=ward_clerk, resident_id=person.pk, application=_new())
    head = make_staff(Role.HEAD_OFFICE_CLERK, organisation=Organisation.HEAD_OFFICE)
    assert case_open(actor=head, resident_id=person.pk, application=_new()).ward == Ward.ASAO


@pytest.mark.django_db(transaction=True)
def test_moves_are_recorded_and_refused_moves_change_nothing(clerk):
    person = make_insured()
    case = case_open(actor=clerk, resident_id=person.pk, application=_new())
    with transaction.atomic():
        case_move(case_lock(case.pk), M.REQUEST, actor=clerk)
    with pytest.raises(CaseInvalid, match="調査・意見書待ち"), transaction.atomic():
        case_move(case_lock(case.pk), M.DECIDE, actor=clerk)
    case.refresh_from_db()
    assert case.state == S.IN_PROGRESS
    assert list(case.events.order_by("id").values_list("move", "from_state", "to_state")) == [
        (M.RECEIVE, S.RECEIVED, S.RECEIVED), (M.REQUEST, S.RECEIVED, S.IN_PROGRESS)]
    withdrawn = case_withdraw(actor=clerk, case_id=case.pk, on=TODAY, reason="本人の希望")
    assert withdrawn.state == S.WITHDRAWN and withdrawn.closed_on == TODAY
    with pytest.raises(CaseInvalid, match="取下げ"):
        case_withdraw(actor=clerk, case_id=case.pk, on=TODAY, reason="二重")


@pytest.mark.django_db(transaction=True)
def test_case_events_are_append_only(clerk):
    from django.db import DatabaseError

    case = case_open(actor=clerk, resident_id=make_insured().pk, application=_new())
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(case=case).update(note="書換え")
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(case=case).delete()


@pytest.mark.django_db(transaction=True)
def test_postponement_needs_reason_and_a_day_after_the_thirty(clerk):
    applied = TODAY - timedelta(days=25)
    case = case_open(actor=clerk, resident_id=make_insured().pk, application=_new(applied))
    with pytest.raises(CaseInvalid, match="30日"):
        case_postpone(actor=clerk, case_id=case.pk, on=TODAY, reason="意見書の遅延", expected_by=decision_due(applied))
    with pytest.raises(CaseInvalid, match="理由"):
        case_postpone(actor=clerk, case_id=case.pk, on=TODAY, reason=" ", expected_by=TODAY + timedelta(days=20))
    done = case_postpone(actor=clerk, case_id=case.pk, on=TODAY, reason="主治医意見書の到着遅延",
                         expected_by=TODAY + timedelta(days=20))
    assert done.postponed_on == TODAY and done.expected_by == TODAY + timedelta(days=20)


@pytest.mark.django_db(transaction=True)
def test_papers_registered_and_cancelled_never_deleted(clerk):
    case = case_open(actor=clerk, resident_id=make_insured().pk, application=_new())
    with pytest.raises(CaseInvalid, match="未来"):
        paper_receive(actor=clerk, case_id=case.pk, kind=PaperKind.OPINION, received_on=TODAY + timedelta(days=1))
    paper = paper_receive(actor=clerk, case_id=case.pk, kind=PaperKind.OPINION, received_on=TODAY)
    assert paper.received_by_id == clerk.pk
    cancelled = paper_cancel(actor=clerk, paper_id=paper.pk, reason="別の方の書類")
    assert cancelled.cancelled_at is not None and ReceivedPaper.objects.filter(pk=paper.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_open_case_ends_when_the_person_dies(clerk):
    """法 §11: qualification is lost the day after death; the process ends with it (the consumer of
    eligibility's qualification event, run by the relay)."""
    from eligibility.qualification.services import Context, requalify
    from eligibility.residents.models import Resident
    from kaigo.outbox.services import relay

    person = make_insured()
    case = case_open(actor=clerk, resident_id=person.pk, application=_new(TODAY - timedelta(days=5)))
    died = TODAY - timedelta(days=1)
    Resident.objects.filter(pk=person.pk).update(died_on=died, status="deceased")
    with transaction.atomic():
        requalify([person.pk], until=TODAY, context=Context(source="notification"))
    relay()
    case.refresh_from_db()
    assert case.state == S.ENDED and case.closed_on == died + timedelta(days=1)
    assert "死亡" in case.close_reason
    assert case.events.order_by("-id").values_list("move", "actor").first() == (M.END, None)
