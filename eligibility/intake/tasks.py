"""The nightly registry intake (scheduled in kaigo/celery.py). Thin: it calls the services."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from eligibility.intake.services import IntakeFileInvalid, registry_file_receive_and_start
from kaigo.batches.models import BatchRun

log = logging.getLogger(__name__)

QUARANTINE = "quarantine"  # the inbox's folder of refused files (their reason on 住基異動の取込結果)


@shared_task(name="eligibility.intake.tasks.registry_intake_nightly", ignore_result=True)
def registry_intake_nightly() -> int:
    """Receive every change file waiting in the inbox and start its intake run. A file refused
    whole (empty, not UTF-8, no header or trailer, ...) is recorded with its reason by the service
    and moved to ``quarantine/``; the other files are still received. The log names the file
    (its name and the code of the fault: never a value of its lines)."""
    inbox = Path(settings.KAIGO_REGISTRY_INBOX)
    if not inbox.is_dir():
        return 0
    done = inbox / "done"
    done.mkdir(exist_ok=True)
    started = 0
    for path in sorted(inbox.glob("*.csv")):
        try:
            received, run = registry_file_receive_and_start(path.read_bytes(), file_name=path.name,
                                                            business_date=date.today(), actor=None,
                                                            origin=BatchRun.Origin.SCHEDULE)
        except IntakeFileInvalid as exc:
            moved = _quarantine(inbox, path)
            log.warning("registry file %s refused (%s), moved to %s", path.name, ",".join(exc.faults) or exc.code,
                        moved.relative_to(inbox))
            continue
        except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the inbox
            # not the file's fault as far as we know (the database down, ...): it stays for the next night
            log.error("registry file %s not received (%s), left in the inbox", path.name, type(exc).__name__)
            continue
        path.rename(_free(done / path.name))
        started += run is not None
        log.info("registry file %s received as file %s (new=%s)", path.name, received.file.pk, received.created)
    return started


def _quarantine(inbox: Path, path: Path) -> Path:
    folder = inbox / QUARANTINE
    folder.mkdir(exist_ok=True)
    target = _free(folder / path.name)
    path.rename(target)
    return target


def _free(target: Path) -> Path:
    """``target``, or the same name with the time added when a file of that name is there already
    (a file sent again under the same name must not overwrite the earlier one)."""
    if not target.exists():
        return target
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return target.with_name(f"{target.stem}.{stamp}{target.suffix}")
