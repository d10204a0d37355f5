"""Resident-registry intake: receiving a change file, applying it per person, the work queue,
idempotency, and the qualification history and events it produces (real PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from eligibility.codes import ABROAD_CODE, FacilityKind, GainReason, LossReason, ResidenceStatus, WorkKind, municipality_code
from eligibility.intake import services as intake
from eligibility.intake.models import ChangeStatus
from eligibility.models import (
    Facility,
    InsuredNumber,
    QualificationPeriod,
    RegistryChange,
    ResidenceSpell,
    Resident,
    WorkItem,
)
from eligibility.qualification.services import stored_periods
from kaigo.outbox.models import OutboxEvent
from tests.eligibility.factories import (
    make_elderly,
    make_resident,
    registry_file,
    registry_line,
    synthetic_my_number,
)

pytestmark = pytest.mark.django_db

TODAY = date.today()


TOKYO_CHIYODA = municipality_code("13101")
QUALIFICATION = "eligibility.qualification_changed"  # the registry intake publishes household changes too


line = registry_line
feed = registry_file
elderly = make_elderly


def receive_and_apply(data: bytes, *, business_date: date = TODAY):
    received = intake.registry_file_receive(data, file_name="jyuki.csv", business_date=business_date)
    result = intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)
    return received, result


def status_of(received, line_no: int) -> RegistryChange:
    return RegistryChange.objects.get(file=received.file, line_no=line_no)


def test_existing_resident_at_65_plus_holds_an_open_first_class_period_with_a_number():
    resident = elderly()
    (period,) = stored_periods([resident.pk])[resident.pk]
    assert (period.insured_class, period.start, period.end, period.gain_reason) == ("1", date(2015, 6, 14), None,
                                                                                   GainReason.AGE_65)
    number = InsuredNumber.objects.get(resident=resident).number
    assert len(number) == 10 and number.isdigit()


@pytest.mark.parametrize(("destination", "loses_after"), [
    pytest.param(TOKYO_CHIYODA, 0, id="another-municipality-loses-that-day"),  # 法 §11 ただし書
    pytest.param(ABROAD_CODE, 1, id="abroad-loses-the-day-after"),  # 法 §11 本文
])
def test_move_out_ends_the_period_by_article_11_and_publishes_one_event(destination, loses_after):
    resident = elderly()
    moved = TODAY - timedelta(days=3)
    loss = moved + timedelta(days=loses_after)
    events_before = OutboxEvent.objects.filter(topic=QUALIFICATION).count()

    received, result = receive_and_apply(feed(line(resident, kind="B1", effective_on=moved.isoformat(),
                                                   to_municipality=destination)))

    assert (result.applied, result.queued, result.errors) == (1, 0, [])
    assert status_of(received, 2).status == ChangeStatus.APPLIED
    resident.refresh_from_db()
    assert (resident.status, resident.moved_out_on) == (ResidenceStatus.MOVED_OUT, moved)
    (period,) = stored_periods([resident.pk])[resident.pk]
    assert (period.end, period.loss_reason) == (loss, LossReason.MOVE_OUT)
    # the spell keeps the destination the registry gave (the fact the loss day is derived from)
    assert list(ResidenceSpell.objects.filter(resident=resident).values_list("end", "end_kind", "moved_to")) == [
        (moved, "move_out", destination)]
    # the correction kept the first revision, closed
    revisions = QualificationPeriod.objects.filter(resident=resident).order_by("revision")
    assert [(r.revision, r.end, r.recorded_to is not None) for r in revisions] == [
        (1, None, True), (2, loss, False)]
    events = OutboxEvent.objects.filter(person_id=resident.pk).order_by("id")
    assert OutboxEvent.objects.filter(topic=QUALIFICATION).count() == events_before + 1
    last = events.last()
    assert last.topic == "eligibility.qualification_changed"
    assert last.effective_from == loss
    assert last.payload["periods"][0]["loss"] == LossReason.MOVE_OUT
    assert "name" not in str(last.payload) and resident.name_kanji not in str(last.payload)


def test_the_same_file_again_and_the_same_serial_in_another_file_change_nothing():
    resident = elderly()
    data = feed(line(resident, kind="C2", effective_on=TODAY.isoformat(), name_kanji="試験 花子",
                     name_kana="シケン ハナコ", serial="000000000777"))
    first, _ = receive_and_apply(data)
    again = intake.registry_file_receive(data, file_name="jyuki.csv", business_date=TODAY)
    assert (again.created, again.file.pk) == (False, first.file.pk)
    assert RegistryChange.objects.filter(serial="000000000777").count() == 1

    resent = feed(line(resident, kind="C2", effective_on=TODAY.isoformat(), name_kanji="試験 次子",
                       name_kana="シケン ツギコ", serial="000000000777"))
    other, result = receive_and_apply(resent)
    assert other.duplicates == 1 and result.applied == 0
    assert status_of(other, 2).status == ChangeStatus.DUPLICATE
    resident = Resident.objects.get(pk=resident.pk)
    assert resident.name_kanji == "試験 花子"


def test_bad_lines_are_rejected_with_line_and_reason_and_the_rest_applied():
    resident = elderly()
    other = elderly()
    data = feed(
        line(resident, kind="C1", effective_on=TODAY.isoformat(), ward="tama",
             address="神奈川県川崎市多摩区試験町1-2-3"),
        "this,is,not,a,line",
        line(kind="B2", effective_on=TODAY.isoformat(), person_id=999_999_999, birth_date="1950-01-01"),
        line(other, kind="B2", effective_on="2026-02-30"),
    )
    received, result = receive_and_apply(data)

    assert result.applied == 1
    assert status_of(received, 2).status == ChangeStatus.APPLIED
    rejected = {c.line_no: c for c in RegistryChange.objects.filter(file=received.file, status=ChangeStatus.REJECTED)}
    assert sorted(rejected) == [3, 4, 5]
    assert rejected[3].error_message.startswith("3行目")
    assert rejected[4].error_code == "unknown_person" and "宛名番号が登録されていません" in rejected[4].error_message
    assert rejected[5].error_message.startswith("5行目")
    # the rejected lines are kept (sealed) for correction
    assert "this,is,not" in rejected[3].line
    resident.refresh_from_db()
    assert (resident.ward, Resident.objects.get(pk=resident.pk).address) == ("tama", "神奈川県川崎市多摩区試験町1-2-3")
    assert Resident.objects.get(pk=other.pk).status == ResidenceStatus.RESIDENT


def test_death_before_birth_is_rejected():
    resident = elderly()
    received, result = receive_and_apply(feed(line(resident, kind="B2", effective_on="1949-01-01",
                                                   notified_on="1949-01-02")), business_date=date(1949, 1, 5))
    change = status_of(received, 2)
    assert change.status == ChangeStatus.REJECTED and "生年月日より前" in change.error_message
    assert result.applied == 0
    assert Resident.objects.get(pk=resident.pk).status == ResidenceStatus.RESIDENT


def test_death_ends_the_period_the_day_after():
    resident = elderly()
    died = TODAY - timedelta(days=1)
    receive_and_apply(feed(line(resident, kind="B2", effective_on=died.isoformat())))
    (period,) = stored_periods([resident.pk])[resident.pk]
    assert (period.end, period.loss_reason) == (died + timedelta(days=1), LossReason.DEATH)


def test_move_in_at_70_creates_the_resident_qualified_from_the_move_in_day():
    person_id = 190_000_001
    moved_in = TODAY - timedelta(days=2)
    received, result = receive_and_apply(feed(line(
        kind="A1", effective_on=moved_in.isoformat(), person_id=person_id, household_id=590_000_001, relation="head",
        my_number=synthetic_my_number(880_001), name_kanji="転入 一郎", name_kana="テンニュウ イチロウ", sex="1",
        birth_date="1955-05-05", ward="asao", address="神奈川県川崎市麻生区試験町9-9-9", from_municipality=TOKYO_CHIYODA,
    )))
    assert result.applied == 1, result.errors
    resident = Resident.objects.get(pk=person_id)
    assert (resident.name_kanji, resident.my_number, resident.ward) == ("転入 一郎", synthetic_my_number(880_001), "asao")
    (period,) = stored_periods([person_id])[person_id]
    assert (period.start, period.gain_reason, period.end) == (moved_in, GainReason.MOVE_IN, None)
    assert InsuredNumber.objects.filter(resident_id=person_id).exists()


def test_a_change_dated_in_the_past_goes_to_the_work_queue_unapplied():
    resident = elderly()
    received, result = receive_and_apply(feed(line(resident, kind="B1", effective_on=(TODAY - timedelta(days=60)).isoformat(),
                                                   to_municipality=TOKYO_CHIYODA)))
    assert (result.applied, result.queued) == (0, 1)
    item = WorkItem.objects.get(change__file=received.file)
    assert (item.kind, item.ward, item.person_id) == (WorkKind.PAST_DATED, resident.ward, resident.pk)
    assert Resident.objects.get(pk=resident.pk).status == ResidenceStatus.RESIDENT


def test_a_move_within_the_city_into_an_exemption_facility_goes_to_the_work_queue():
    resident = elderly()
    Facility.objects.create(code="F000000001", name="試験施設", kind=FacilityKind.EXEMPTION, municipality="141305")
    received, result = receive_and_apply(feed(line(resident, kind="C1", effective_on=TODAY.isoformat(),
                                                   facility_code="F000000001", ward="asao",
                                                   address="神奈川県川崎市麻生区施設1")))
    assert (result.applied, result.queued) == (0, 1)
    assert WorkItem.objects.get(change__file=received.file).kind == WorkKind.EXEMPTION


def test_a_move_in_into_a_special_address_facility_goes_to_the_work_queue():
    """Possibly another municipality's insured (住所地特例): not ours until a clerk decides."""
    Facility.objects.create(code="F000000002", name="試験特養", kind=FacilityKind.SPECIAL, municipality="141305")
    received, result = receive_and_apply(feed(line(
        kind="A1", effective_on=TODAY.isoformat(), person_id=190_000_002, household_id=590_000_002, relation="head",
        name_kanji="施設 入子", name_kana="シセツ イリコ", sex="2", birth_date="1940-02-29", ward="tama",
        address="神奈川県川崎市多摩区施設2", from_municipality=TOKYO_CHIYODA, facility_code="F000000002",
    )))
    assert (result.applied, result.queued) == (0, 1)
    item = WorkItem.objects.get(change__file=received.file)
    assert (item.kind, item.ward, item.person_id) == (WorkKind.OTHER_SPECIAL, "tama", 190_000_002)
    assert not Resident.objects.filter(pk=190_000_002).exists()


def test_a_crash_inside_a_chunk_leaves_nothing_and_the_rerun_applies_each_change_once(monkeypatch):
    from django.db import transaction

    residents = [elderly() for _ in range(3)]
    data = feed(*[line(r, kind="B2", effective_on=TODAY.isoformat()) for r in residents])
    received = intake.registry_file_receive(data, file_name="jyuki.csv", business_date=TODAY)
    real_requalify = intake.requalify

    def crash(*args, **kwargs):
        real_requalify(*args, **kwargs)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(intake, "requalify", crash)
    with pytest.raises(RuntimeError), transaction.atomic():
        intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)
    assert RegistryChange.objects.filter(file=received.file, status=ChangeStatus.PENDING).count() == 3
    assert Resident.objects.filter(pk__in=[r.pk for r in residents], status=ResidenceStatus.DECEASED).count() == 0
    events = OutboxEvent.objects.filter(topic=QUALIFICATION).count()

    monkeypatch.setattr(intake, "requalify", real_requalify)
    result = intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)
    again = intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)
    assert (result.applied, again.applied) == (3, 0)
    assert OutboxEvent.objects.filter(topic=QUALIFICATION).count() == events + 3
    assert Resident.objects.filter(pk__in=[r.pk for r in residents], status=ResidenceStatus.DECEASED).count() == 3


def test_a_move_out_dated_before_the_recorded_move_in_is_rejected():
    resident = elderly()
    from eligibility.models import ResidenceSpell

    ResidenceSpell.objects.filter(resident=resident).update(start=TODAY - timedelta(days=2), start_is_move_in=True)
    received, result = receive_and_apply(feed(line(resident, kind="B1", effective_on=(TODAY - timedelta(days=5)).isoformat(),
                                                   to_municipality=TOKYO_CHIYODA)))
    assert [e.code for e in result.errors] == ["before_move_in"]
    assert status_of(received, 2).error_message == "2行目: 異動日が登録されている転入日より前です。"
    assert Resident.objects.get(pk=resident.pk).status == ResidenceStatus.RESIDENT


def test_a_change_after_the_monthly_run_keeps_the_gain_it_recorded_ahead():
    """The 65th-birthday run of next month records gains dated ahead; an address change
    received before that day must not undo them (every writer derives up to the same horizon)."""
    from eligibility.qualification.batch_kinds import Age65
    from kaigo.batches.models import BatchRun
    from tests.eligibility.test_qualification import run_kind

    next_month = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
    birthday = next_month.replace(day=20, year=next_month.year - 65)
    resident = make_resident(birth_date=birthday)
    succeeded, errors = run_kind(Age65(), {"month": f"{next_month:%Y-%m}"})
    BatchRun.objects.filter(kind="eligibility.age65").update(status=BatchRun.Status.SUCCEEDED)
    assert (succeeded, errors) == (1, [])
    gained = stored_periods([resident.pk])[resident.pk]
    assert [p.start for p in gained] == [birthday.replace(year=birthday.year + 65) - timedelta(days=1)]

    _, result = receive_and_apply(feed(line(resident, kind="C1", effective_on=TODAY.isoformat(), ward="tama",
                                            address="神奈川県川崎市多摩区試験町7-7-7")))
    assert result.applied == 1
    assert stored_periods([resident.pk])[resident.pk] == gained


def test_a_move_out_notified_ahead_is_recorded_now():
    resident = elderly()
    moving = TODAY + timedelta(days=10)
    _, result = receive_and_apply(feed(line(resident, kind="B1", effective_on=moving.isoformat(),
                                            to_municipality=TOKYO_CHIYODA)))
    assert result.applied == 1
    (period,) = stored_periods([resident.pk])[resident.pk]
    assert (period.end, period.loss_reason) == (moving, LossReason.MOVE_OUT)  # to another municipality: §11
