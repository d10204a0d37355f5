"""Periodic jobs of the levy (scheduled in kaigo/celery.py). Thin: they start the batch kinds."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from kaigo.batches.models import BatchRun
from kaigo.batches.services import batch_start
from premiums.rules.tables import fiscal_year_of


@shared_task(name="premiums.levy.tasks.relevy_monthly", ignore_result=True)
def relevy_monthly() -> list[int]:
    """The monthly re-levy of changes (更正) of the current fiscal year and the previous one (a change
    dated back reaches both)."""
    today = timezone.localdate()
    year = fiscal_year_of(today)
    return [batch_start(kind="premiums.relevy", params={"fiscal_year": y, "business_date": today.isoformat()},
                        actor=None, origin=BatchRun.Origin.SCHEDULE).pk for y in (year - 1, year)]
