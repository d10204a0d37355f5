"""Events of decisions through the outbox (docs/subsystems/outbox.md): certification.decided,
certification.changed (区分変更, 取消), certification.ended (supersede, 取消, lapse), each published once,
with numbers, codes and dates only; the consumer of eligibility.qualification_changed that lapses the
certification in force when the person loses qualification (relayed as premiums' tests do)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction

from certification.decisions.models import Certification
from certification.decisions.services import (
    board_result_enter,
    certification_revoke,
    decision_decide,
)
from certification.rules.cases import CaseKind
from eligibility.codes import ResidenceStatus
from eligibility.qualification.services import Context, requalify
from eligibility.residents.models import Resident
from kaigo.outbox.models import OutboxEvent
from kaigo.outbox.services import relay
from kaigo.staff.roles import Organisation, Role
from tests.certification.factories import make_certification, make_insured
from tests.certification.test_decisions import entry, scheduled

pytestmark = pytest.mark.django_db
TODAY = date.today()
PAYLOAD_KEYS = {"certification", "level", "valid_from", "valid_to", "case_kind"}


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)


def events(topic: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(topic=topic).order_by("id"))


def test_a_new_decision_publishes_decided_once_without_names(clerk):
    case = scheduled(clerk)
    board_result_enter(actor=clerk, case_id=case.pk, entry=entry("22", 6))
    cert = decision_decide(actor=clerk, case_id=case.pk)
    [event] = events("certification.decided")
    assert event.dedupe_key == f"certification.decided:{cert.pk}" and event.person_id == case.resident_id
    assert event.payload == {"certification": cert.pk, "level": "22", "valid_from": cert.valid_from.isoformat(),
                             "valid_to": cert.valid_to.isoformat(), "case_kind": "new"}
    assert event.effective_from == cert.valid_from
    assert not events("certification.changed") and not events("certification.ended")
    resident = Resident.objects.get(pk=case.resident_id)
    assert resident.name_kanji not in str(event.payload)


def test_a_change_publishes_decided_changed_and_the_previous_ended(clerk):
    person = make_insured()
    previous = make_certification(person, level="21", valid_from=TODAY - timedelta(days=100),
                                  valid_to=TODAY + timedelta(days=200), actor=clerk)
    case = scheduled(clerk, person, kind=CaseKind.CHANGE, applied_on=TODAY - timedelta(days=15), primary="23")
    board_result_enter(actor=clerk, case_id=case.pk, entry=entry("23", 12))
    cert = decision_decide(actor=clerk, case_id=case.pk)
    [decided], [changed], [ended] = (events("certification.decided"), events("certification.changed"),
                                     events("certification.ended"))
    assert decided.payload["certification"] == changed.payload["certification"] == cert.pk
    assert changed.payload["cause"] == "change" and changed.payload["case_kind"] == "change"
    assert ended.payload["certification"] == previous.pk and ended.payload["end_reason"] == "superseded"
    assert ended.payload["ended_on"] == case.applied_on.isoformat()
    assert PAYLOAD_KEYS <= set(decided.payload) and PAYLOAD_KEYS <= set(ended.payload)


def test_revoke_publishes_changed_and_ended_once(clerk):
    person = make_insured()
    cert = make_certification(person, valid_from=TODAY - timedelta(days=100), valid_to=TODAY + timedelta(days=100),
                              actor=clerk)
    certification_revoke(actor=clerk, certification_id=cert.pk, on=TODAY, reason="要介護状態に該当しなくなった")
    [changed], [ended] = events("certification.changed"), events("certification.ended")
    assert changed.payload["cause"] == "revoked" and ended.payload["end_reason"] == "revoked"
    # publishing the same end again writes nothing (dedupe key)
    from certification.decisions.services import _ended_event
    from kaigo.outbox.services import publish

    with transaction.atomic():
        assert publish([_ended_event(Certification.objects.get(pk=cert.pk), "new")]) == 0
    assert len(events("certification.ended")) == 1


def die(person, on: date) -> None:
    Resident.objects.filter(pk=person.pk).update(status=ResidenceStatus.DECEASED, died_on=on)
    with transaction.atomic():
        requalify([person.pk], until=TODAY, context=Context(source="notification", event_key=f"death:{person.pk}"))
    relay()


def test_loss_of_qualification_lapses_the_certification_and_publishes_ended(clerk):
    person = make_insured()
    cert = make_certification(person, valid_from=TODAY - timedelta(days=100), valid_to=TODAY + timedelta(days=100),
                              actor=clerk)
    older = make_certification(person, valid_from=TODAY - timedelta(days=400), valid_to=TODAY - timedelta(days=101),
                               actor=clerk)
    died = TODAY - timedelta(days=3)
    die(person, died)
    cert.refresh_from_db()
    older.refresh_from_db()
    lost_on = died + timedelta(days=1)  # 法 §11: the day after the death
    assert (cert.end_reason, cert.ended_on) == ("lapsed", lost_on)
    assert older.ended_on is None  # expired before: untouched
    [ended] = events("certification.ended")
    assert ended.payload["certification"] == cert.pk and ended.payload["end_reason"] == "lapsed"
    assert ended.payload["ended_on"] == lost_on.isoformat()
    # the relay is idempotent: a second run lapses nothing more, publishes nothing more
    relay()
    assert len(events("certification.ended")) == 1
    assert OutboxEvent.objects.filter(topic="eligibility.qualification_changed", published_at__isnull=True).count() == 0


def test_a_qualification_change_that_is_not_a_loss_leaves_the_certification(clerk):
    person = make_insured()
    cert = make_certification(person, valid_from=TODAY - timedelta(days=100), valid_to=TODAY + timedelta(days=100),
                              actor=clerk)
    from types import SimpleNamespace

    from certification.decisions.consumers import qualification_changed

    event = SimpleNamespace(person_id=person.pk, payload={"periods": [{"start": "2010-05-09", "end": None}]})
    with transaction.atomic():
        qualification_changed(event)
    cert.refresh_from_db()
    assert cert.ended_on is None and not events("certification.ended")
