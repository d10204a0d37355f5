"""The daily job of the doctor's opinion (scheduled in kaigo/celery.py). Thin: it calls the service."""

from __future__ import annotations

from celery import shared_task

from certification.opinion.services import opinions_mark_late


@shared_task(name="certification.opinion.tasks.opinions_late_daily", ignore_result=True)
def opinions_late_daily() -> int:
    """Mark the opinions not received in time as due for a reminder (督促一覧), every morning."""
    return opinions_mark_late()
