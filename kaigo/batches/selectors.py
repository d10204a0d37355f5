from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from kaigo.batches.models import BatchChunk, BatchError, BatchRun

RUN_LIST_LIMIT = 100
ERROR_LIST_LIMIT = 200


def batch_run_list(*, limit: int = RUN_LIST_LIMIT) -> list[BatchRun]:
    """The latest runs, newest first (capped: the console never counts the whole table)."""
    return list(BatchRun.objects.select_related("operator").order_by("-id")[:limit])


def batch_run_get(*, run_id: int) -> BatchRun:
    return BatchRun.objects.select_related("operator", "resumed_by").get(pk=run_id)


def batch_chunk_summary(*, run: BatchRun) -> dict[str, int]:
    counts = BatchChunk.objects.filter(run=run).aggregate(
        pending=Count("pk", filter=Q(status=BatchChunk.Status.PENDING)),
        done=Count("pk", filter=Q(status=BatchChunk.Status.DONE)),
        failed=Count("pk", filter=Q(status=BatchChunk.Status.FAILED)),
        retried=Count("pk", filter=Q(attempts__gt=1)),
    )
    return counts


def batch_error_list(*, run: BatchRun, limit: int = ERROR_LIST_LIMIT) -> QuerySet[BatchError]:
    return BatchError.objects.filter(run=run).select_related("chunk").order_by("id")[:limit]
