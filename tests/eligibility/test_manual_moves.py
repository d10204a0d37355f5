"""Moves entered by hand (転出・転居の手入力, issue 16 item 8): the check as a table of cases, the loss
day of 介護保険法 §11 第1項 through the same fact/derive path as the registry intake (a table of
cases from the article's text), the ward scope in the service, the qualification event premiums
correct on, the confirmation step, the correction (訂正), and the registry's later line for the
same move changing nothing (idempotent)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from eligibility.codes import ABROAD_CODE, GainReason, LossReason, ResidenceStatus, Ward, municipality_code
from eligibility.intake.models import ChangeStatus, ManualMove, ManualMoveStatus, MoveKind, RegistryChange, WorkItem
from eligibility.intake.rules import MOVE_FUTURE_LIMIT_DAYS, MoveInput, manual_move_check
from eligibility.intake.services import (
    ManualMoveInvalid,
    apply_chunk,
    manual_move_cancel,
    manual_move_record,
    move_effect,
    registry_file_receive,
)
from eligibility.models import ResidenceSpell, Resident
from eligibility.qualification.services import TOPIC_CHANGED, Context, requalify, stored_periods
from eligibility.residents.models import SpellEnd
from kaigo.errors import InvalidState, NotPermitted
from kaigo.outbox.models import OutboxEvent
from kaigo.staff.roles import Organisation, Role
from tests.eligibility.factories import make_resident, registry_file, registry_line

TODAY = date(2025, 6, 10)
BORN = date(1950, 6, 15)
YOKOHAMA = municipality_code("14100")  # 横浜市 (another municipality in Japan)
OWN = municipality_code("14133")  # 中原区: this city


def check(kind, on, *, destination="", ward="", status=ResidenceStatus.RESIDENT, spell_start=None):
    return manual_move_check(MoveInput(kind, on, destination, ward), today=TODAY, resident_status=status,
                             current_ward=Ward.NAKAHARA, birth_date=BORN, spell_start=spell_start)


@pytest.mark.parametrize(("kwargs", "expected"), [
    pytest.param(dict(kind="move_out", on=TODAY, destination=YOKOHAMA), [], id="domestic-ok"),
    pytest.param(dict(kind="abroad", on=TODAY), [], id="abroad-ok"),
    pytest.param(dict(kind="move_within", on=TODAY, ward=Ward.TAMA), [], id="within-ok"),
    pytest.param(dict(kind="move_out", on=TODAY), ["転出先の市町村コードを入力してください。"], id="no-destination"),
    pytest.param(dict(kind="move_out", on=TODAY, destination=ABROAD_CODE), ["国外への転出は「国外転出」を選んでください。"],
                 id="abroad-code-as-domestic"),
    pytest.param(dict(kind="move_out", on=TODAY, destination="141001"),
                 ["転出先の市町村コードは検査数字を含む6桁の全国地方公共団体コードで入力してください。"], id="check-digit"),
    pytest.param(dict(kind="move_out", on=TODAY, destination=OWN),
                 ["市内の区への異動は転出ではなく「転居」を選んでください。"], id="own-city-is-a-tenkyo"),
    pytest.param(dict(kind="move_within", on=TODAY), ["転居後の区を選んでください。"], id="within-no-ward"),
    pytest.param(dict(kind="move_out", on=TODAY + timedelta(days=MOVE_FUTURE_LIMIT_DAYS), destination=YOKOHAMA), [],
                 id="future-at-the-limit"),
    pytest.param(dict(kind="abroad", on=TODAY + timedelta(days=MOVE_FUTURE_LIMIT_DAYS + 1)),
                 [f"異動日は本日から{MOVE_FUTURE_LIMIT_DAYS}日後までの日付を入力してください。"], id="future-beyond"),
    pytest.param(dict(kind="abroad", on=date(1950, 1, 1)), ["異動日が生年月日より前です。"], id="before-birth"),
    pytest.param(dict(kind="abroad", on=date(2020, 1, 1), spell_start=date(2021, 1, 1)),
                 ["異動日が現在の住所の住定日（転入日）より前です。"], id="before-move-in"),
    pytest.param(dict(kind="abroad", on=TODAY, status=ResidenceStatus.MOVED_OUT),
                 ["住民ではない方（転出・死亡済み）の異動は入力できません。"], id="not-resident"),
    pytest.param(dict(kind="birth", on=TODAY), ["異動の種類を選んでください。"], id="unknown-kind"),
])
def test_manual_move_check(kwargs, expected):
    problems = check(**kwargs)
    assert problems == expected
    for message in problems:
        assert not re.search(r"[0-9]{4}", message)


# --- the law: 介護保険法 §11 第1項 ----------------------------------------------------------------
# 「当該市町村の区域内に住所を有しなくなった日の翌日から、その資格を喪失する。ただし、当該市町村の
#  区域内に住所を有しなくなった日に他の市町村の区域内に住所を有するに至ったときは、その日から、
#  その資格を喪失する。」


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)


def insured(**kwargs) -> Resident:
    resident = make_resident(birth_date=BORN, ward=Ward.NAKAHARA, **kwargs)
    requalify([resident.pk], until=date.today(), context=Context(source="generated"))
    return resident


def current(resident):
    return stored_periods([resident.pk]).get(resident.pk, [])


@pytest.mark.parametrize(("kind", "destination", "days_ago", "loss_days_ago"), [
    # ただし書: an address in another municipality from the same day -> lost on that day
    ("move_out", YOKOHAMA, 10, 10),
    ("move_out", municipality_code("13101"), 1, 1),  # 千代田区
    ("move_out", YOKOHAMA, 0, 0),  # today
    # 本文: abroad, no address in Japan -> lost the day after
    ("abroad", "", 10, 9),
    ("abroad", "", 1, 0),
    ("abroad", "", 0, -1),  # tomorrow: recorded ahead (the loss is a known fact)
])
@pytest.mark.django_db
def test_the_loss_day_is_the_articles(clerk, kind, destination, days_ago, loss_days_ago):
    resident = insured()
    on = date.today() - timedelta(days=days_ago)
    move = MoveInput(kind, on, destination)
    effect = move_effect(actor=clerk, resident_id=resident.pk, move=move)
    loss = date.today() - timedelta(days=loss_days_ago)
    assert (effect.loss_on, effect.loss_reason, effect.rule_loss_on) == (loss, LossReason.MOVE_OUT, loss)
    assert effect.before != effect.after
    assert ManualMove.objects.count() == 0 and current(resident) == effect.before  # the preview wrote nothing

    saved = manual_move_record(actor=clerk, resident_id=resident.pk, move=move)
    assert saved.changed == [resident.pk]
    assert current(resident) == effect.after  # what the confirmation showed is what was recorded
    assert current(resident)[-1].end == loss
    spell = ResidenceSpell.objects.get(resident=resident)
    assert (spell.end, spell.end_kind, spell.moved_to) == (on, SpellEnd.MOVE_OUT,
                                                           destination or ABROAD_CODE)
    resident.refresh_from_db()
    assert (resident.status, resident.moved_out_on) == (ResidenceStatus.MOVED_OUT, on)


@pytest.mark.django_db
def test_the_premium_correction_event_is_emitted_once(clerk):
    resident = insured()
    before = OutboxEvent.objects.filter(topic=TOPIC_CHANGED, person_id=resident.pk).count()
    on = date.today() - timedelta(days=20)
    saved = manual_move_record(actor=clerk, resident_id=resident.pk, move=MoveInput("move_out", on, YOKOHAMA))
    events = OutboxEvent.objects.filter(topic=TOPIC_CHANGED, person_id=resident.pk).order_by("id")
    assert events.count() == before + 1
    event = events.last()
    assert event.payload["source"] == "manual_move" and event.payload["cause"] == f"manual-move:{saved.move.pk}"
    assert event.effective_from == on  # the first day whose status changes: the premium months from it
    assert event.payload["periods"][-1]["end"] == on.isoformat()


@pytest.mark.django_db
def test_a_person_not_insured_moves_without_a_qualification_change(clerk):
    young = make_resident(birth_date=date(1995, 1, 1), ward=Ward.NAKAHARA)
    requalify([young.pk], until=date.today(), context=Context(source="generated"))
    on = date.today() - timedelta(days=3)
    effect = move_effect(actor=clerk, resident_id=young.pk, move=MoveInput("abroad", on))
    assert (effect.loss_on, effect.rule_loss_on, effect.changed) == (None, on + timedelta(days=1), False)
    assert manual_move_record(actor=clerk, resident_id=young.pk, move=MoveInput("abroad", on)).changed == []


@pytest.mark.django_db
def test_a_tenkyo_changes_the_ward_and_no_qualification(clerk, make_staff):
    resident = insured()
    periods = current(resident)
    saved = manual_move_record(actor=clerk, resident_id=resident.pk,
                               move=MoveInput("move_within", date.today(), ward=Ward.TAMA))
    resident.refresh_from_db()
    assert (resident.ward, resident.status, saved.changed, current(resident)) == (
        Ward.TAMA, ResidenceStatus.RESIDENT, [], periods)
    # the new ward's office may register a 転居 into its ward; the old ward's clerk undoes it
    tama = make_staff(Role.WARD_CLERK, organisation=Organisation.TAMA)
    manual_move_record(actor=tama, resident_id=resident.pk, move=MoveInput("move_within", date.today(),
                                                                           ward=Ward.TAMA))
    resident.refresh_from_db()
    assert resident.ward == Ward.TAMA


# --- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "organisation", "allowed"), [
    (Role.WARD_CLERK, Organisation.NAKAHARA, True),
    (Role.HEAD_OFFICE_CLERK, Organisation.HEAD_OFFICE, True),
    (Role.WARD_CLERK, Organisation.SAIWAI, False),  # another ward's clerk
    (Role.INQUIRY, Organisation.NAKAHARA, False),  # no qualification.update
    (Role.SECTION_CHIEF, Organisation.HEAD_OFFICE, False),
])
@pytest.mark.django_db
def test_scope_is_checked_in_the_service(make_staff, role, organisation, allowed):
    resident = insured()
    staff = make_staff(role, organisation=organisation)
    move = MoveInput("move_out", date.today(), YOKOHAMA)
    if allowed:
        manual_move_record(actor=staff, resident_id=resident.pk, move=move)
        assert ManualMove.objects.filter(resident=resident).count() == 1
    else:
        with pytest.raises(NotPermitted):
            move_effect(actor=staff, resident_id=resident.pk, move=move)
        with pytest.raises(NotPermitted):
            manual_move_record(actor=staff, resident_id=resident.pk, move=move)
        assert not ManualMove.objects.exists()
        assert ResidenceSpell.objects.get(resident=resident).end is None
    # 転居 into the other clerk's ward: allowed for the ward moved to, refused for a third ward
    if role == Role.WARD_CLERK and not allowed:
        other = insured()
        with pytest.raises(NotPermitted):
            manual_move_record(actor=staff, resident_id=other.pk, move=MoveInput("move_within", date.today(),
                                                                                 ward=Ward.TAMA))
        manual_move_record(actor=staff, resident_id=other.pk, move=MoveInput("move_within", date.today(),
                                                                             ward=Ward.SAIWAI))


# --- the correction (訂正) ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_move_entered_wrong_is_corrected_and_entered_again(clerk):
    resident = insured()
    original = current(resident)
    on = date.today() - timedelta(days=15)
    wrong = manual_move_record(actor=clerk, resident_id=resident.pk, move=MoveInput("abroad", on)).move
    assert current(resident)[-1].end == on + timedelta(days=1)
    with pytest.raises(ManualMoveInvalid):
        manual_move_cancel(actor=clerk, move_id=wrong.pk, reason=" ")
    events = OutboxEvent.objects.filter(topic=TOPIC_CHANGED, person_id=resident.pk).count()

    cancelled = manual_move_cancel(actor=clerk, move_id=wrong.pk, reason="国内転出の誤り")
    assert cancelled.changed == [resident.pk]
    assert current(resident) == original
    assert OutboxEvent.objects.filter(topic=TOPIC_CHANGED, person_id=resident.pk).count() == events + 1
    wrong.refresh_from_db()
    assert (wrong.status, wrong.cancelled_by_id, wrong.cancel_reason) == (ManualMoveStatus.CANCELLED, clerk.pk,
                                                                          "国内転出の誤り")
    resident.refresh_from_db()
    assert (resident.status, resident.moved_out_on) == (ResidenceStatus.RESIDENT, None)
    with pytest.raises(InvalidState):
        manual_move_cancel(actor=clerk, move_id=wrong.pk, reason="二度目")

    manual_move_record(actor=clerk, resident_id=resident.pk, move=MoveInput("move_out", on, YOKOHAMA))
    assert current(resident)[-1].end == on
    assert current(resident)[-1].gain_reason == GainReason.AGE_65


# --- the registry's line for the same move later (idempotent) ---------------------------------


def _intake(resident, **values):
    data = registry_file(registry_line(resident, **values))
    received = registry_file_receive(data, file_name="moves.csv", business_date=date.today())
    apply_chunk(file=received.file, lo=resident.pk, hi=resident.pk + 1, batch_run_id=None, actor_id=None)
    return RegistryChange.objects.get(file=received.file)


@pytest.mark.django_db
def test_the_registry_line_of_the_same_move_changes_nothing(clerk):
    resident = insured()
    on = date.today() - timedelta(days=5)
    entered = manual_move_record(actor=clerk, resident_id=resident.pk, move=MoveInput("move_out", on, YOKOHAMA)).move
    periods = current(resident)
    events = OutboxEvent.objects.filter(topic=TOPIC_CHANGED, person_id=resident.pk).count()

    change = _intake(resident, kind="B1", effective_on=on.isoformat(), to_municipality=YOKOHAMA)

    assert (change.status, change.error_code) == (ChangeStatus.APPLIED, "manual_move")
    assert "手入力で記録済みの転出と一致" in change.error_message
    assert current(resident) == periods
    assert OutboxEvent.objects.filter(topic=TOPIC_CHANGED, person_id=resident.pk).count() == events
    assert ResidenceSpell.objects.filter(resident=resident).count() == 1
    entered.refresh_from_db()
    assert (entered.status, entered.registry_change_id) == (ManualMoveStatus.CONFIRMED, change.pk)
    with pytest.raises(InvalidState):  # confirmed by the registry: corrected by the registry's own lines
        manual_move_cancel(actor=clerk, move_id=entered.pk, reason="誤り")


@pytest.mark.parametrize("values", [
    pytest.param({"days": 4, "to": YOKOHAMA}, id="another-day"),
    pytest.param({"days": 5, "to": ABROAD_CODE}, id="abroad-not-domestic"),
])
@pytest.mark.django_db
def test_a_registry_line_that_differs_goes_to_the_work_queue(clerk, values):
    resident = insured()
    on = date.today() - timedelta(days=5)
    manual_move_record(actor=clerk, resident_id=resident.pk, move=MoveInput("move_out", on, YOKOHAMA))
    periods = current(resident)
    change = _intake(resident, kind="B1", effective_on=(date.today() - timedelta(days=values["days"]))
                     .isoformat(), to_municipality=values["to"])
    assert change.status == ChangeStatus.QUEUED
    assert WorkItem.objects.get(change=change).kind == "conflict"
    assert current(resident) == periods
    assert ManualMove.objects.get(resident=resident).status == ManualMoveStatus.RECORDED


# --- the screens --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_screen_confirms_before_saving(client_as):
    client = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    resident = insured()
    url = f"/persons/{resident.pk}/qualification/moves/"
    assert client.get(url).status_code == 200
    on = date.today() - timedelta(days=7)
    data = {"kind": "abroad", "moved_on": on.isoformat(), "destination": "", "ward": ""}
    confirm = client.post(url, data)
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "入力内容の確認（まだ記録していません）" in text
    assert "国外への転出は転出日の翌日に資格を喪失します" in text
    assert not ManualMove.objects.exists()  # nothing saved before the confirmation

    assert client.post(url, {**data, "confirmed": "on"}).status_code == 302
    move = ManualMove.objects.get(resident=resident)
    assert (move.kind, move.moved_on, move.entered_by_id) == (MoveKind.ABROAD, on, client.staff.pk)

    bad = client.post(url, {"kind": "move_out", "moved_on": on.isoformat(), "destination": "１４１００４"})
    assert bad.status_code == 400 and "住民ではない方" in bad.content.decode()

    cancel = f"/persons/{resident.pk}/qualification/moves/{move.pk}/cancel/"
    assert client.get(cancel).status_code == 200
    assert client.post(cancel, {"reason": ""}).status_code == 400
    assert client.post(cancel, {"reason": "入力誤り"}).status_code == 302
    move.refresh_from_db()
    assert move.status == ManualMoveStatus.CANCELLED


@pytest.mark.django_db
def test_another_wards_clerk_gets_403_on_saving(client_as):
    resident = insured()
    client = client_as(Role.WARD_CLERK, organisation=Organisation.SAIWAI)
    url = f"/persons/{resident.pk}/qualification/moves/"
    data = {"kind": "abroad", "moved_on": date.today().isoformat(), "confirmed": "on"}
    assert client.post(url, data).status_code == 403
    assert not ManualMove.objects.exists()
