"""The nightly registry intake (scheduled in kaigo/celery.py). Thin: it calls the services."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from celery import shared_task
from django.conf import settings

from eligibility.intake.services import registry_file_receive_and_start
from kaigo.batches.models import BatchRun

log = logging.getLogger(__name__)


@shared_task(name="eligibility.intake.tasks.registry_intake_nightly", ignore_result=True)
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
