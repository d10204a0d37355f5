"""Celery tasks of the batch framework: thin, they take ids and call services."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from kaigo.batches import services

logger = logging.getLogger(__name__)


class ChunkFailed(Exception):
    """Carries only the safe description of a chunk's failure into Celery's own logs."""


@shared_task(bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True)
def batch_chunk_process(self, chunk_id: int) -> str:
    try:
        return services.chunk_process(chunk_id)
    except Exception as exc:  # noqa: BLE001 - every failure is retried, then recorded
        error = services.safe_error(exc)
        retries = self.request.retries
        if retries < settings.BATCH_MAX_RETRIES:
            countdown = settings.BATCH_RETRY_BACKOFF * (2**retries)
            logger.warning("batch chunk %s failed (%s); retry %d in %.1fs", chunk_id, error, retries + 1, countdown)
            raise self.retry(countdown=countdown, exc=ChunkFailed(error)) from None
        logger.error("batch chunk %s failed after %d retries (%s)", chunk_id, retries, error)
        services.chunk_mark_failed(chunk_id, error=error)
        return "failed"


@shared_task
def batch_resume_stalled() -> list[int]:
    return services.batch_resume_stalled(stalled_for=timedelta(minutes=30))
