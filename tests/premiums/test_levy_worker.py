"""The main levy end to end on a generated city: the `premiums.main_levy` batch on a real Celery
worker; a worker killed mid-run, then resumed, levies each person exactly once."""

from __future__ import annotations

import time
from datetime import date

import pytest
from django.db import connection

from kaigo.batches.models import BatchChunk, BatchRun
from kaigo.batches.services import batch_resume, batch_start
from premiums.levy.selectors import levy_candidates
from premiums.models import Levy
from synthetic.city import generate
from synthetic.premium_facts import premium_facts_generate
from tests.kaigo.test_batches_worker import done_chunks, finished, wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
FY = 2026


@pytest.fixture(autouse=True)
def premium_tables(transactional_db):
    """The rate tables and collection plan the migrations seed: an earlier transactional test's
    flush removes them, so they are seeded again by the migrations' own functions."""
    import importlib

    from django.apps import apps as django_apps

    from premiums.models import PremiumCollectionPlan, PremiumRateTable

    if not PremiumRateTable.objects.exists():
        importlib.import_module("premiums.migrations.0002_national_standard_9th").seed(django_apps, None)
    if not PremiumCollectionPlan.objects.exists():
        importlib.import_module("premiums.migrations.0004_assumed_collection_plan").seed(django_apps, None)


def generated_city(seed: int) -> list[int]:
    generate(residents=4_000, seed=seed, as_of=date(2026, 4, 1))
    premium_facts_generate(fiscal_year=FY, seed=seed)
    return levy_candidates(FY)


def assert_each_person_levied_once(persons: list[int]):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT resident_id) FROM premiums_levy WHERE fiscal_year = %s", [FY])
        assert cursor.fetchone() == (len(persons), len(persons))
        # installments belong to current levies only, and each levy's installments add up to its amount
        cursor.execute(
            "SELECT count(*) FROM premiums_levy l WHERE l.amount <> l.overpaid * -1 + coalesce(("
            "SELECT sum(i.amount) FROM premiums_levyinstallment i WHERE i.levy_id = l.id), 0)")
        assert cursor.fetchone() == (0,)
    assert sorted(Levy.objects.values_list("resident_id", flat=True)) == persons


def test_the_main_levy_runs_end_to_end_on_a_generated_city(start_worker):
    persons = generated_city(seed=51)
    worker = start_worker(concurrency=2)
    run = batch_start(kind="premiums.main_levy", params={"fiscal_year": FY, "persons_per_chunk": 300, "business_date": "2026-07-15"}, actor=None,
                      origin=BatchRun.Origin.COMMAND)
    wait_until(lambda: finished(run), timeout=120, what="the main levy to finish", worker=worker)
    assert run.status == BatchRun.Status.SUCCEEDED, worker.log_tail()
    assert (run.total, run.failed) == (len(persons), 0)
    assert_each_person_levied_once(persons)
    assert not Levy.objects.exclude(batch_run=run).exists()


def test_worker_killed_during_the_main_levy_then_resumed_levies_each_person_once(start_worker):
    persons = generated_city(seed=52)
    first = start_worker(concurrency=2)
    run = batch_start(kind="premiums.main_levy", params={"fiscal_year": FY, "persons_per_chunk": 40, "business_date": "2026-07-15"}, actor=None,
                      origin=BatchRun.Origin.COMMAND)
    wait_until(lambda: done_chunks(run) >= 3, timeout=120, what="some chunks to be done", worker=first)
    first.kill()
    time.sleep(0.5)
    run.refresh_from_db()
    assert done_chunks(run) < run.chunk_count, "the worker must die mid-run for this test to mean anything"
    # nothing of a half-done chunk was kept: the levied persons are exactly those of the done chunks
    done = BatchChunk.objects.filter(run=run, status=BatchChunk.Status.DONE)
    assert Levy.objects.count() == sum(c.size for c in done)

    # resume before the new worker starts: it would otherwise take the chunks still queued from the
    # first start and could finish the run before the resume, which refuses a finished run
    batch_resume(run_id=run.pk, actor=None)
    second = start_worker(concurrency=2)
    wait_until(lambda: finished(run), timeout=180, what="the resumed levy to finish", worker=second)
    assert run.status == BatchRun.Status.SUCCEEDED, second.log_tail()[-3000:]
    assert run.processed == run.total == len(persons)
    assert_each_person_levied_once(persons)
