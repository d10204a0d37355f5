"""The daily check of payments for benefit restrictions (scheduled in kaigo/celery.py). Thin: it
calls the service."""

from __future__ import annotations

from celery import shared_task

from benefits.restrictions.services import restrictions_check_paid


@shared_task(name="benefits.restrictions.tasks.restrictions_check_daily", ignore_result=True)
def restrictions_check_daily() -> dict[str, int]:
    """Lift the payment changes and suspensions whose arrears are paid in full, and withdraw the
    notices paid before their decision (法 §66 第3項), every morning after the payment files."""
    return restrictions_check_paid()
