"""Celery tasks of the batch framework: thin, they take ids and call services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from kaigo.batches import services

logger = logging.getLogger(__name__)


class ChunkFailed(Exception):
    """Carries only the safe description of a chunk's failure into Celery's own logs."""


class ChunkLocked(Exception):
    """The chunk's row is held by another transaction: try again a little later."""


@shared_task(bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True)
def batch_chunk_process(self, chunk_id: int) -> str:
    try:
        outcome = services.chunk_process(chunk_id)
    except Exception as exc:  # noqa: BLE001 - every failure is retried, then recorded
        error = services.safe_error(exc)
        retries = self.request.retries
        if retries < settings.BATCH_MAX_RETRIES:
            countdown = settings.BATCH_RETRY_BACKOFF * (2**retries)
            logger.warning("batch chunk %s failed (%s); retry %d in %.1fs", chunk_id, error, retries + 1, countdown)
            raise self.retry(countdown=countdown, exc=ChunkFailed(error)) from None
        if services.database_unavailable(exc):
            # Not the chunk's fault: it stays pending and the supervisor queues it again once
            # PostgreSQL answers (marking it failed would need the database anyway).
            logger.error("batch chunk %s: database unavailable after %d retries (%s); left pending for the "
                         "supervisor", chunk_id, retries, error)
            return "database-unavailable"
        logger.error("batch chunk %s failed after %d retries (%s)", chunk_id, retries, error)
        try:
            services.chunk_mark_failed(chunk_id, error=error)
        except Exception as mark_exc:  # noqa: BLE001 - the chunk stays pending: the supervisor re-queues it
            logger.error("batch chunk %s could not be marked failed (%s); left pending for the supervisor",
                         chunk_id, services.safe_error(mark_exc))
            return "unrecorded"
        return "failed"
    if outcome == "skipped-locked" and self.request.retries < settings.BATCH_MAX_RETRIES:
        # Another transaction holds the chunk: the worker that has it (then the retry finds it done),
        # or someone else's session. Look again later instead of dropping the task; after the last
        # retry the supervisor takes over.
        countdown = settings.BATCH_RETRY_BACKOFF * (2**self.request.retries)
        logger.info("batch chunk %s is locked by another transaction; looking again in %.1fs", chunk_id, countdown)
        raise self.retry(countdown=countdown, exc=ChunkLocked("locked")) from None
    return outcome


@shared_task
def batch_supervise() -> dict[int, str]:
    """Beat job ``batches-supervise`` (kaigo/celery.py): runs without progress are re-queued or
    marked stalled (services.batch_supervise)."""
    try:
        return services.batch_supervise()
    except DatabaseError as exc:  # PostgreSQL down: the next pass, a few seconds on, looks again
        logger.warning("batch supervisor: database unavailable (%s)", services.safe_error(exc))
        return {}
