"""Periodic jobs of arrears (scheduled in kaigo/celery.py). Thin: they start the batch kinds."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from kaigo.batches.models import BatchRun
from kaigo.batches.services import batch_start


def _start(kind: str) -> int:
    params = {"business_date": timezone.localdate().isoformat()}
    return batch_start(kind=kind, params=params, actor=None, origin=BatchRun.Origin.SCHEDULE).pk


@shared_task(name="premiums.arrears.tasks.reminders_daily", ignore_result=True)
def reminders_daily() -> int:
    """督促状 for the bills whose 納期限 passed within the window (issued every business day)."""
    return _start("premiums.reminders")


@shared_task(name="premiums.arrears.tasks.prescription_monthly", ignore_result=True)
def prescription_monthly() -> int:
    """不納欠損 of what can no longer be collected (時効), once a month."""
    return _start("premiums.prescription")
