"""The monthly 65th-birthday run (scheduled in kaigo/celery.py). Thin: it starts the batch."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from eligibility.qualification.rules import next_month_start
from kaigo.batches.models import BatchRun
from kaigo.batches.services import batch_start


def next_month(today: date) -> str:
    return f"{next_month_start(today):%Y-%m}"


@shared_task(name="eligibility.qualification.tasks.age65_monthly", ignore_result=True)
def age65_monthly() -> int:
    run = batch_start(kind="eligibility.age65", params={"month": next_month(date.today())}, actor=None,
                      origin=BatchRun.Origin.SCHEDULE)
    return run.pk
