"""Qualification history in the database: revisions, as-of reads, the overlap constraint, the
65th-birthday run, the consistency check and the events (real PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from eligibility.cards.services import age65_issue_cards
from eligibility.codes import GainReason
from eligibility.models import CardIssue, QualificationPeriod, ResidenceSpell, Resident
from eligibility.qualification.batch_kinds import Age65, QualificationCheck
from eligibility.qualification.rules import Period, month_bounds
from eligibility.qualification.selectors import as_of, history_rows
from eligibility.qualification.services import (
    Context,
    age65_candidates,
    first_difference,
    requalify,
    stored_periods,
)
from kaigo.batches.models import BatchRun
from kaigo.outbox.models import ConsumedEvent, OutboxEvent
from kaigo.outbox.registry import consumer, unregister
from kaigo.outbox.services import NewEvent, publish, relay
from synthetic.city import generate
from tests.eligibility.factories import make_resident

pytestmark = pytest.mark.django_db
CTX = Context(source="notification")


def test_requalify_twice_records_one_revision_and_one_event():
    resident = make_resident(birth_date=date(1950, 6, 15))
    first = requalify([resident.pk], until=date(2026, 1, 1), context=CTX)
    again = requalify([resident.pk], until=date(2026, 1, 1), context=CTX)
    assert (first.changed, again.changed) == ([resident.pk], [])
    assert QualificationPeriod.objects.filter(resident=resident).count() == 1
    assert OutboxEvent.objects.filter(person_id=resident.pk).count() == 1


def test_as_of_answers_what_the_office_knew_and_what_was_true():
    resident = make_resident(birth_date=date(1950, 6, 15))
    t0 = timezone.now()
    requalify([resident.pk], until=date(2026, 1, 1), context=CTX, now=t0)
    # later the office learns of a death on 2025-03-10
    Resident.objects.filter(pk=resident.pk).update(status="deceased", died_on=date(2025, 3, 10))
    ResidenceSpell.objects.filter(resident=resident).update(end=date(2025, 3, 10), end_kind="death")
    t1 = t0 + timedelta(days=30)
    requalify([resident.pk], until=date(2026, 1, 1), context=CTX, now=t1)

    rows = history_rows(resident.pk)
    assert [r.revision for r in rows] == [2, 1]
    before = as_of(rows, known_at=t0 + timedelta(days=1))
    after = as_of(rows, known_at=t1 + timedelta(seconds=1))
    assert [(r.start, r.end) for r in before] == [(date(2015, 6, 14), None)]
    assert [(r.start, r.end, r.loss_reason) for r in after] == [(date(2015, 6, 14), date(2025, 3, 11), "52")]
    # true on 2025-06-01: insured by what was known at t0, not by what is known now
    assert as_of(rows, known_at=t0 + timedelta(days=1), true_on=date(2025, 6, 1))
    assert as_of(rows, known_at=t1 + timedelta(seconds=1), true_on=date(2025, 6, 1)) == []
    assert stored_periods([resident.pk], known_at=t0 + timedelta(days=1))[resident.pk][0].end is None


def test_the_database_refuses_overlapping_current_periods_but_keeps_closed_revisions():
    resident = make_resident(birth_date=date(1950, 6, 15))
    requalify([resident.pk], until=date(2026, 1, 1), context=CTX)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        QualificationPeriod.objects.create(resident=resident, insured_class="1", start=date(2020, 1, 1),
                                           gain_reason="01", recorded_from=now, source="correction")
    # a closed (superseded) row may overlap: it is history
    QualificationPeriod.objects.create(resident=resident, insured_class="1", start=date(2020, 1, 1),
                                       gain_reason="01", recorded_from=now, recorded_to=now, source="correction")


@pytest.mark.parametrize(("old", "new", "expected"), [
    pytest.param([], [], None, id="identical-empty"),
    pytest.param([], [Period("1", date(2020, 5, 1), None, "01", None)], date(2020, 5, 1), id="new-period"),
    pytest.param([Period("1", date(2015, 6, 14), None, "02", None)],
                 [Period("1", date(2015, 6, 14), date(2025, 3, 11), "02", "52")], date(2025, 3, 11), id="loss-added"),
    pytest.param([Period("1", date(2015, 6, 14), None, "02", None)],
                 [Period("1", date(2015, 6, 14), None, "01", None)], date(2015, 6, 14), id="reason-only"),
    pytest.param([Period("2", date(2020, 1, 1), date(2021, 1, 1), "04", "31"), Period("1", date(2021, 1, 1), None, "31", None)],
                 [Period("1", date(2021, 1, 1), None, "02", None)], date(2020, 1, 1), id="second-class-dropped"),
])
def test_first_difference(old, new, expected):
    assert first_difference(old, new) == expected


@pytest.mark.parametrize(("birth", "month", "gains"), [
    pytest.param(date(1961, 12, 15), "2026-12", date(2026, 12, 14), id="mid-month"),
    pytest.param(date(1962, 1, 1), "2026-12", date(2026, 12, 31), id="born-on-the-1st-gains-previous-month"),
    pytest.param(date(1961, 12, 1), "2026-11", date(2026, 11, 30), id="born-1-december"),
    pytest.param(date(1960, 2, 29), "2025-02", date(2025, 2, 28), id="born-29-february-common-year"),
    pytest.param(date(1961, 3, 1), "2026-02", date(2026, 2, 28), id="born-1-march"),
])
def test_age65_run_finds_the_persons_gains_on_the_right_day_and_issues_one_card(birth, month, gains):
    resident = make_resident(birth_date=birth)
    other = make_resident(birth_date=birth + timedelta(days=40))
    first, last = month_bounds(month)
    ids = age65_candidates(first, last)
    assert resident.pk in ids and other.pk not in ids

    requalify(ids, until=last, context=Context(source="birthday_run"))
    assert age65_issue_cards(ids, first=first, last=last, batch_run_id=None) == {resident.pk}
    assert age65_issue_cards(ids, first=first, last=last, batch_run_id=None) == {resident.pk}  # re-run
    (period,) = stored_periods([resident.pk])[resident.pk]
    assert (period.start, period.gain_reason) == (gains, GainReason.AGE_65)
    assert CardIssue.objects.filter(resident=resident).count() == 1


def run_kind(kind, params) -> tuple[int, list]:
    """Plan and process every chunk of a kind in-process (the worker path is tested elsewhere)."""
    from kaigo.batches.models import BatchChunk

    run = BatchRun.objects.create(kind=kind.name, params=params, origin=BatchRun.Origin.COMMAND)
    succeeded, errors = 0, []
    for seq, spec in enumerate(kind.plan(params)):
        chunk = BatchChunk.objects.create(run=run, seq=seq, lo=spec.lo, hi=spec.hi, size=spec.size)
        outcome = kind.process(run=run, chunk=chunk)
        assert outcome.succeeded + len(outcome.errors) == spec.size
        succeeded += outcome.succeeded
        errors += outcome.errors
    return succeeded, errors


def test_age65_kind_counts_persons_who_cannot_gain_as_errors():
    make_resident(birth_date=date(1961, 12, 15))
    leaving = make_resident(birth_date=date(1961, 12, 20))
    ResidenceSpell.objects.filter(resident=leaving).update(end=date(2026, 11, 30), end_kind="move_out")
    succeeded, errors = run_kind(Age65(), {"month": "2026-12"})
    assert succeeded == 1
    assert [(e.record_key, e.code) for e in errors] == [(str(leaving.pk), "no_qualification")]


def test_generated_city_is_consistent_and_the_check_names_each_person_who_differs():
    generate(residents=2_000, seed=3, as_of=date(2026, 4, 1))
    params = {"chunk_size": 500, "as_of": "2026-04-01"}
    total = Resident.objects.count()
    succeeded, errors = run_kind(QualificationCheck(), params)
    assert (succeeded, errors) == (total, [])
    elderly = QualificationPeriod.objects.values_list("resident_id", flat=True).distinct().count()
    assert 0.2 < elderly / total < 0.35  # about a quarter are 65+

    # tamper with two stored histories: the check names exactly those two persons
    victims = list(QualificationPeriod.objects.order_by("resident_id").values_list("resident_id", flat=True)[:2])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE eligibility_qualificationperiod SET start = start + 1 WHERE resident_id = %s",
                       [victims[0]])
        cursor.execute("DELETE FROM eligibility_qualificationperiod WHERE resident_id = %s", [victims[1]])
    succeeded, errors = run_kind(QualificationCheck(), params)
    assert sorted(e.record_key for e in errors) == sorted(str(v) for v in victims)
    assert {e.code for e in errors} == {"history_differs"}

    # repair: a new revision for exactly those two, then nothing differs
    _, errors = run_kind(QualificationCheck(), {**params, "repair": True})
    assert sorted(e.record_key for e in errors) == sorted(str(v) for v in victims)
    assert {e.code for e in errors} == {"history_repaired"}
    assert run_kind(QualificationCheck(), params)[1] == []


# --- outbox -------------------------------------------------------------------------------------


@pytest.fixture
def received():
    got: list[int] = []

    @consumer("test.topic", name="test.receiver")
    def receive(event):
        got.append(event.person_id)
        if event.payload.get("fail"):
            raise RuntimeError("consumer failed")

    yield got
    unregister("test.receiver")


def test_events_are_delivered_once_in_order_and_a_failing_one_is_kept(received):
    with transaction.atomic():
        publish([NewEvent("test.topic", "k1", person_id=1), NewEvent("test.topic", "k2", person_id=2),
                 NewEvent("test.topic", "k3", person_id=3, payload={"fail": True})])
        publish([NewEvent("test.topic", "k1", person_id=1)])  # the same change again: not twice
    assert OutboxEvent.objects.filter(topic="test.topic").count() == 3

    result = relay()
    assert (result.delivered, result.failed) == (2, 1)
    assert received == [1, 2, 3]
    failed = OutboxEvent.objects.get(dedupe_key="k3")
    assert failed.published_at is None and failed.attempts == 1 and "RuntimeError" in failed.last_error

    OutboxEvent.objects.filter(dedupe_key="k3").update(payload={})
    assert relay().delivered == 1
    assert received == [1, 2, 3, 3]
    assert ConsumedEvent.objects.filter(consumer="test.receiver").count() == 3
    assert relay().delivered == 0


def test_nothing_is_published_for_a_rolled_back_change(received):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish([NewEvent("test.topic", "rolled-back", person_id=9)])
        raise RuntimeError("the change fails")
    assert not OutboxEvent.objects.filter(dedupe_key="rolled-back").exists()
