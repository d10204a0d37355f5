"""The intake's work queue (要確認案件): the list per ward, the item page and the clerk's
decisions (apply, apply as a facility stay, dismiss), through the screens (real PostgreSQL)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from audit.models import AccessLogEntry
from eligibility.codes import (
    FacilityKind,
    GainReason,
    LossReason,
    ResidenceStatus,
    StayKind,
    Ward,
    WorkKind,
    municipality_code,
)
from eligibility.intake import selectors as intake_selectors
from eligibility.intake import services as intake
from eligibility.intake.models import ChangeStatus, WorkStatus
from eligibility.intake.rules import WorkAction, actions_for
from eligibility.models import Facility, FacilityStay, QualificationPeriod, RegistryChange, Resident, WorkItem
from eligibility.qualification.services import stored_periods
from kaigo.staff.roles import Organisation, Role
from tests.eligibility.factories import make_elderly, registry_file, registry_line, synthetic_my_number

pytestmark = pytest.mark.django_db

TODAY = date.today()
CITY = municipality_code("14130")
CHIYODA = municipality_code("13101")
_people = itertools.count(191_000_001)


line = registry_line


def intake_of(*lines: str):
    received = intake.registry_file_receive(registry_file(*lines), file_name="jyuki-test.csv", business_date=TODAY)
    intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)
    return received.file


def elderly(ward=Ward.NAKAHARA) -> Resident:
    return make_elderly(ward=ward)


def exemption_facility() -> Facility:
    return Facility.objects.get_or_create(code="FX00000009", defaults=dict(
        name="試験除外施設", kind=FacilityKind.EXEMPTION, municipality=CITY))[0]


def special_facility() -> Facility:
    return Facility.objects.get_or_create(code="FS00000009", defaults=dict(
        name="試験特養", kind=FacilityKind.SPECIAL, municipality=CITY))[0]


def queued_move_into_exemption(resident: Resident, ward: str = "nakahara") -> WorkItem:
    exemption_facility()
    file = intake_of(line(resident, kind="C1", effective_on=TODAY.isoformat(), facility_code="FX00000009",
                          ward=ward, address="神奈川県川崎市中原区施設9"))
    return WorkItem.objects.get(change__file=file)


def queued_past_move_out(resident: Resident, days: int = 60) -> WorkItem:
    file = intake_of(line(resident, kind="B1", effective_on=(TODAY - timedelta(days=days)).isoformat(),
                          to_municipality=CHIYODA))
    return WorkItem.objects.get(change__file=file)


def queued_move_in_to_special(ward="nakahara") -> WorkItem:
    special_facility()
    pid = next(_people)
    file = intake_of(line(kind="A1", effective_on=TODAY.isoformat(), person_id=pid, household_id=pid + 400_000_000,
                          relation="head", name_kanji="施設 入子", name_kana="シセツ イリコ", sex="2",
                          birth_date="1940-02-29", ward=ward, address="神奈川県川崎市中原区施設9",
                          from_municipality=CHIYODA, facility_code="FS00000009",
                          my_number=synthetic_my_number(pid % 10_000_000)))
    return WorkItem.objects.get(change__file=file)


def clerk_of(client_as, organisation=Organisation.NAKAHARA, role=Role.WARD_CLERK):
    return client_as(role, organisation=organisation)


def decide(client, item, action):
    """A decision sent from its confirmation page (confirm=1)."""
    return client.post(f"/eligibility/queue/{item.pk}/", {"action": action, "confirm": "1"})


# --- decisions ------------------------------------------------------------------------------------


def test_a_decision_is_first_confirmed_and_changes_nothing_until_then(client_as):
    resident = elderly()
    item = queued_move_into_exemption(resident)
    client = clerk_of(client_as)

    asked = client.post(f"/eligibility/queue/{item.pk}/", {"action": WorkAction.DISMISS})

    body = asked.content.decode()
    assert asked.status_code == 200 and "要確認案件の処理の確認" in body
    assert "取下げ（適用しない）" in body and "取下げた案件は戻せません" in body and str(resident.pk) in body
    item.refresh_from_db()
    assert item.status == WorkStatus.OPEN
    assert RegistryChange.objects.get(pk=item.change_id).status != ChangeStatus.APPLIED
    assert 'name="confirm" value="1"' in body and f'name="action" value="{WorkAction.DISMISS}"' in body
    assert decide(client, item, WorkAction.DISMISS).status_code == 302
    item.refresh_from_db()
    assert item.status == WorkStatus.DONE


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (WorkKind.EXEMPTION, ("exemption", "normal", "dismiss")),
        (WorkKind.SELF_SPECIAL, ("self_special", "normal", "dismiss")),
        (WorkKind.OTHER_SPECIAL, ("other_special", "normal", "dismiss")),
        (WorkKind.PAST_DATED, ("normal", "dismiss")),
        (WorkKind.CONFLICT, ("normal", "dismiss")),
    ],
)
def test_actions_offered_per_kind(kind, expected):
    assert actions_for(kind) == expected


def test_apply_as_exemption_records_the_stay_applies_the_move_and_ends_the_period(client_as):
    resident = elderly()
    item = queued_move_into_exemption(resident)
    client = clerk_of(client_as)

    response = decide(client, item, WorkAction.EXEMPTION)

    assert response.status_code == 302 and response.url == "/eligibility/queue/"
    item.refresh_from_db()
    assert (item.status, item.resolution, item.resolved_by_id) == (WorkStatus.DONE, "exemption", client.staff.pk)
    assert item.resolved_at is not None
    assert RegistryChange.objects.get(pk=item.change_id).status == ChangeStatus.APPLIED
    stay = FacilityStay.objects.get(resident=resident)
    assert (stay.kind, stay.facility_id, stay.start, stay.decided_by_id) == (
        StayKind.EXEMPTION, "FX00000009", TODAY, client.staff.pk)
    (period,) = stored_periods([resident.pk])[resident.pk]
    assert (period.end, period.loss_reason) == (TODAY + timedelta(days=1), LossReason.EXEMPTION)
    latest = QualificationPeriod.objects.filter(resident=resident, recorded_to__isnull=True).get()
    assert (latest.source, latest.recorded_by_id) == ("work_queue", client.staff.pk)
    assert Resident.objects.get(pk=resident.pk).address == "神奈川県川崎市中原区施設9"


def test_apply_as_a_normal_change_applies_the_past_move_out(client_as):
    resident = elderly()
    item = queued_past_move_out(resident)
    moved = TODAY - timedelta(days=60)

    assert decide(clerk_of(client_as), item, WorkAction.NORMAL).status_code == 302

    resident.refresh_from_db()
    assert (resident.status, resident.moved_out_on) == (ResidenceStatus.MOVED_OUT, moved)
    (period,) = stored_periods([resident.pk])[resident.pk]
    # to another municipality (千代田区): lost on the move-out day itself (法 §11 ただし書)
    assert (period.end, period.loss_reason) == (moved, LossReason.MOVE_OUT)
    assert not FacilityStay.objects.exists()


def test_dismiss_applies_nothing(client_as):
    resident = elderly()
    item = queued_past_move_out(resident)
    revisions = QualificationPeriod.objects.filter(resident=resident).count()

    assert decide(clerk_of(client_as), item, WorkAction.DISMISS).status_code == 302

    item.refresh_from_db()
    assert (item.status, item.resolution) == (WorkStatus.DONE, "dismiss")
    page = clerk_of(client_as).get(f"/eligibility/queue/{item.pk}/").content.decode()
    assert "処理済" in page and "取下げ（適用しない）" in page and 'name="action"' not in page
    assert RegistryChange.objects.get(pk=item.change_id).status == ChangeStatus.DISMISSED
    assert Resident.objects.get(pk=resident.pk).status == ResidenceStatus.RESIDENT
    assert QualificationPeriod.objects.filter(resident=resident).count() == revisions


def test_another_insurers_special_address_person_moves_in_without_a_period(client_as):
    item = queued_move_in_to_special()

    assert decide(clerk_of(client_as), item, WorkAction.OTHER_SPECIAL).status_code == 302

    resident = Resident.objects.get(pk=item.person_id)
    assert resident.status == ResidenceStatus.RESIDENT
    assert FacilityStay.objects.get(resident=resident).kind == StayKind.OTHER_SPECIAL
    assert stored_periods([resident.pk]).get(resident.pk, []) == []


def test_the_same_person_moving_in_as_ours_gains_from_the_move_in_day(client_as):
    item = queued_move_in_to_special()
    assert decide(clerk_of(client_as), item, WorkAction.NORMAL).status_code == 302
    (period,) = stored_periods([item.person_id])[item.person_id]
    assert (period.start, period.gain_reason) == (TODAY, GainReason.MOVE_IN)


def test_our_insured_moving_out_into_a_facility_elsewhere_stays_ours(client_as):
    resident = elderly()
    Facility.objects.create(code="FS00000010", name="試験特養（市外）", kind=FacilityKind.SPECIAL,
                            municipality=CHIYODA)
    moved = TODAY - timedelta(days=2)
    file = intake_of(line(resident, kind="B1", effective_on=moved.isoformat(), to_municipality=CHIYODA,
                          facility_code="FS00000010"))
    item = WorkItem.objects.get(change__file=file)
    assert item.kind == WorkKind.SELF_SPECIAL

    assert decide(clerk_of(client_as), item, WorkAction.SELF_SPECIAL).status_code == 302

    resident.refresh_from_db()
    assert (resident.status, resident.moved_out_on) == (ResidenceStatus.MOVED_OUT, moved)
    assert FacilityStay.objects.get(resident=resident).kind == StayKind.SELF_SPECIAL
    (period,) = stored_periods([resident.pk])[resident.pk]
    assert (period.gain_reason, period.end) == (GainReason.AGE_65, None)


def test_deciding_one_change_leaves_the_persons_other_queued_change_in_the_queue(client_as):
    resident = elderly()
    exemption_facility()
    file = intake_of(
        line(resident, kind="C1", effective_on=(TODAY - timedelta(days=40)).isoformat(), ward="nakahara",
             address="神奈川県川崎市中原区旧住所1"),
        line(resident, kind="C1", effective_on=TODAY.isoformat(), facility_code="FX00000009", ward="nakahara",
             address="神奈川県川崎市中原区施設9"),
    )
    first, second = WorkItem.objects.filter(change__file=file).order_by("change__line_no")

    assert decide(clerk_of(client_as), second, WorkAction.EXEMPTION).status_code == 302

    first.refresh_from_db()
    assert first.status == WorkStatus.OPEN
    assert RegistryChange.objects.get(pk=first.change_id).status == ChangeStatus.QUEUED
    assert WorkItem.objects.filter(change__file=file).count() == 2


@pytest.mark.parametrize(
    ("make", "action", "message"),
    [
        pytest.param("resolved", WorkAction.NORMAL, "この案件は既に処理されています。", id="already-resolved"),
        pytest.param("past", WorkAction.EXEMPTION, "選択肢から選んでください。", id="action-not-offered"),
        pytest.param("conflict", WorkAction.NORMAL, "適用できませんでした: ", id="cannot-apply"),
    ],
)
def test_refused_decisions_say_why_in_japanese_and_change_nothing(client_as, make, action, message):
    resident = elderly()
    client = clerk_of(client_as)
    if make == "resolved":
        item = queued_past_move_out(resident)
        decide(client, item, WorkAction.DISMISS)
    elif make == "past":
        item = queued_past_move_out(resident)
    else:  # a move-in of a person already resident: queued as a conflict, refused when applied
        file = intake_of(line(resident, kind="A1", effective_on=TODAY.isoformat(), household_id=590_000_009,
                              relation="head", name_kanji="試験 重複", name_kana="シケン チョウフク", sex="1",
                              ward="nakahara", address="神奈川県川崎市中原区試験町1", from_municipality=CHIYODA))
        item = WorkItem.objects.get(change__file=file)
        assert item.kind == WorkKind.CONFLICT
    before = (WorkItem.objects.get(pk=item.pk).status, RegistryChange.objects.get(pk=item.change_id).status,
              QualificationPeriod.objects.count(), FacilityStay.objects.count())

    response = decide(client, item, action)

    assert response.status_code == 400
    assert message in response.content.decode()
    after = (WorkItem.objects.get(pk=item.pk).status, RegistryChange.objects.get(pk=item.change_id).status,
             QualificationPeriod.objects.count(), FacilityStay.objects.count())
    assert after == before


# --- who sees and decides what ----------------------------------------------------------------------


def test_a_ward_clerk_sees_their_wards_items_only_and_the_head_office_filters(client_as):
    ours = queued_past_move_out(elderly(Ward.NAKAHARA))
    theirs = queued_past_move_out(elderly(Ward.ASAO))

    body = clerk_of(client_as).get("/eligibility/queue/?ward=asao").content.decode()
    assert f"/eligibility/queue/{ours.pk}/" in body and f"/eligibility/queue/{theirs.pk}/" not in body
    assert AccessLogEntry.objects.get().person_ids == [ours.person_id]


def test_the_head_office_sees_every_ward_or_the_one_chosen(client_as):
    ours = queued_past_move_out(elderly(Ward.NAKAHARA))
    theirs = queued_past_move_out(elderly(Ward.ASAO))
    client = clerk_of(client_as, Organisation.HEAD_OFFICE, Role.HEAD_OFFICE_CLERK)
    every = client.get("/eligibility/queue/").content.decode()
    assert f"/eligibility/queue/{ours.pk}/" in every and f"/eligibility/queue/{theirs.pk}/" in every
    asao = client.get("/eligibility/queue/?ward=asao").content.decode()
    assert f"/eligibility/queue/{ours.pk}/" not in asao and f"/eligibility/queue/{theirs.pk}/" in asao
    entries = list(AccessLogEntry.objects.order_by("id"))
    assert [(e.function, e.person_ids) for e in entries] == [
        ("workqueue.list", [ours.person_id, theirs.person_id]), ("workqueue.list", [theirs.person_id])]


def test_another_wards_item_cannot_be_opened_or_decided(client_as):
    item = queued_past_move_out(elderly(Ward.ASAO))
    client = clerk_of(client_as)
    assert client.get(f"/eligibility/queue/{item.pk}/").status_code == 403
    assert decide(client, item, WorkAction.DISMISS).status_code == 403
    item.refresh_from_db()
    assert item.status == WorkStatus.OPEN
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.WARD_CLERK, 200),
        (Role.HEAD_OFFICE_CLERK, 200),
        (Role.CERTIFICATION_CLERK, 403),
        (Role.INQUIRY, 403),
        (Role.OPERATOR, 403),
        (Role.AUDITOR, 403),
        (Role.SECTION_CHIEF, 403),
    ],
)
def test_queue_permission_per_role(client_as, role, status):
    item = queued_past_move_out(elderly())
    client = client_as(role, organisation=Organisation.NAKAHARA)
    assert client.get("/eligibility/queue/").status_code == status
    assert client.get(f"/eligibility/queue/{item.pk}/").status_code == status
    assert decide(client, item, WorkAction.DISMISS).status_code == (302 if status == 200 else 403)
    assert WorkItem.objects.get(pk=item.pk).status == (WorkStatus.DONE if status == 200 else WorkStatus.OPEN)
    assert AccessLogEntry.objects.exists() == (status == 200)


def test_the_item_page_shows_the_registry_line_and_logs_the_person(client_as):
    item = queued_move_in_to_special()
    client = clerk_of(client_as)
    body = client.get(f"/eligibility/queue/{item.pk}/").content.decode()
    assert "施設 入子" in body and "シセツ イリコ" in body and "住所地特例対象施設への転入です" in body
    assert "A1 転入" in body and "試験特養" in body and "未登録" in body
    number = synthetic_my_number(item.person_id % 10_000_000)
    assert f"{number[:4]} {number[4:8]} {number[8:]}" in body  # a ward clerk is in the number-use work
    entry = AccessLogEntry.objects.get()
    assert (entry.function, entry.channel, entry.person_ids, entry.staff_id) == (
        "workqueue.view", "screen", [item.person_id], client.staff.pk)


def test_the_queue_is_paged_oldest_first(client_as, monkeypatch):
    monkeypatch.setattr(intake_selectors, "QUEUE_PAGE_SIZE", 2)
    items = [queued_past_move_out(elderly()) for _ in range(3)]
    client = clerk_of(client_as)
    first = client.get("/eligibility/queue/").content.decode()
    assert [f"/eligibility/queue/{i.pk}/" in first for i in items] == [True, True, False]
    assert f"?after={items[1].pk}" in first
    second = client.get(f"/eligibility/queue/?after={items[1].pk}").content.decode()
    assert [f"/eligibility/queue/{i.pk}/" in second for i in items] == [False, False, True]


def test_the_queue_list_reads_a_fixed_number_of_queries(client_as, django_assert_max_num_queries):
    for _ in range(5):
        queued_past_move_out(elderly())
    client = clerk_of(client_as)
    client.get("/eligibility/queue/")  # warm the session and the menu
    with django_assert_max_num_queries(8):
        assert client.get("/eligibility/queue/").status_code == 200
