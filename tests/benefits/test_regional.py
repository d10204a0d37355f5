"""Regional support's workflow (real PostgreSQL): a basic checklist entered for a person, the
decision that makes them a project participant (事業対象者), its end; who may do which (role and
ward, in the services), every refusal listed in Japanese with nothing written, the trail and the
outbox events. Persons are made up (tests.eligibility.factories)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from benefits.regional.models import Checklist, Participant, ParticipantEnd
from benefits.regional.selectors import participant_on, participant_rows, participants_in_force
from benefits.regional.services import (
    ChecklistEntry,
    RegionalInvalid,
    checklist_enter,
    participant_decide,
    participant_end,
)
from benefits.rules.checklist import ASKED, ITEMS
from benefits.trail import ChecklistEvent, ParticipantEvent
from kaigo.errors import NotPermitted
from kaigo.outbox.models import OutboxEvent
from kaigo.staff.roles import Organisation, Role
from tests.certification.factories import make_certification, make_insured

pytestmark = pytest.mark.django_db
TODAY = date.today()
RISK = {i.number: i.risk_answer for i in ITEMS}


def answers(*risky: int) -> dict[int, int]:
    """Answers to the 24 asked questions with ``risky`` 該当 (問12 is not asked)."""
    return {n: RISK[n] if n in risky else 1 - RISK[n] for n in ASKED}


def entry(*risky: int, checked_on=None, height="160.0", weight="55.0", place="counter", **over) -> ChecklistEntry:
    values = answers(*risky)
    values.update(over.pop("answers", {}))
    return ChecklistEntry(checked_on=checked_on or TODAY - timedelta(days=3), place=place, answers=values,
                          height_cm=Decimal(height) if height else None, weight_kg=Decimal(weight) if weight else None)


@pytest.fixture
def ward_clerk(make_staff):
    return make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)


@pytest.fixture
def decider(make_staff):
    return make_staff(Role.HEAD_OFFICE_CLERK)


def test_a_checklist_is_stored_with_no12_from_the_bmi_and_the_criteria_it_meets(ward_clerk):
    person = make_insured()
    checklist = checklist_enter(actor=ward_clerk, resident_id=person.pk,
                                entry=entry(11, 16, height="160.0", weight="47.3"))
    checklist.refresh_from_db()
    assert checklist.answers[11] == "1" and checklist.answers[10] == "1"  # 問12: BMI 18.47 < 18.5
    assert checklist.answers[15] == "0"  # 問16 answered 「いいえ」: 該当
    assert checklist.matched == ["nutrition", "housebound"]
    assert checklist.entered_by == ward_clerk and checklist.entered_at is not None
    assert ChecklistEvent.objects.filter(pgh_obj_id=checklist.pk, pgh_label="insert").count() == 1


def test_every_problem_is_listed_and_nothing_is_written(ward_clerk):
    person = make_insured()
    bad = entry(6, checked_on=TODAY + timedelta(days=1), weight=None, answers={3: 2, 25: None})
    with pytest.raises(RegionalInvalid) as refused:
        checklist_enter(actor=ward_clerk, resident_id=person.pk, entry=bad)
    assert refused.value.problems == [
        "問3の回答は「はい」（1）か「いいえ」（0）で入力してください。",
        "問25の回答がありません。「はい」か「いいえ」を選んでください。",
        "問12の体重を入力してください（BMIの計算に使います）。",
        "実施日に未来の日付は入力できません。",
    ]
    assert not Checklist.objects.filter(resident_id=person.pk).exists()


def test_not_first_class_and_certified_care_are_refused_support_is_not(ward_clerk, decider):
    second = make_insured(born=date(TODAY.year - 50, 5, 10))  # 50: second class (or none), never first
    with pytest.raises(RegionalInvalid) as refused:
        checklist_enter(actor=ward_clerk, resident_id=second.pk, entry=entry(16))
    assert refused.value.problems == [
        "実施日に第1号被保険者（65歳以上）ではありません。基本チェックリストによる事業対象者は第1号被保険者だけです"
        "（第2号被保険者は要介護・要支援認定を申請してください）。"]

    care = make_insured()
    make_certification(care, level="21", valid_from=TODAY - timedelta(days=100), valid_to=TODAY + timedelta(days=100),
                       actor=decider)
    with pytest.raises(RegionalInvalid) as refused:
        checklist_enter(actor=ward_clerk, resident_id=care.pk, entry=entry(16))
    assert refused.value.problems[0].startswith("実施日に要介護認定の有効期間中です。")

    support = make_insured()
    make_certification(support, level="12", valid_from=TODAY - timedelta(days=100), valid_to=TODAY + timedelta(days=9),
                       actor=decider)
    checklist = checklist_enter(actor=ward_clerk, resident_id=support.pk, entry=entry(16))
    # the status cannot start inside the 要支援 validity ...
    with pytest.raises(RegionalInvalid) as refused:
        participant_decide(actor=decider, checklist_id=checklist.pk)
    assert refused.value.problems[0].startswith("適用開始日に要支援認定の有効期間中です。")
    # ... but from the day after it ends
    participant = participant_decide(actor=decider, checklist_id=checklist.pk, valid_from=TODAY + timedelta(days=10))
    assert participant.valid_from == TODAY + timedelta(days=10)


@pytest.mark.parametrize(("role", "organisation"), [
    (Role.WARD_CLERK, Organisation.TAMA),  # another ward
    (Role.INQUIRY, Organisation.NAKAHARA),  # sees, never writes
    (Role.SECTION_CHIEF, Organisation.HEAD_OFFICE),  # decides, does not enter
])
def test_who_may_not_enter(make_staff, role, organisation):
    person = make_insured()
    with pytest.raises(NotPermitted):
        checklist_enter(actor=make_staff(role, organisation=organisation), resident_id=person.pk, entry=entry(16))
    assert not Checklist.objects.filter(resident_id=person.pk).exists()


def test_decision_by_a_named_decider_with_its_event(ward_clerk, decider):
    person = make_insured()
    checklist = checklist_enter(actor=ward_clerk, resident_id=person.pk, entry=entry(18))
    with pytest.raises(NotPermitted):  # the ward clerk enters, does not decide
        participant_decide(actor=ward_clerk, checklist_id=checklist.pk)
    participant = participant_decide(actor=decider, checklist_id=checklist.pk)
    assert (participant.valid_from, participant.valid_to, participant.confirmed_on) == (checklist.checked_on, None, TODAY)
    assert participant.decided_by == decider
    event = OutboxEvent.objects.get(topic="benefits.participant.decided", person_id=person.pk)
    assert event.payload == {"participant_id": participant.pk, "checklist_id": checklist.pk}
    assert ParticipantEvent.objects.filter(pgh_obj_id=participant.pk).count() == 1
    rows = participant_rows(person.pk)
    assert participant_on(rows, TODAY).pk == participant.pk and participant_on(rows, checklist.checked_on - timedelta(1)) is None
    assert participants_in_force([person.pk], TODAY) == {person.pk}


def test_decision_refusals(ward_clerk, decider):
    person = make_insured()
    none_met = checklist_enter(actor=ward_clerk, resident_id=person.pk, entry=entry(17, 21))
    with pytest.raises(RegionalInvalid) as refused:
        participant_decide(actor=decider, checklist_id=none_met.pk, confirmed_on=TODAY + timedelta(days=1),
                           valid_from=none_met.checked_on - timedelta(days=1))
    assert refused.value.problems == [
        "この基本チェックリストはいずれの基準にも該当しないため、事業対象者にはなりません。",
        "確認日に未来の日付は入力できません。",
        "適用開始日は基本チェックリストの実施日以後の日付を入力してください。",
    ]
    met = checklist_enter(actor=ward_clerk, resident_id=person.pk, entry=entry(21, 22))
    first = participant_decide(actor=decider, checklist_id=met.pk)
    again = checklist_enter(actor=ward_clerk, resident_id=person.pk, entry=entry(6, 7, 8, checked_on=TODAY))
    with pytest.raises(RegionalInvalid) as refused:
        participant_decide(actor=decider, checklist_id=again.pk)
    assert refused.value.problems == ["すでに事業対象者です。今の事業対象者の終了を登録してから決定してください。"]
    with pytest.raises(RegionalInvalid):
        participant_decide(actor=decider, checklist_id=met.pk)  # the same checklist twice

    # ended (the person asked), a new decision is possible
    with pytest.raises(RegionalInvalid) as refused:
        participant_end(actor=decider, participant_id=first.pk, on=first.valid_from - timedelta(days=1), reason="x")
    assert refused.value.problems == ["終了の事由を選んでください。", "終了日は適用開始日以後の日付を入力してください。"]
    participant_end(actor=decider, participant_id=first.pk, on=TODAY, reason=ParticipantEnd.WITHDRAWN)
    assert OutboxEvent.objects.filter(topic="benefits.participant.ended", person_id=person.pk).count() == 1
    second = participant_decide(actor=decider, checklist_id=again.pk)
    assert Participant.objects.filter(resident_id=person.pk, ended_on__isnull=True).get() == second
    assert participants_in_force([person.pk], TODAY - timedelta(days=1)) == {person.pk}  # the first one, then
