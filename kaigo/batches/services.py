"""Starting, processing, finishing and resuming batches.

Exactly-once per record rests on one rule: a chunk's work, its "done" mark and the run's
counters commit in one transaction, taken with the chunk row locked (SELECT ... FOR UPDATE
SKIP LOCKED). A worker that dies mid-chunk loses its connection, PostgreSQL rolls the chunk
back and frees the lock, and the chunk is still pending for whoever runs it next. A chunk
delivered twice is done once: the second delivery finds it locked or done and skips it.

Nothing waits for an operator: the supervisor (``batch_supervise``, a beat job every
``BATCH_SUPERVISE_EVERY`` seconds) re-queues the chunks of a run without progress that no live
transaction holds, and marks the run stalled, with the reason, when that does not help. A chunk
queued twice is still done once (the rule above), so re-queueing is always safe.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from kaigo.batches.models import BatchChunk, BatchError, BatchRun
from kaigo.batches.registry import ConfirmationRequired, chunk_context, confirmation_token, get_kind, kind_to_start
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
                dispatch: bool = True, confirmed: bool | str = False) -> BatchRun:
    """Register a run and its chunks, and queue the chunks once the transaction commits
    (``dispatch=False``: queue nothing; ``batch_run_here`` processes them). A run the kind asks to
    confirm (``BatchKind.confirmation``) is refused with ``ConfirmationRequired`` unless
    ``confirmed`` is True (a command's ``--confirm``) or the token of that same notice (a screen).
    The role (``batch.operate``) is checked here (``require_operate``)."""
    require_operate(actor)
    batch_kind = kind_to_start(kind)  # a demo kind is refused without synthetic data
    params = batch_kind.clean_params(params)
    notice = batch_kind.confirmation(params)
    if notice and confirmed is not True and confirmed != confirmation_token(notice):
        raise ConfirmationRequired(notice)
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
    BatchRun.objects.filter(pk=run.pk).update(processed_here=True)  # not the supervisor's to re-queue
    for chunk_id in run.chunks.order_by("seq").values_list("pk", flat=True):
        chunk_process(chunk_id)
    run.refresh_from_db()
    return run


# What publishing to the broker raises when Redis is down or unreachable: Celery retries a publish
# (task_publish_retry_policy), then raises kombu's OperationalError; the others in case a client
# error escapes kombu's wrapping.
BROKER_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.ConnectionError,
                 redis.exceptions.TimeoutError, ConnectionError, TimeoutError)


def batch_dispatch(run_id: int, chunk_ids: list[int] | None = None) -> int:
    """Queue the given chunks of a run (default: every pending one); returns how many were queued.
    Safe to repeat: a chunk is processed at most once.

    Never raises for the broker: when Redis cannot take a task, the chunks not queued stay pending,
    the run is marked stalled with the reason (shown on the console and by ``batch_run``), and the
    supervisor queues them again once Redis answers."""
    from kaigo.batches.tasks import batch_chunk_process

    if chunk_ids is None:
        chunk_ids = list(
            BatchChunk.objects.filter(run_id=run_id, status=BatchChunk.Status.PENDING)
            .order_by("seq").values_list("pk", flat=True)
        )
    queued: list[int] = []
    failure = None
    for chunk_id in chunk_ids:
        try:
            batch_chunk_process.delay(chunk_id)
        except BROKER_ERRORS as exc:
            failure = exc
            break
        queued.append(chunk_id)
    if queued:
        # Never wait for a chunk a worker holds (it is being processed anyway; waiting would stall the
        # dispatcher, and the supervisor, for the chunk's whole transaction).
        free = (BatchChunk.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__in=queued).order_by().values("pk"))
        with transaction.atomic():
            BatchChunk.objects.filter(pk__in=free).update(queued_at=Now())
    if failure is not None:
        left = len(chunk_ids) - len(queued)
        logger.error("batch %s: %d chunk(s) could not be queued (%s); the supervisor queues them when the "
                     "broker answers", run_id, left, safe_error(failure))
        try:
            batch_mark_stalled(run_id, reason=(
                f"作業キュー（Redis）に接続できないため、チャンク {left} 件をキューに登録できませんでした。"
                "Redis が復旧すると監視ジョブが自動で登録し直します。"
            ))
        except DatabaseError as exc:  # PostgreSQL gone too: the supervisor finds the run by its lack of progress
            logger.error("batch %s: could not mark the run stalled (%s)", run_id, safe_error(exc))
    return len(queued)


def batch_mark_stalled(run_id: int, *, reason: str) -> None:
    """Show on the console that a running run cannot go on by itself, and why (Japanese, no data).
    The mark is cleared by the next chunk that finishes."""
    BatchRun.objects.filter(pk=run_id, status=BatchRun.Status.RUNNING).update(
        stalled_at=Coalesce(F("stalled_at"), Now()), stalled_reason=reason[:300]
    )  # the mark keeps the time the run was first found stalled


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
            stalled_at=None,
            stalled_reason="",
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
        BatchRun.objects.filter(pk=chunk.run_id).update(last_progress_at=Now(), stalled_at=None, stalled_reason="")
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
        run.stalled_at, run.stalled_reason, run.processed_here = None, "", False
        run.save(update_fields=["status", "finished_at", "resume_count", "resumed_by", "resumed_at", "last_progress_at",
                                "stalled_at", "stalled_reason", "processed_here"])
        transaction.on_commit(lambda: batch_dispatch(run.pk))
    logger.info("batch %s resumed by %s", run_id, actor.username if actor else "a command")
    return run


def batch_supervise() -> dict[int, str]:
    """The supervisor (beat job ``batches-supervise``): make every running run finish without an
    operator, or say why it cannot. Returns what it did per run (for the log and the tests).

    A run is looked at when it made no progress for ``BATCH_STALL_AFTER`` seconds, or is marked
    stalled. For such a run it

    1. closes it when no chunk is pending (the chunk that finished it could not close it: the
       database went away between its commit and the close);
    2. re-queues its pending chunks that no transaction holds (``FOR UPDATE SKIP LOCKED`` finds
       them) and that were not queued in the last ``BATCH_STALL_AFTER`` seconds: their task was
       lost (a worker killed whole, Redis restarted without its data, a last retry that found
       PostgreSQL down, a dispatch that Redis refused, a redelivery that found the row locked);
    3. marks the run stalled, with the reason, when a pending chunk is held by a transaction for
       longer than ``BATCH_STALL_AFTER`` (named with the holder's PostgreSQL process id), or when
       chunks it re-queued before were still not taken up.

    A chunk that is in fact still queued or done is not harmed by a second task: it is done
    once (the module's rule). Nothing here counts as a resume (``resume_count`` is unchanged) and
    failed chunks are left to an operator. A run processed by the process that started it
    (``batch_run_here``) is not looked at: its chunks may depend on their order; ``batch_resume``
    hands it to the workers."""
    stall_after = timedelta(seconds=settings.BATCH_STALL_AFTER)
    now = timezone.now()
    cutoff = now - stall_after
    outcome: dict[int, str] = {}
    runs = BatchRun.objects.filter(status=BatchRun.Status.RUNNING, processed_here=False).filter(
        Q(last_progress_at__lt=cutoff) | Q(stalled_at__isnull=False)
    )
    for run in runs:
        outcome[run.pk] = _supervise_run(run, now=now, cutoff=cutoff)
    return outcome


def _supervise_run(run: BatchRun, *, now, cutoff) -> str:
    if batch_finalize_if_complete(run.pk):
        logger.warning("batch %s: every chunk was finished but the run was still open; closed", run.pk)
        return "closed"
    with transaction.atomic(durable=True):
        pending = list(
            BatchChunk.objects.filter(run=run, status=BatchChunk.Status.PENDING).values_list("pk", "queued_at")
        )
        free = set(
            BatchChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=[pk for pk, _ in pending]).order_by().values_list("pk", flat=True)
        )
    held = sorted(pk for pk, _ in pending if pk not in free)
    lost = sorted(pk for pk, queued_at in pending if pk in free and (queued_at is None or queued_at < cutoff))
    stalled_before = run.requeued_at is not None and (run.last_progress_at is None
                                                      or run.requeued_at > run.last_progress_at)
    reasons = []
    holders = _lock_holders(held, older_than=cutoff)
    if holders:
        seq, pid, since = holders[0]
        reasons.append(
            f"チャンク {seq} が {int((now - since).total_seconds())} 秒以上ロックされたままです"
            f"（PostgreSQL のプロセス {pid}）。処理中でなければ、そのセッションを終了してください。"
            + (f"ほかに {len(holders) - 1} チャンク。" if len(holders) > 1 else "")
        )
    if held and not holders and run.last_progress_at is not None and run.last_progress_at < cutoff - (now - cutoff):
        # the holder's session is not visible to this role (another user's session)
        reasons.append(f"チャンク {len(held)} 件が他のトランザクションにロックされたまま、処理が進みません。")
    if lost and stalled_before and run.requeued_at < cutoff:
        reasons.append(
            f"作業キューに登録し直したチャンクが {int((now - run.requeued_at).total_seconds())} 秒以上処理されません。"
            "ワーカー（celery worker）が動いているか確認してください。"
        )
    if lost:
        BatchRun.objects.filter(pk=run.pk).update(requeued_at=Now(), requeue_count=F("requeue_count") + 1)
        queued = batch_dispatch(run.pk, lost)
        logger.warning("batch %s made no progress since %s: %d of %d pending chunk(s) had no live task; "
                       "%d queued again", run.pk, run.last_progress_at, len(lost), len(pending), queued)
    if reasons:
        batch_mark_stalled(run.pk, reason="".join(reasons))
        logger.error("batch %s is stalled: %d chunk(s) held, %d re-queued", run.pk, len(held), len(lost))
        return "stalled"
    return "requeued" if lost else "waiting"


def _lock_holders(chunk_ids: list[int], *, older_than) -> list[tuple[int, int, Any]]:
    """(seq, backend pid, transaction start) of the sessions holding these chunks' rows whose
    transaction began before ``older_than``. A row locked FOR UPDATE carries the locker's
    transaction id in ``xmax``; pg_stat_activity names the session with that ``backend_xid``."""
    if not chunk_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.seq, a.pid, a.xact_start FROM {BatchChunk._meta.db_table} c "
            "JOIN pg_stat_activity a ON a.backend_xid = c.xmax "
            "WHERE c.id = ANY(%s) AND a.xact_start < %s ORDER BY c.seq",
            [chunk_ids, older_than],
        )
        return list(cursor.fetchall())


# SQLSTATE classes of "the database is not there" (connection exceptions, shutdown, not yet accepting).
DATABASE_DOWN_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says PostgreSQL could not be reached (down, restarting, connection lost),
    not that the chunk's work was refused: such a chunk is not failed, it waits for the database."""
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    sqlstate = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "__cause__", None), "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(DATABASE_DOWN_SQLSTATES)


def safe_error(exc: BaseException) -> str:
    """What may be shown and logged of an exception: never its message, which may quote data
    (a PostgreSQL unique violation names the key's values), except for ApplicationError,
    whose messages are written for staff."""
    if isinstance(exc, ApplicationError):
        return f"{exc.code}: {exc.message}"
    sqlstate = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "__cause__", None), "sqlstate", None)
    return f"{type(exc).__name__}" + (f" (SQLSTATE {sqlstate})" if sqlstate else "")
