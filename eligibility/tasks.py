"""Periodic jobs of eligibility (scheduled in kaigo/celery.py). Thin: they call the services."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from celery import shared_task
from django.conf import settings

from eligibility.intake import registry_file_receive_and_start
from eligibility.rules import next_month_start
from kaigo.batches.models import BatchRun
from kaigo.batches.services import batch_start

log = logging.getLogger(__name__)


def next_month(today: date) -> str:
    return f"{next_month_start(today):%Y-%m}"


@shared_task(name="eligibility.tasks.registry_intake_nightly", ignore_result=True)
def registry_intake_nightly() -> int:
    """Receive every change file waiting in the inbox and start its intake run."""
    inbox = Path(settings.KAIGO_REGISTRY_INBOX)
    if not inbox.is_dir():
        return 0
    done = inbox / "done"
    done.mkdir(exist_ok=True)
    started = 0
    for path in sorted(inbox.glob("*.csv")):
        received, run = registry_file_receive_and_start(path.read_bytes(), file_name=path.name,
                                                        business_date=date.today(), actor=None,
                                                        origin=BatchRun.Origin.SCHEDULE)
        path.rename(done / path.name)
        started += run is not None
        log.info("registry file %s received (new=%s)", received.file.pk, received.created)
    return started


@shared_task(name="eligibility.tasks.age65_monthly", ignore_result=True)
def age65_monthly() -> int:
    run = batch_start(kind="eligibility.age65", params={"month": next_month(date.today())}, actor=None,
                      origin=BatchRun.Origin.SCHEDULE)
    return run.pk
