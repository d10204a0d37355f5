"""The one-off correction of move-out loss dates (batch kind eligibility.move_out_loss_date, 法 §11
ただし書): move-outs recorded before the residence spell kept its destination lost on the day
after; the batch takes the destination from the registry line the intake kept, lists who changes
(dry run) and records it through requalify (real run). In-process; the worker path with the
premiums' re-levy is tests/eligibility/test_move_out_correction_worker.py."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from eligibility.codes import ABROAD_CODE, GainReason, InsuredClass, LossReason, municipality_code
from eligibility.intake import services as intake
from eligibility.intake.selectors import move_out_destinations
from eligibility.models import QualificationPeriod, RegistryChange, ResidenceSpell, Resident
from eligibility.qualification.batch_kinds import MoveOutLossDate, loss_date_changes
from eligibility.qualification.rules import Period
from eligibility.qualification.services import Context, requalify, stored_periods
from kaigo.crypto.deks import dek_forget
from kaigo.crypto.models import PersonKey
from kaigo.outbox.models import OutboxEvent
from tests.eligibility.factories import make_elderly, registry_file, registry_line
from tests.eligibility.test_qualification import run_kind

pytestmark = pytest.mark.django_db

CHIYODA = municipality_code("13101")
MOVED = date(2026, 5, 31)  # the last day of a month: the loss day decides whether May is charged


def move_out(resident, destination: str, *, moved: date = MOVED) -> RegistryChange:
    """A 転出 applied by the intake (its line kept), then the spell as the intake stored it before
    issue 16 (no destination) and the history derived then (lost on the day after)."""
    data = registry_file(registry_line(resident, kind="B1", effective_on=moved.isoformat(),
                                       notified_on=moved.isoformat(), to_municipality=destination))
    received = intake.registry_file_receive(data, file_name="b1.csv", business_date=moved + timedelta(days=2))
    intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)
    return legacy(resident)


def legacy(resident):
    ResidenceSpell.objects.filter(resident=resident).update(moved_to="")
    requalify([resident.pk], until=date.today(), context=Context(source="intake"))
    return RegistryChange.objects.filter(person_id=resident.pk, kind="B1").first()


def moved_out_without_line(resident, *, moved: date = MOVED) -> None:
    """A 転出 from before the records: the spell is closed, no registry line is kept."""
    Resident.objects.filter(pk=resident.pk).update(status="moved_out", moved_out_on=moved)
    ResidenceSpell.objects.filter(resident=resident).update(end=moved, end_kind="move_out")
    requalify([resident.pk], until=date.today(), context=Context(source="intake"))


def loss_of(resident) -> date:
    (period,) = stored_periods([resident.pk])[resident.pk]
    assert period.loss_reason == LossReason.MOVE_OUT
    return period.end


@pytest.fixture
def city():
    domestic, abroad, unknown, staying = make_elderly(), make_elderly(), make_elderly(), make_elderly()
    move_out(domestic, CHIYODA)
    move_out(abroad, ABROAD_CODE)
    moved_out_without_line(unknown)
    assert [loss_of(p) for p in (domestic, abroad, unknown)] == [MOVED + timedelta(days=1)] * 3  # as before
    return domestic, abroad, unknown, staying


def test_the_dry_run_lists_who_changes_and_who_cannot_be_decided_and_writes_nothing(city):
    domestic, abroad, unknown, staying = city
    revisions, events = QualificationPeriod.objects.count(), OutboxEvent.objects.count()

    succeeded, errors = run_kind(MoveOutLossDate(), {"apply": False, "persons_per_chunk": 100})

    # the three who moved out are the run's records; the abroad mover does not change (§11 本文)
    assert succeeded == 1
    listed = {e.record_key: e for e in errors}
    assert set(listed) == {str(domestic.pk), str(unknown.pk)}
    changed = listed[str(domestic.pk)]
    assert changed.code == "loss_date_changes"
    assert changed.message == "資格喪失日 2026-06-01 → 2026-05-31（試行: 記録していません）"
    assert listed[str(unknown.pk)].code == "destination_unknown"
    assert "2026-05-31" in listed[str(unknown.pk)].message
    for error in errors:  # no name, no address
        assert domestic.name_kanji not in error.message and "川崎市" not in error.message
    # nothing written
    assert (QualificationPeriod.objects.count(), OutboxEvent.objects.count()) == (revisions, events)
    assert set(ResidenceSpell.objects.exclude(end=None).values_list("moved_to", flat=True)) == {""}
    assert loss_of(domestic) == MOVED + timedelta(days=1)


def test_the_real_run_records_new_revisions_and_one_event_each_then_only_the_undecided_remain(city):
    domestic, abroad, unknown, staying = city

    succeeded, errors = run_kind(MoveOutLossDate(), {"apply": True, "persons_per_chunk": 100})

    assert succeeded == 1
    assert {(e.record_key, e.code) for e in errors} == {(str(domestic.pk), "loss_date_changed"),
                                                        (str(unknown.pk), "destination_unknown")}
    assert [loss_of(p) for p in (domestic, abroad, unknown)] == [MOVED, MOVED + timedelta(days=1),
                                                                MOVED + timedelta(days=1)]
    # the destinations are stored on the spells (the unknown one stays empty)
    assert dict(ResidenceSpell.objects.exclude(end=None).values_list("resident_id", "moved_to")) == {
        domestic.pk: CHIYODA, abroad.pk: ABROAD_CODE, unknown.pk: ""}
    # a new revision through requalify, with its event for the premiums (effective from the new loss day)
    latest = QualificationPeriod.objects.get(resident=domestic, recorded_to__isnull=True)
    assert (latest.source, latest.end) == ("recompute", MOVED)
    event = OutboxEvent.objects.filter(person_id=domestic.pk).latest("id")
    assert (event.topic, event.effective_from) == ("eligibility.qualification_changed", MOVED)
    assert event.payload["cause"].startswith("move-out-loss:")
    assert not OutboxEvent.objects.filter(payload__cause=event.payload["cause"]).exclude(person_id=domestic.pk)

    # a second run: only the move-out whose destination is still unknown
    succeeded, errors = run_kind(MoveOutLossDate(), {"apply": True, "persons_per_chunk": 100})
    assert (succeeded, [(e.record_key, e.code) for e in errors]) == (0, [(str(unknown.pk), "destination_unknown")])


def test_a_move_to_another_municipality_on_the_65_date_was_never_insured_here():
    born_1961 = make_elderly(birth_date=date(1961, 6, 1))  # 65 date 2026-05-31
    move_out(born_1961, CHIYODA, moved=date(2026, 5, 31))
    assert stored_periods([born_1961.pk])[born_1961.pk] == [
        Period(InsuredClass.FIRST, date(2026, 5, 31), date(2026, 6, 1), GainReason.AGE_65, LossReason.MOVE_OUT)]

    _, errors = run_kind(MoveOutLossDate(), {"apply": True, "persons_per_chunk": 100})

    assert [(e.code, e.message) for e in errors] == [
        ("loss_date_changed", "資格喪失日 2026-06-01 → 期間なし（取得日に他市町村へ転出）")]
    assert stored_periods([born_1961.pk]).get(born_1961.pk, []) == []


def test_destinations_come_from_applied_lines_only_and_a_shredded_file_gives_none():
    kept, shredded = make_elderly(), make_elderly()
    move_out(kept, CHIYODA)
    change = move_out(shredded, ABROAD_CODE)
    # the file's key destroyed, as kaigo.crypto.services.person_shred does (durable: not in a test's transaction)
    PersonKey.objects.filter(person_id=-change.file_id).update(wrapped_dek=None, shredded_at=timezone.now())
    dek_forget(-change.file_id)
    other_day = MOVED - timedelta(days=1)

    assert move_out_destinations([(kept.pk, MOVED), (kept.pk, other_day), (shredded.pk, MOVED)]) == {
        (kept.pk, MOVED): CHIYODA}
    assert move_out_destinations([]) == {}


@pytest.mark.parametrize(("old", "new", "text"), [
    pytest.param([Period("1", date(2015, 6, 14), date(2026, 6, 1), "02", "51")],
                 [Period("1", date(2015, 6, 14), date(2026, 5, 31), "02", "51")],
                 "資格喪失日 2026-06-01 → 2026-05-31", id="one-day-earlier"),
    pytest.param([Period("1", date(2015, 6, 14), date(2026, 3, 11), "02", "51"),
                  Period("1", date(2026, 3, 11), None, "01", None)],
                 [Period("1", date(2015, 6, 14), date(2026, 3, 10), "02", "51"),
                  Period("1", date(2026, 3, 11), None, "01", None)],
                 "資格喪失日 2026-03-11 → 2026-03-10", id="moved-back-the-next-day"),
    pytest.param([Period("1", date(2026, 5, 31), date(2026, 6, 1), "02", "51")], [],
                 "資格喪失日 2026-06-01 → 期間なし（取得日に他市町村へ転出）", id="period-gone"),
    pytest.param([Period("1", date(2015, 6, 14), None, "02", None)],
                 [Period("1", date(2015, 6, 14), None, "01", None)], "資格履歴の事由が変わります。", id="reason-only"),
])
def test_loss_date_changes_text(old, new, text):
    assert loss_date_changes(old, new) == text
