"""Starting, processing, finishing and resuming batches.

Exactly-once per record rests on one rule: a chunk's work, its "done" mark and the run's
counters commit in one transaction, taken with the chunk row locked (SELECT ... FOR UPDATE
SKIP LOCKED). A worker that dies mid-chunk loses its connection, PostgreSQL rolls the chunk
back and frees the lock, and the chunk is still pending for whoever runs it next. A chunk
delivered twice is done once: the second delivery finds it locked or done and skips it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Value, When
from django.db.models.functions import Now
from django.utils import timezone

from kaigo.batches.models import BatchChunk, BatchError, BatchRun
from kaigo.batches.registry import chunk_context, get_kind
from kaigo.errors import ApplicationError, InvalidState, NotPermitted
from kaigo.staff.roles import has_permission

logger = logging.getLogger(__name__)

OPERATE_NOT_PERMITTED = "バッチの開始・再実行は運用担当のみが行えます。"


def require_operate(actor) -> None:
    """NotPermitted unless ``actor`` holds ``batch.operate``; ``None`` is the city itself (a
    schedule or a command run on the server), which needs no role. A batch works on the whole city:
    no ward scope applies, so only the role is checked."""
    if actor is not None and not has_permission(actor, "batch.operate"):
        raise NotPermitted(OPERATE_NOT_PERMITTED)


def batch_start(*, kind: str, params: dict[str, Any], actor, origin: BatchRun.Origin,
                dispatch: bool = True) -> BatchRun:
    """Register a run and its chunks, and queue the chunks once the transaction commits
    (``dispatch=False``: queue nothing; ``batch_run_here`` processes them). The role
    (``batch.operate``) is checked here (``require_operate``)."""
    require_operate(actor)
    batch_kind = get_kind(kind)
    params = batch_kind.clean_params(params)
    with transaction.atomic(durable=True):
        run = BatchRun.objects.create(
            kind=kind, params=params, operator=actor, origin=origin, started_at=timezone.now(),
            last_progress_at=timezone.now(),
        )
        specs = batch_kind.plan(params)
        BatchChunk.objects.bulk_create(
            BatchChunk(run=run, seq=seq, lo=spec.lo, hi=spec.hi, size=spec.size) for seq, spec in enumerate(specs)
        )
        run.chunk_count = len(specs)
        run.total = sum(spec.size for spec in specs)
        if not specs:
            run.status = BatchRun.Status.SUCCEEDED
            run.finished_at = timezone.now()
        run.save(update_fields=["chunk_count", "total", "status", "finished_at"])
        if dispatch:
            transaction.on_commit(lambda: batch_dispatch(run.pk))
    logger.info("batch %s started: kind=%s chunks=%d records=%d", run.pk, kind, run.chunk_count, run.total)
    return run


def batch_run_here(*, kind: str, params: dict[str, Any], actor, origin: BatchRun.Origin) -> BatchRun:
    """Start a run and process its chunks in this process, in order, each exactly as a worker does
    (``chunk_process``: its own transaction, the chunk context, the count check), with no Celery:
    for set-up work that must be done before any worker runs (the synthetic city's year of
    business, ``generate_city --business-to``). Returns the finished run. A chunk that raises
    stops the call and leaves the run running, its chunk pending: ``batch_resume`` finishes it."""
    run = batch_start(kind=kind, params=params, actor=actor, origin=origin, dispatch=False)
    for chunk_id in run.chunks.order_by("seq").values_list("pk", flat=True):
        chunk_process(chunk_id)
    run.refresh_from_db()
    return run


def batch_dispatch(run_id: int) -> int:
    """Queue every pending chunk of a run. Safe to repeat: a chunk is processed at most once."""
    from kaigo.batches.tasks import batch_chunk_process

    chunk_ids = list(
        BatchChunk.objects.filter(run_id=run_id, status=BatchChunk.Status.PENDING).order_by("seq").values_list("pk", flat=True)
    )
    for chunk_id in chunk_ids:
        batch_chunk_process.delay(chunk_id)
    return len(chunk_ids)


def chunk_process(chunk_id: int) -> str:
    """Process one chunk; returns what happened ("done", "skipped-locked", "skipped-finished")."""
    # Count the attempt in its own short transaction, so it survives a crash of the work below.
    with transaction.atomic(durable=True):
        # of=("self",) and no ordering: lock the chunk row only, never its run, whose row every
        # finishing chunk updates (locking it too would make SKIP LOCKED skip a free chunk).
        claimable = (
            BatchChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=chunk_id, status=BatchChunk.Status.PENDING)
            .order_by()
        )
        if not BatchChunk.objects.filter(pk__in=claimable).update(attempts=F("attempts") + 1, last_attempt_at=Now()):
            return "skipped-locked" if BatchChunk.objects.filter(pk=chunk_id, status=BatchChunk.Status.PENDING).exists() else "skipped-finished"
    with transaction.atomic(durable=True):
        chunk = (
            BatchChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("run", "run__operator")
            .filter(pk=chunk_id)
            .order_by()
            .first()
        )
        if chunk is None:
            return "skipped-locked"  # another worker holds it right now, or it no longer exists
        if chunk.status != BatchChunk.Status.PENDING:
            return "skipped-finished"
        run = chunk.run
        # Every change the chunk makes carries the run in the change trail (COPY included): the
        # context the audit app provides (registry.chunk_context; refuses to run without one).
        with chunk_context(run):
            outcome = get_kind(run.kind).process(run=run, chunk=chunk)
        failed = len(outcome.errors)
        if outcome.succeeded + failed != chunk.size:
            raise ApplicationError(
                f"処理件数が一致しません（対象 {chunk.size} 件、成功 {outcome.succeeded} 件、エラー {failed} 件）。",
                code="chunk_count_mismatch",
            )
        BatchError.objects.bulk_create(
            BatchError(run=run, chunk=chunk, record_key=e.record_key, code=e.code, message=e.message)
            for e in outcome.errors
        )
        BatchChunk.objects.filter(pk=chunk.pk).update(
            status=BatchChunk.Status.DONE, finished_at=Now(), succeeded=outcome.succeeded, failed=failed, error=""
        )
        BatchRun.objects.filter(pk=run.pk).update(
            processed=F("processed") + outcome.succeeded + failed,
            succeeded=F("succeeded") + outcome.succeeded,
            failed=F("failed") + failed,
            last_progress_at=Now(),
        )
    batch_finalize_if_complete(run.pk)
    return "done"


def chunk_mark_failed(chunk_id: int, *, error: str) -> None:
    """After the last retry: the chunk is failed; the other chunks go on."""
    with transaction.atomic(durable=True):
        chunk = (
            BatchChunk.objects.select_for_update(of=("self",))
            .filter(pk=chunk_id, status=BatchChunk.Status.PENDING)
            .order_by()
            .first()
        )
        if chunk is None:
            return
        chunk.status = BatchChunk.Status.FAILED
        chunk.error = error[:300]
        chunk.finished_at = timezone.now()
        chunk.save(update_fields=["status", "error", "finished_at"])
        BatchError.objects.create(
            run_id=chunk.run_id, chunk=chunk, record_key=f"チャンク{chunk.seq}", code="chunk_failed",
            message=f"チャンク {chunk.seq}（{chunk.size} 件）は再試行後も失敗しました: {error}"[:500],
        )
        BatchRun.objects.filter(pk=chunk.run_id).update(last_progress_at=Now())
    batch_finalize_if_complete(chunk.run_id)


def batch_finalize_if_complete(run_id: int) -> bool:
    """Close the run when no chunk is pending; true when this call closed it."""
    pending = BatchChunk.objects.filter(run=OuterRef("pk"), status=BatchChunk.Status.PENDING)
    failed = BatchChunk.objects.filter(run=OuterRef("pk"), status=BatchChunk.Status.FAILED)
    closed = (
        BatchRun.objects.filter(pk=run_id, status=BatchRun.Status.RUNNING)
        .exclude(Exists(pending))
        .update(
            status=Case(
                When(Exists(failed), then=Value(BatchRun.Status.FAILED)),
                default=Value(BatchRun.Status.SUCCEEDED),
            ),
            finished_at=Now(),
        )
    )
    if closed:
        logger.info("batch %s finished", run_id)
    return bool(closed)


def batch_resume(*, run_id: int, actor) -> BatchRun:
    """Run again what a run has not done: its pending chunks and, once more, its failed ones.
    The role (``batch.operate``) is checked here (``require_operate``)."""
    require_operate(actor)
    with transaction.atomic(durable=True):
        run = BatchRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            raise ApplicationError("指定されたバッチ実行はありません。", code="not_found")
        if run.status == BatchRun.Status.SUCCEEDED:
            raise InvalidState("正常終了したバッチは再実行できません。")
        BatchChunk.objects.filter(run=run, status=BatchChunk.Status.FAILED).update(
            status=BatchChunk.Status.PENDING, error="", finished_at=None
        )
        run.status = BatchRun.Status.RUNNING
        run.finished_at = None
        run.resume_count += 1
        run.resumed_by = actor
        run.resumed_at = run.last_progress_at = timezone.now()
        run.save(update_fields=["status", "finished_at", "resume_count", "resumed_by", "resumed_at", "last_progress_at"])
        transaction.on_commit(lambda: batch_dispatch(run.pk))
    logger.info("batch %s resumed by %s", run_id, actor.username if actor else "a command")
    return run


def batch_resume_stalled(*, stalled_for: timedelta) -> list[int]:
    """Re-queue the pending chunks of runs that made no progress for ``stalled_for``
    (their worker died and Redis has not handed the task on yet)."""
    cutoff = timezone.now() - stalled_for
    run_ids = list(
        BatchRun.objects.filter(status=BatchRun.Status.RUNNING, last_progress_at__lt=cutoff).values_list("pk", flat=True)
    )
    for run_id in run_ids:
        BatchRun.objects.filter(pk=run_id).update(last_progress_at=Now())
        batch_dispatch(run_id)
        logger.warning("batch %s made no progress since %s: pending chunks queued again", run_id, cutoff)
    return run_ids


def safe_error(exc: BaseException) -> str:
    """What may be shown and logged of an exception: never its message, which may quote data
    (a PostgreSQL unique violation names the key's values), except for ApplicationError,
    whose messages are written for staff."""
    if isinstance(exc, ApplicationError):
        return f"{exc.code}: {exc.message}"
    sqlstate = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "__cause__", None), "sqlstate", None)
    return f"{type(exc).__name__}" + (f" (SQLSTATE {sqlstate})" if sqlstate else "")
