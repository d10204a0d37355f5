"""Periodic jobs of premiums (scheduled in kaigo/celery.py). Thin: they start the batch kinds."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from kaigo.batches.models import BatchRun
from kaigo.batches.services import batch_start
from premiums.rules.tables import fiscal_year_of


def _start(kind: str, params: dict) -> int:
    return batch_start(kind=kind, params=params, actor=None, origin=BatchRun.Origin.SCHEDULE).pk


@shared_task(name="premiums.tasks.relevy_monthly", ignore_result=True)
def relevy_monthly() -> list[int]:
    """The monthly re-levy of changes (更正) of the current fiscal year and the previous one (a change
    dated back reaches both)."""
    today = timezone.localdate()
    year = fiscal_year_of(today)
    return [_start("premiums.relevy", {"fiscal_year": y, "business_date": today.isoformat()}) for y in (year - 1, year)]


@shared_task(name="premiums.tasks.reminders_daily", ignore_result=True)
def reminders_daily() -> int:
    """督促状 for the bills whose 納期限 passed within the window (issued every business day)."""
    return _start("premiums.reminders", {"business_date": timezone.localdate().isoformat()})


@shared_task(name="premiums.tasks.prescription_monthly", ignore_result=True)
def prescription_monthly() -> int:
    return _start("premiums.prescription", {"business_date": timezone.localdate().isoformat()})
