"""The registry intake end to end: a simulated day (linkage simulator) received and applied by a
real Celery worker on PostgreSQL and Redis; a worker killed mid-run, then resumed."""

from __future__ import annotations

import time
from datetime import date

import pytest
from django.db import connection
from django.db.models import Count

from eligibility.intake.models import ChangeStatus
from eligibility.intake.services import registry_file_receive_and_start
from eligibility.codes import ABROAD_CODE
from eligibility.models import RegistryChange, ResidenceSpell, Resident
from kaigo.batches.models import BatchChunk, BatchRun
from kaigo.batches.services import batch_resume
from kaigo.outbox.models import OutboxEvent
from linkage.registry.simulator import ResidentSnapshot, simulate_day_with_faults
from synthetic.city import generate
from tests.kaigo.test_batches_worker import done_chunks, finished, wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
DAY = date.today()


def numbers(sequence: str, count: int):
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
        return iter([r[0] for r in cursor.fetchall()])


def simulated_day(size: int, bad: int, seed: int):
    generate(residents=3_000, seed=seed, as_of=DAY)
    snapshots = [ResidentSnapshot(*r) for r in Resident.objects.values_list(
        "id", "household_id", "birth_date", "ward", "status", "sex")]
    return simulate_day_with_faults(snapshots, day=DAY, size=size, seed=seed, bad_lines=bad,
                                    new_person_ids=numbers("eligibility_resident_number_seq", size),
                                    new_household_ids=numbers("eligibility_household_number_seq", size),
                                    serial_start=seed * 10**6 + 1)


def assert_each_change_settled_once(file, injected: dict[int, str]):
    statuses = dict(RegistryChange.objects.filter(file=file).values_list("status").annotate(n=Count("id")))
    assert statuses.get(ChangeStatus.PENDING, 0) == 0
    rejected = set(RegistryChange.objects.filter(file=file, status=ChangeStatus.REJECTED, error_code__in=set(
        injected.values())).values_list("line_no", flat=True))
    assert set(injected) <= rejected | set(RegistryChange.objects.filter(
        file=file, status=ChangeStatus.DUPLICATE).values_list("line_no", flat=True))
    # one event per person whose history changed, never two for the same revision
    keys = list(OutboxEvent.objects.filter(payload__cause=f"registry-file:{file.pk}").values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys)) > 0
    persons = set(OutboxEvent.objects.filter(payload__cause=f"registry-file:{file.pk}").values_list("person_id", flat=True))
    assert len(persons) == len(keys)


def test_a_simulated_day_is_applied_by_a_worker(start_worker):
    day = simulated_day(size=1_500, bad=15, seed=41)
    worker = start_worker(concurrency=2)
    received, run = registry_file_receive_and_start(day.data, file_name="day.csv", business_date=DAY, actor=None,
                                                    origin=BatchRun.Origin.COMMAND, persons_per_chunk=200)
    wait_until(lambda: finished(run), timeout=120, what="the intake to finish", worker=worker)
    assert run.status == BatchRun.Status.SUCCEEDED, worker.log_tail() + str(list(BatchChunk.objects.filter(run=run).exclude(
        status=BatchChunk.Status.DONE).values_list("error", flat=True)[:3]))
    assert_each_change_settled_once(received.file, day.injected)
    applied = RegistryChange.objects.filter(file=received.file, status=ChangeStatus.APPLIED).count()
    assert applied > 1_300
    births = RegistryChange.objects.filter(file=received.file, status=ChangeStatus.APPLIED, kind="A2")
    assert Resident.objects.filter(pk__in=births.values("person_id")).count() == births.count()
    # every applied 転出 keeps its destination on the spell: another municipality or abroad (法 §11)
    move_outs = RegistryChange.objects.filter(file=received.file, status=ChangeStatus.APPLIED, kind="B1")
    destinations = list(ResidenceSpell.objects.filter(resident_id__in=move_outs.values("person_id"),
                                                      end_kind="move_out").values_list("moved_to", flat=True))
    assert len(destinations) == move_outs.count() > 0 and "" not in destinations
    assert ABROAD_CODE in destinations and any(d != ABROAD_CODE for d in destinations)
    # the change trail names the run on every row the chunks wrote (COPY and UPDATE ... FROM too)
    from eligibility.trail import QualificationPeriodEvent, ResidentEvent

    for model in (ResidentEvent, QualificationPeriodEvent):
        written = model.objects.filter(pgh_created_at__gte=run.started_at)
        assert written.exists()
        assert not written.exclude(pgh_context__batch_run_id=run.pk).exists(), model.__name__


def test_worker_killed_during_the_intake_then_resumed_applies_each_change_once(start_worker):
    day = simulated_day(size=3_000, bad=0, seed=42)
    first = start_worker(concurrency=2)
    received, run = registry_file_receive_and_start(day.data, file_name="day.csv", business_date=DAY, actor=None,
                                                    origin=BatchRun.Origin.COMMAND, persons_per_chunk=40)
    wait_until(lambda: done_chunks(run) >= 3, timeout=120, what="some chunks to be done", worker=first)
    first.kill()
    time.sleep(0.5)
    run.refresh_from_db()
    done_at_kill = done_chunks(run)
    assert done_at_kill < run.chunk_count, "the worker must die mid-run for this test to mean anything"
    # nothing of a half-done chunk was kept: pending changes are exactly those of unfinished chunks
    unfinished = BatchChunk.objects.filter(run=run).exclude(status=BatchChunk.Status.DONE)
    pending = RegistryChange.objects.filter(file=received.file, status=ChangeStatus.PENDING).count()
    assert pending == sum(c.size for c in unfinished)

    # resume before the new worker starts: it would otherwise take the chunks still queued from the
    # first start and could finish the run before the resume, which refuses a finished run
    batch_resume(run_id=run.pk, actor=None)
    second = start_worker(concurrency=2)
    wait_until(lambda: finished(run), timeout=180, what="the resumed intake to finish", worker=second)
    assert run.status == BatchRun.Status.SUCCEEDED, second.log_tail()[-3000:]
    assert_each_change_settled_once(received.file, day.injected)
    assert run.processed == run.total
