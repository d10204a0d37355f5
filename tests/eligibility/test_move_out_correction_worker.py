"""The move-out correction end to end on real Celery workers (法 §11 ただし書): the one-off batch
eligibility.move_out_loss_date records new revisions, their eligibility.qualification_changed
events reach the premiums' consumer through the outbox relay, which queues the re-levy of the
right year; the re-levy batch then lowers the premium of a person who moved to another
municipality on the last day of a month (that month is the new municipality's)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from eligibility.codes import ABROAD_CODE, municipality_code
from eligibility.qualification.services import Context, requalify, stored_periods
from kaigo.batches.models import BatchRun
from kaigo.batches.services import batch_start
from kaigo.outbox.services import relay
from premiums.levy.services import main_levy_chunk
from premiums.models import Levy, LevyPending
from tests.eligibility.factories import make_resident
from tests.eligibility.test_move_out_correction import move_out, moved_out_without_line
from tests.kaigo.test_batches_worker import finished, wait_until
from tests.premiums.factories import make_tax_fact
from tests.premiums.test_levy_worker import premium_tables  # noqa: F401  (autouse fixture: the rate tables)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
FY = 2026
CHIYODA = municipality_code("13101")
MONTH_END = date(2026, 5, 31)  # old loss 6/1: April and May charged; new loss 5/31: April only
MID_MONTH = date(2026, 8, 20)  # old loss 8/21, new 8/20: the same months either way


def current(person) -> Levy:
    return Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)


def test_the_correction_reaches_the_premiums_and_the_relevy_lowers_the_premium(start_worker):
    month_end, mid_month, abroad, unknown = persons = [make_resident(birth_date=date(1950, 6, 15)) for _ in range(4)]
    with transaction.atomic():  # these services write in their caller's transaction (a chunk's, a request's)
        requalify([p.pk for p in persons], until=date.today(), context=Context(source="notification"))
        move_out(month_end, CHIYODA, moved=MONTH_END)
        move_out(mid_month, CHIYODA, moved=MID_MONTH)
        move_out(abroad, ABROAD_CODE, moved=MONTH_END)
        moved_out_without_line(unknown, moved=MONTH_END)
        for person in persons:
            make_tax_fact(person, FY, household_taxed=True)  # stage 4: 70,200 a year, 5,850 a month
    relay()
    with transaction.atomic():
        main_levy_chunk(fiscal_year=FY, lo=0, hi=10**12)
    LevyPending.objects.update(processed_at=timezone.now())  # the queue of the set-up is not this test's
    before = {p.pk: current(p) for p in persons}
    assert [before[p.pk].months for p in persons] == [2, 4, 2, 2]  # August: lost in August either way

    worker = start_worker(concurrency=2)
    run = batch_start(kind="eligibility.move_out_loss_date", params={"apply": True, "persons_per_chunk": 100},
                      actor=None, origin=BatchRun.Origin.COMMAND)
    wait_until(lambda: finished(run), timeout=120, what="the correction to finish", worker=worker)
    assert run.status == BatchRun.Status.SUCCEEDED, worker.log_tail()
    assert (run.total, run.succeeded) == (4, 1)  # abroad unchanged; two changed and one undecided listed
    assert sorted(run.errors.values_list("record_key", "code")) == sorted([
        (str(month_end.pk), "loss_date_changed"), (str(mid_month.pk), "loss_date_changed"),
        (str(unknown.pk), "destination_unknown")])
    assert [stored_periods([p.pk])[p.pk][0].end for p in persons] == [
        MONTH_END, MID_MONTH, MONTH_END + timedelta(days=1), MONTH_END + timedelta(days=1)]

    # the worker's outbox relay hands the events to the premiums' consumer: the year of the new loss
    # day goes on the re-levy queue, from that day, for the two whose history changed only
    def queued():
        return set(LevyPending.objects.filter(processed_at__isnull=True).values_list("resident_id", "fiscal_year",
                                                                                     "since"))

    wait_until(lambda: len(queued()) >= 2, timeout=60, what="the re-levy queue", worker=worker)
    mine = {(pid, year, since) for pid, year, since in queued() if year == FY}
    assert mine == {(month_end.pk, FY, MONTH_END), (mid_month.pk, FY, MID_MONTH)}

    relevy = batch_start(kind="premiums.relevy", params={"fiscal_year": FY, "business_date": "2026-11-26",
                                                         "persons_per_chunk": 100},
                         actor=None, origin=BatchRun.Origin.COMMAND)
    wait_until(lambda: finished(relevy), timeout=120, what="the re-levy to finish", worker=worker)
    assert relevy.status == BatchRun.Status.SUCCEEDED, worker.log_tail()

    after = {p.pk: current(p) for p in persons}
    # moved on 31 May to 千代田区: May is 千代田区's month, so one month less here
    assert (after[month_end.pk].months, after[month_end.pk].amount) == (1, 5_850)
    assert after[month_end.pk].amount < before[month_end.pk].amount == 11_700
    assert after[month_end.pk].revision == before[month_end.pk].revision + 1
    # the mid-month mover, the emigrant and the undecided keep their premium (no new revision)
    for person in (mid_month, abroad, unknown):
        assert (after[person.pk].pk, after[person.pk].amount) == (before[person.pk].pk, before[person.pk].amount)
